"""Writing knowledge-base entries: loading the reviewed files, and editors unpublishing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from framework.definition import DefinitionError, DefinitionProblem
from framework.knowledge_definition import (
    EntryDef,
    ParsedKnowledgeFile,
    duplicate_keys_across,
    measure_keys_for,
    parse_knowledge_file,
)
from framework.models import Domain, FrameworkVersion, KnowledgeEntry
from organisations.models import Organisation

KNOWLEDGE_DIR = Path(__file__).resolve().parent / "knowledge"
Status = KnowledgeEntry.Status


@dataclass(frozen=True)
class KnowledgeLoadOutcome:
    created: int
    updated: int
    unchanged: int
    removed: int

    def __str__(self) -> str:
        return (
            f"Knowledge base: {self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} no longer in the files (unpublished)"
        )


def current_framework_domains() -> dict[str, str]:
    """The latest framework version's domain keys, each with its measure's key."""
    latest = FrameworkVersion.objects.order_by("-version").first()
    if latest is None:
        return {}
    return dict(Domain.objects.filter(framework=latest).values_list("key", "measure__key"))


@transaction.atomic
def knowledge_load(*, path: Path = KNOWLEDGE_DIR) -> KnowledgeLoadOutcome:
    """Validate every file, then write every entry in one transaction (updating in place by key).

    Idempotent: loading the same files again changes nothing. An entry no longer in the files is
    unpublished (REMOVED), never deleted, so a link to it says it was withdrawn rather than 404.
    An editor's unpublishing survives reloads; only the files can change what an entry says."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise DefinitionError([DefinitionProblem(str(path), None, "", "no .yaml knowledge files found")])
    measure_of = current_framework_domains()
    if not measure_of:
        raise DefinitionError([DefinitionProblem(str(path), None, "", "load the framework before the knowledge base")])
    codes = dict(Organisation.objects.values_list("ods_code", "pk"))
    parsed: list[ParsedKnowledgeFile] = []
    problems: list[DefinitionProblem] = []
    for file in files:
        try:
            parsed.append(parse_knowledge_file(file, domain_keys=measure_of, organisation_codes=codes))
        except DefinitionError as error:
            problems.extend(error.problems)
    problems.extend(duplicate_keys_across(parsed))
    if problems:
        raise DefinitionError(problems)

    wanted = {entry.key: _row_values(entry, item, measure_of, codes) for item in parsed for entry in item.entries}
    existing = {entry.key: entry for entry in KnowledgeEntry.objects.select_for_update().exclude(kind="shared")}
    shared_keys = set(KnowledgeEntry.objects.filter(kind="shared", key__in=wanted).values_list("key", flat=True))
    if shared_keys:
        raise DefinitionError(
            [DefinitionProblem(str(path), None, key, "is the key of a shared entry") for key in sorted(shared_keys)]
        )
    created, changed, unchanged = [], [], 0
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            created.append(KnowledgeEntry(key=key, status=Status.PUBLISHED, **values))
            continue
        differs = any(getattr(row, field) != value for field, value in values.items())
        if row.status == Status.REMOVED:  # back in the files
            row.status = Status.PUBLISHED
            differs = True
        if differs:
            for field, value in values.items():
                setattr(row, field, value)
            changed.append(row)
        else:
            unchanged += 1
    KnowledgeEntry.objects.bulk_create(created)
    for row in changed:
        row.save()
    removed = (
        KnowledgeEntry.objects.exclude(kind="shared")
        .exclude(key__in=wanted)
        .exclude(status=Status.REMOVED)
        .update(status=Status.REMOVED)
    )
    return KnowledgeLoadOutcome(len(created), len(changed), unchanged, removed)


def _row_values(entry: EntryDef, item: ParsedKnowledgeFile, measure_of: dict[str, str], codes: dict) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "title": entry.title,
        "summary": entry.summary,
        "body": entry.body,
        "organisation_id": codes.get(entry.organisation) if entry.organisation else None,
        "author_name": entry.author_name,
        "care_settings": list(entry.care_settings),
        "domain_keys": list(entry.domain_keys),
        "measure_keys": measure_keys_for(entry.domain_keys, measure_of),
        "level_from": entry.level_from,
        "level_to": entry.level_to,
        "cost_band": entry.cost_band,
        "outcome": entry.outcome,
        "contact": entry.contact,
        "links": [{"title": link.title, "url": link.url} for link in entry.links],
        "source_file": item.file,
        "source_sha256": item.sha256,
    }


def knowledge_entries_unpublish(*, entries: QuerySet | Iterable[KnowledgeEntry], actor: Any) -> int:
    """An editor takes entries off the knowledge base (reviewed or shared); the rows stay."""
    keys = [entry.key for entry in entries]
    return KnowledgeEntry.objects.filter(key__in=keys, status=Status.PUBLISHED).update(status=Status.UNPUBLISHED)


def knowledge_entries_republish(*, entries: QuerySet | Iterable[KnowledgeEntry], actor: Any) -> int:
    """An editor puts back entries they unpublished (never one an organisation withdrew, nor one
    the reviewed files no longer hold)."""
    keys = [entry.key for entry in entries]
    return KnowledgeEntry.objects.filter(key__in=keys, status=Status.UNPUBLISHED).update(status=Status.PUBLISHED)
