"""Loading framework versions from their definition files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from framework.definition import (
    DefinitionError,
    DefinitionProblem,
    FrameworkDef,
    ParsedDefinition,
    parse_definition,
)
from framework.measures import SUCCESS_MEASURES
from framework.models import Criterion, Domain, FrameworkVersion, Level, Measure

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"


@dataclass(frozen=True)
class LoadOutcome:
    version: str
    outcome: str  # created / updated / unchanged
    domains: int
    criteria: int

    def __str__(self) -> str:
        return f"{self.version}: {self.outcome} ({self.domains} domains, {self.criteria} criteria)"


def definition_files(path: Path) -> list[Path]:
    """A file, or every .yaml file of a folder in name order (names sort as versions do)."""
    if path.is_dir():
        return sorted(path.glob("*.yaml"))
    return [path]


@transaction.atomic
def framework_load(*, path: Path) -> list[LoadOutcome]:
    """Validate every file first, then write them all in one transaction.

    A version that an assessment cycle uses is frozen: loading different content for it is
    refused, because answers already given must keep meaning what they meant. Publish a new
    version that supersedes it instead.
    """
    files = definition_files(path)
    if not files:
        raise DefinitionError([DefinitionProblem(str(path), None, "", "no .yaml definition files found")])
    known = {
        version.version: set(version.domains.values_list("key", flat=True))
        for version in FrameworkVersion.objects.prefetch_related("domains")
    }
    parsed: list[ParsedDefinition] = []
    problems: list[DefinitionProblem] = []
    for file in files:
        try:
            definition = parse_definition(file, known)
        except DefinitionError as error:
            problems.extend(error.problems)
            continue
        known[definition.definition.framework.version] = {
            domain.key for _, _, domain in definition.definition.domains()
        }
        parsed.append(definition)
    problems.extend(_frozen_conflicts(parsed))
    if problems:
        raise DefinitionError(problems)
    return [_write(definition) for definition in parsed]


def _frozen_conflicts(parsed: list[ParsedDefinition]) -> list[DefinitionProblem]:
    existing = FrameworkVersion.objects.in_bulk(
        [item.definition.framework.version for item in parsed], field_name="version"
    )
    problems = []
    for item in parsed:
        current = existing.get(item.definition.framework.version)
        if current and current.is_in_use and current.source_sha256 != item.sha256:
            problems.append(
                DefinitionProblem(
                    item.file,
                    None,
                    "framework.version",
                    f"{current.version} is used by an assessment cycle and cannot be edited; "
                    "publish a new version that supersedes it",
                )
            )
    return problems


def _write(item: ParsedDefinition) -> LoadOutcome:
    header = item.definition.framework
    current = FrameworkVersion.objects.filter(version=header.version).first()
    if current and current.source_sha256 == item.sha256:
        return LoadOutcome(
            header.version,
            "unchanged",
            current.domains.count(),
            Criterion.objects.filter(domain__framework=current).count(),
        )
    supersedes = FrameworkVersion.objects.get(version=header.supersedes) if header.supersedes else None
    values = {
        "title": header.title,
        "published_on": header.published_on,
        "supersedes": supersedes,
        "source_file": item.file,
        "source_sha256": item.sha256,
    }
    if current:
        # Not in use (checked above), so nothing refers to its rows yet: replace them whole.
        current.measures.all().delete()
        for name, value in values.items():
            setattr(current, name, value)
        current.save()
        version, outcome = current, "updated"
    else:
        version, outcome = FrameworkVersion.objects.create(version=header.version, **values), "created"
    domains, criteria = _write_content(version, item.definition)
    return LoadOutcome(header.version, outcome, domains, criteria)


def _write_content(version: FrameworkVersion, definition: FrameworkDef) -> tuple[int, int]:
    measures = Measure.objects.bulk_create(
        Measure(framework=version, key=m.key, name=SUCCESS_MEASURES[m.key], summary=m.summary.strip(), position=i)
        for i, m in enumerate(definition.measures, start=1)
    )
    domain_rows, level_rows, criterion_rows = [], [], []
    for measure_row, measure in zip(measures, definition.measures, strict=True):
        for position, domain in enumerate(measure.domains, start=1):
            domain_row = Domain(
                framework=version,
                measure=measure_row,
                key=domain.key,
                name=domain.name,
                position=position,
                care_settings=domain.care_settings,
                system_assessment=domain.system_assessment,
                replaces=domain.replaces,
                what_good_looks_like=domain.guidance.what_good_looks_like.strip(),
                evidence_expected=domain.guidance.evidence_expected,
            )
            domain_rows.append(domain_row)
            for number in sorted(domain.levels):
                level = domain.levels[number]
                level_row = Level(domain=domain_row, number=number, name=level.name)
                level_rows.append(level_row)
                criterion_rows.extend(
                    Criterion(domain=domain_row, level=level_row, key=c.key, text=c.text.strip(), position=p)
                    for p, c in enumerate(level.criteria, start=1)
                )
    Domain.objects.bulk_create(domain_rows)
    for level_row in level_rows:
        level_row.domain_id = level_row.domain.pk
    Level.objects.bulk_create(level_rows)
    for criterion_row in criterion_rows:
        criterion_row.domain_id = criterion_row.domain.pk
        criterion_row.level_id = criterion_row.level.pk
    Criterion.objects.bulk_create(criterion_rows)
    return len(domain_rows), len(criterion_rows)


@transaction.atomic
def framework_version_mark_in_use(*, version: FrameworkVersion) -> FrameworkVersion:
    """Freeze a version when the first cycle uses it (called by the assessments app)."""
    locked = FrameworkVersion.objects.select_for_update().get(pk=version.pk)
    if locked.in_use_since is None:
        locked.in_use_since = timezone.now()
        locked.save(update_fields=["in_use_since"])
    return locked
