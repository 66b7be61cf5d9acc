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
    known_version,
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
    known: dict[str, dict[str, set[str]]] = {}
    for version, domain_key, criterion_key in Criterion.objects.values_list(
        "domain__framework__version", "domain__key", "key"
    ):
        known.setdefault(version, {}).setdefault(domain_key, set()).add(criterion_key)
    parsed: list[ParsedDefinition] = []
    problems: list[DefinitionProblem] = []
    for file in files:
        try:
            definition = parse_definition(file, known)
        except DefinitionError as error:
            problems.extend(error.problems)
            continue
        known[definition.definition.framework.version] = known_version(definition.definition)
        parsed.append(definition)
    problems.extend(_frozen_conflicts(parsed))
    problems.extend(_double_successors(parsed))
    if problems:
        raise DefinitionError(problems)
    return [_write(definition) for definition in parsed]


def _double_successors(parsed: list[ParsedDefinition]) -> list[DefinitionProblem]:
    """A version is superseded by one version at most: two successors would each claim last
    year's answers (the database allows one; refused here, with the file, before any write)."""
    successor = {
        superseded: version
        for version, superseded in FrameworkVersion.objects.filter(supersedes__isnull=False).values_list(
            "version", "supersedes__version"
        )
    }
    problems = []
    for item in parsed:
        header = item.definition.framework
        if header.supersedes is None:
            continue
        other = successor.setdefault(header.supersedes, header.version)
        if other != header.version:
            problems.append(
                DefinitionProblem(
                    item.file,
                    None,
                    "framework.supersedes",
                    f"{header.supersedes} is already superseded by {other}; a version has one successor",
                )
            )
    return problems


def _frozen_conflicts(parsed: list[ParsedDefinition]) -> list[DefinitionProblem]:
    existing = FrameworkVersion.objects.in_bulk(
        [item.definition.framework.version for item in parsed], field_name="version"
    )
    problems = []
    for item in parsed:
        current = existing.get(item.definition.framework.version)
        if (
            current
            and current.is_in_use
            and current.source_sha256 != item.sha256
            and _questions(current) != _definition_questions(item.definition)
        ):
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


def _questions(version: FrameworkVersion) -> set[tuple]:
    """What answers mean: every domain's key, name and applicability, every level and criterion."""
    return {
        (domain_key, name, tuple(settings), system, number, key, text)
        for domain_key, name, settings, system, number, key, text in Criterion.objects.filter(
            domain__framework=version
        ).values_list(
            "domain__key", "domain__name", "domain__care_settings", "domain__system_assessment", "level__number",
            "key", "text",
        )
    }  # fmt: skip


def _definition_questions(definition: FrameworkDef) -> set[tuple]:
    return {
        (domain.key, domain.name, tuple(domain.care_settings), domain.system_assessment, number, c.key, c.text.strip())
        for _, _, domain in definition.domains()
        for number, level in domain.levels.items()
        for c in level.criteria
    }


def _write_crosswalk(version: FrameworkVersion, item: ParsedDefinition) -> LoadOutcome:
    """An in-use version whose questions are unchanged may have its crosswalk added or corrected:
    which earlier domains and criteria each continues changes how last year's answers carry
    forward and compare, and which domains each builds on (`depends_on`) changes how this
    year's answers are cross-checked; neither changes what an answer means."""
    domains = {domain.key: domain for domain in version.domains.all()}
    criteria = {(c.domain_id, c.key): c for c in Criterion.objects.filter(domain__framework=version)}
    changed_domains, changed_criteria = [], []
    for _, _, definition in item.definition.domains():
        domain = domains[definition.key]
        domain.replaces, domain.evidence_from = definition.replaces, definition.evidence_from
        domain.depends_on = definition.depends_on
        changed_domains.append(domain)
        for level in definition.levels.values():
            for criterion_def in level.criteria:
                criterion = criteria[(domain.pk, criterion_def.key)]
                criterion.replaces = criterion_def.replaces
                changed_criteria.append(criterion)
    Domain.objects.bulk_update(changed_domains, ["replaces", "evidence_from", "depends_on"])
    Criterion.objects.bulk_update(changed_criteria, ["replaces"])
    version.source_file, version.source_sha256 = item.file, item.sha256
    version.save(update_fields=["source_file", "source_sha256", "loaded_at"])
    return LoadOutcome(version.version, "crosswalk updated", len(changed_domains), len(changed_criteria))


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
    if current and current.is_in_use:
        return _write_crosswalk(current, item)  # the questions are unchanged (checked above)
    if current:
        # Not in use, so nothing refers to its rows yet: replace them whole.
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
                evidence_from=domain.evidence_from,
                depends_on=domain.depends_on,
                what_good_looks_like=domain.guidance.what_good_looks_like.strip(),
                evidence_expected=domain.guidance.evidence_expected,
            )
            domain_rows.append(domain_row)
            for number in sorted(domain.levels):
                level = domain.levels[number]
                level_row = Level(domain=domain_row, number=number, name=level.name)
                level_rows.append(level_row)
                criterion_rows.extend(
                    Criterion(
                        domain=domain_row,
                        level=level_row,
                        key=c.key,
                        text=c.text.strip(),
                        position=p,
                        replaces=c.replaces,
                    )
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
