"""Reading and validating the reviewed knowledge-base files (pure: no database).

The files in framework/knowledge/ are reviewed like the framework definitions and read with the
same hardened loader (framework.definition.read_safe_yaml): every problem is reported with the
file, the line and the path to the entry, and a batch with any problem writes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from framework.definition import DefinitionError, DefinitionProblem, Reporter, read_validated
from framework.measures import LEVELS
from organisations.models import CareSetting

ENTRY_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Shared entries are keyed "shared-<ods>-<domain>-<cycle>" by the sharing service; a reviewed key
# of that shape could collide with one and overwrite an organisation's words.
SHARED_PREFIX = "shared-"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
COST_BANDS = ("under_50k", "50k_250k", "250k_1m", "over_1m", "unknown")
MAX_TITLE = 150
MAX_SUMMARY = 600
MAX_BODY = 8000
MAX_OUTCOME = 2000
MAX_CONTACT = 200
MAX_LINKS = 10


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _text(limit: int):
    return Annotated[str, Field(min_length=1, max_length=limit)]


class LinkDef(_Strict):
    title: _text(200)
    url: _text(500)


class EntryDef(_Strict):
    key: _text(80)
    kind: Literal["blueprint", "case_study"]
    title: _text(MAX_TITLE)
    summary: _text(MAX_SUMMARY)
    body: _text(MAX_BODY)
    # An organisation in our reference data (its ODS code), or a body that is not one.
    organisation: str | None = None
    author_name: Annotated[str, Field(max_length=200)] = ""
    # None listed: it applies in any setting (system-level work of an ICB, say).
    care_settings: list[str] = []
    domain_keys: Annotated[list[str], Field(min_length=1)]
    level_from: int
    level_to: int
    cost_band: Literal[COST_BANDS]  # type: ignore[valid-type]
    outcome: Annotated[str, Field(max_length=MAX_OUTCOME)] = ""
    contact: _text(MAX_CONTACT)
    links: Annotated[list[LinkDef], Field(max_length=MAX_LINKS)] = []


class KnowledgeFileDef(_Strict):
    entries: Annotated[list[EntryDef], Field(min_length=1)]


@dataclass(frozen=True)
class ParsedKnowledgeFile:
    entries: list[EntryDef]
    file: str
    sha256: str


def parse_knowledge_file(
    path: Path, *, domain_keys: Iterable[str], organisation_codes: Iterable[str]
) -> ParsedKnowledgeFile:
    """Parse and validate one file. `domain_keys` are the current framework's; an entry for a
    domain the framework does not have would never be found from a domain page, so it is an
    error. `organisation_codes` are the ODS codes of the organisations loaded."""
    report = Reporter(path.name, "the document must be a mapping with entries")
    raw, root, parsed = read_validated(path, KnowledgeFileDef, report)
    _check_entries(parsed.entries, set(domain_keys), set(organisation_codes), report, root)
    if report.problems:
        raise DefinitionError(report.problems)
    return ParsedKnowledgeFile(entries=parsed.entries, file=path.name, sha256=hashlib.sha256(raw).hexdigest())


def _check_entries(entries: list[EntryDef], domain_keys: set[str], codes: set[str], report: Reporter, root) -> None:
    def problem(path: tuple, message: str) -> None:
        report.add(root, ("entries", *path), message)

    for e, entry in enumerate(entries):
        if not ENTRY_KEY.fullmatch(entry.key):
            problem((e, "key"), f"{entry.key!r} is not a key (lower-case letters and digits joined by -)")
        elif entry.key.startswith(SHARED_PREFIX):
            problem((e, "key"), f"keys starting {SHARED_PREFIX!r} are kept for entries organisations share")
        if entry.organisation is None and not entry.author_name:
            problem((e,), "say who wrote it: organisation (an ODS code) or author_name")
        if entry.organisation is not None and entry.organisation not in codes:
            problem((e, "organisation"), f"{entry.organisation!r} is not the ODS code of an organisation loaded")
        for s, setting in enumerate(entry.care_settings):
            if setting not in CareSetting.values:
                problem(
                    (e, "care_settings", s), f"unknown care setting {setting!r}; use {', '.join(CareSetting.values)}"
                )
        if len(set(entry.care_settings)) != len(entry.care_settings):
            problem((e, "care_settings"), "a care setting is listed twice")
        for d, key in enumerate(entry.domain_keys):
            if key not in domain_keys:
                problem((e, "domain_keys", d), f"{key!r} is not a domain of the current framework")
        if len(set(entry.domain_keys)) != len(entry.domain_keys):
            problem((e, "domain_keys"), "a domain is listed twice")
        for field, level in (("level_from", entry.level_from), ("level_to", entry.level_to)):
            if level not in LEVELS:
                problem((e, field), f"{level} is not a maturity level (1 to 5)")
        if entry.level_from >= entry.level_to:
            problem((e, "level_to"), f"level_to ({entry.level_to}) must be above level_from ({entry.level_from})")
        if EMAIL.search(entry.contact):
            problem((e, "contact"), "name a role or team, not an e-mail address")
        for n, link in enumerate(entry.links):
            if not is_public_web_address(link.url):
                problem((e, "links", n, "url"), f"{link.url!r} is not an https:// web address")
    _check_unique(entries, problem)


def _check_unique(entries: list[EntryDef], problem) -> None:
    first: dict[str, int] = {}
    for e, entry in enumerate(entries):
        if entry.key in first:
            problem((e, "key"), f"duplicate key {entry.key!r} (first used by entry {first[entry.key]})")
        else:
            first[entry.key] = e


def is_public_web_address(url: str) -> bool:
    """An https:// address with a host name: what a reader may safely follow from the page."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and "." in (parts.hostname or "") and " " not in url


def duplicate_keys_across(files: list[ParsedKnowledgeFile]) -> list[DefinitionProblem]:
    """A key is one entry in the whole knowledge base, not per file."""
    seen: dict[str, str] = {}
    problems = []
    for parsed in files:
        for entry in parsed.entries:
            if entry.key in seen and seen[entry.key] != parsed.file:
                problems.append(
                    DefinitionProblem(parsed.file, None, f"entries.{entry.key}", f"key also used in {seen[entry.key]}")
                )
            seen.setdefault(entry.key, parsed.file)
    return problems


def measure_keys_for(domain_keys: Iterable[str], measure_of: Mapping[str, str]) -> list[str]:
    """The measures of an entry's domains, once each, in the order first met."""
    return list(dict.fromkeys(measure_of[key] for key in domain_keys if key in measure_of))
