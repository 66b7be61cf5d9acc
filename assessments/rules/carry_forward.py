"""Carrying last year's answers into this year's assessment (pure: no database).

A domain of this year's framework continues the domains of last year's that it names through
its key and `replaces` (same key, renamed, split or merged). Criteria carry over by key, so a
split domain inherits what each half still asks for and a merged one the union of what its
parts had met; notes carry over unchanged when the domain kept its key, and otherwise under
each predecessor's name so the reader knows where they came from.

`sources` are last year's answers to the predecessor domains: objects with `domain.key`,
`domain.name`, `notes` and `met_criteria` (a DomainResponse with its domain loaded).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def carried_notes(domain_key: str, sources: Sequence[Any]) -> str:
    """Last year's notes as they are carried into the domain `domain_key`."""
    if not sources:
        return ""
    if len(sources) == 1 and sources[0].domain.key == domain_key:
        return sources[0].notes
    return "\n\n".join(f"From {s.domain.name}: {s.notes}" for s in sources if s.notes)


def carried_met_criteria(criteria: Mapping[int, Sequence[str]], sources: Sequence[Any]) -> list[str]:
    """This domain's criteria that last year's answers met, in framework order."""
    met = {key for source in sources for key in source.met_criteria}
    return [key for level in sorted(criteria) for key in criteria[level] if key in met]
