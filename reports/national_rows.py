"""The rows of a cycle's national files, streamed: the column definitions (the one source of the
files' headers and of the data dictionary) and the row builders. Reads only.

Memory stays flat in the number of organisations: every query is read through a server-side
cursor on PostgreSQL (`.iterator(chunk_size=...)`), and the measure and domain scores, read in
the same ODS-code order as the organisations, are grouped per organisation as they stream past
(itertools.groupby), never gathered in a dict of the whole country.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import IO, Any

from assessments.models import Assessment, Cycle, DomainScore, MeasureScore
from framework.models import Domain, Measure
from organisations.models import CareSetting, Organisation
from reports.cards import _csv_safe

CHUNK = 2000
PUBLISHED = frozenset({Assessment.Status.PUBLISHED})
# Statuses whose assessment has been through national validation (publication follows it).
VALIDATED_OR_LATER = frozenset(
    {Assessment.Status.VALIDATED, Assessment.Status.PROVISIONAL, Assessment.Status.PUBLISHED}
)

Cell = str | int | Decimal | None


@dataclass(frozen=True)
class Column:
    """One column of a national file, as the data dictionary describes it."""

    name: str
    type: str
    meaning: str
    allowed: str


TEXT, INTEGER, SCORE, LEVEL, WHEN, YES_NO = (
    "text",
    "integer",
    "decimal, one place",
    "integer",
    "date and time (ISO 8601, UTC)",
    "text (yes or no)",
)
BLANK_UNLESS_PUBLISHED = "Blank unless the status is published"


def _choices(choices: Iterable[tuple[str, str]]) -> str:
    return "; ".join(f"{value} ({label})" for value, label in choices)


def _fixed_columns() -> list[Column]:
    return [
        Column(
            "ods_code",
            TEXT,
            "The organisation's ODS code: the key of the file, one row each.",
            "3 to 6 letters and digits",
        ),
        Column("name", TEXT, "The organisation's name as the portal shows it.", "Any text"),
        Column("kind", TEXT, "What kind of organisation it is.", _choices(Organisation.Kind.choices)),
        Column(
            "region_code", TEXT, "ODS code of the NHS England region the organisation is in.", "3 letters and digits"
        ),
        Column("region_name", TEXT, "Name of that region.", "Any text"),
        Column(
            "icb_code",
            TEXT,
            "ODS code of the Integrated Care Board of the organisation's ICS.",
            "3 to 5 letters and digits",
        ),
        Column("ics_name", TEXT, "Name of that Integrated Care Board.", "Any text"),
        Column(
            "care_settings",
            TEXT,
            "The organisation's care settings, main setting first, separated by semicolons. They decide "
            "which domains it answers and its peer group.",
            _choices(CareSetting.choices) + "; blank for an ICB",
        ),
        Column(
            "main_care_setting",
            TEXT,
            "The first of its care settings (its peer group).",
            "As care_settings; blank for an ICB",
        ),
        Column(
            "status",
            TEXT,
            "Where the organisation's assessment had got to when the file was generated.",
            _choices(Assessment.Status.choices),
        ),
        Column(
            "validated",
            YES_NO,
            "Whether the assessment has been through national validation.",
            "yes; no",
        ),
        Column(
            "submitted_at",
            WHEN,
            "When the organisation's board signed the assessment off and submitted it.",
            "Blank if never submitted",
        ),
        Column(
            "overall",
            SCORE,
            "Overall score: the mean of the success-measure scores.",
            f"1.0 to 5.0 (0.0 possible); {BLANK_UNLESS_PUBLISHED}",
        ),
    ]


def _trailing_columns() -> list[Column]:
    return [
        Column(
            "framework_version", TEXT, "Version of the WGLL framework the cycle was assessed against.", "e.g. 2025/26"
        ),
        Column(
            "scoring_method_version",
            TEXT,
            "Version of the scoring rules that produced the scores, so results can be compared honestly.",
            BLANK_UNLESS_PUBLISHED,
        ),
        Column("scored_at", WHEN, "When the scores were computed.", BLANK_UNLESS_PUBLISHED),
    ]


@dataclass(frozen=True)
class FileLayout:
    """The columns of one cycle's files: fixed columns, then one per measure and one per domain
    of the cycle's framework (keyed on their stable keys), then the trailing ones."""

    framework_version: str
    measures: list[tuple[str, str]]  # (key, name), in framework order
    domains: list[tuple[str, str, str]]  # (key, name, measure key), in framework order

    @property
    def wide_columns(self) -> list[Column]:
        measures = [
            Column(
                f"measure_{key}",
                SCORE,
                f"Score for the success measure '{name}' (key {key}): the mean of its domains' levels.",
                f"0.0 to 5.0; {BLANK_UNLESS_PUBLISHED}",
            )
            for key, name in self.measures
        ]
        domains = [
            Column(
                f"domain_{key}",
                LEVEL,
                f"Level reached in the domain '{name}' (key {key}, measure {measure}).",
                f"0 to 5; {BLANK_UNLESS_PUBLISHED}, and blank where the domain does not apply to the organisation",
            )
            for key, name, measure in self.domains
        ]
        return [*_fixed_columns(), *measures, *domains, *_trailing_columns()]

    @property
    def long_columns(self) -> list[Column]:
        measure_keys = ", ".join(key for key, _ in self.measures)
        domain_keys = ", ".join(key for key, *_ in self.domains)
        return [
            Column("ods_code", TEXT, "The organisation's ODS code (the wide file's key).", "3 to 6 letters and digits"),
            Column("icb_code", TEXT, "ODS code of the organisation's ICB.", "3 to 5 letters and digits"),
            Column("region_code", TEXT, "ODS code of the organisation's region.", "3 letters and digits"),
            Column("measure_key", TEXT, "Key of the success measure the domain belongs to.", measure_keys),
            Column(
                "domain_key", TEXT, "Key of the domain: one row per published organisation and domain.", domain_keys
            ),
            Column("level", LEVEL, "Level reached in the domain.", "0 to 5"),
        ]


def file_layout(cycle: Cycle) -> FileLayout:
    measures = Measure.objects.filter(framework_id=cycle.framework_id).order_by("position")
    domains = Domain.objects.filter(framework_id=cycle.framework_id).order_by("measure__position", "position")
    return FileLayout(
        framework_version=cycle.framework.version,
        measures=list(measures.values_list("key", "name")),
        domains=list(domains.values_list("key", "name", "measure__key")),
    )


def _when(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.astimezone(datetime.UTC).isoformat(timespec="seconds")


class _Groups:
    """(ods_code, key, value) rows in ODS-code order, handed out one organisation at a time."""

    def __init__(self, rows: Iterator[tuple[str, str, Any]]) -> None:
        self._groups = groupby(rows, key=itemgetter(0))
        self._next = next(self._groups, None)

    def take(self, ods_code: str) -> dict[str, Any]:
        # Every stream holds only organisations of the main stream, in its order, so the next
        # group is this organisation's or a later one's (an organisation without scores has none).
        if self._next is None or self._next[0] != ods_code:
            return {}
        values = {key: value for _, key, value in self._next[1]}
        self._next = next(self._groups, None)
        return values


def _assessments(cycle: Cycle, organisation_ids: Collection[int] | None):
    query = Assessment.objects.filter(cycle=cycle)
    if organisation_ids is not None:
        query = query.filter(organisation_id__in=list(organisation_ids))
    return query


def wide_rows(
    cycle: Cycle,
    layout: FileLayout,
    *,
    organisation_ids: Collection[int] | None = None,
    scored_statuses: Collection[str] = PUBLISHED,
) -> Iterator[list[Cell]]:
    """One row per organisation with an assessment in the cycle, in ODS-code order, in the order
    of layout.wide_columns. Only assessments of `scored_statuses` (published ones: a row not
    published carries its status and blank scores) show scores."""
    scored = list(scored_statuses)
    assessments = _assessments(cycle, organisation_ids)
    main = (
        assessments.order_by("organisation__ods_code")
        .values_list(
            "organisation__ods_code", "organisation__name", "organisation__kind",
            "organisation__ics__region__ods_code", "organisation__ics__region__name",
            "organisation__ics__icb_ods_code", "organisation__ics__name", "organisation__care_settings",
            "status", "submitted_at", "score__overall", "score__method_version", "score__scored_at",
        )
        .iterator(chunk_size=CHUNK)
    )  # fmt: skip
    # The cycle named on the scores' own joins as well as in the subquery: without it the plan
    # joined every cycle's scores to their organisations before keeping this cycle's, so the file
    # of 244 organisations took longer with every year of history (27 ms -> 140 ms with four more).
    in_scope = {
        "score__assessment__cycle": cycle,
        "score__assessment__in": assessments.filter(status__in=scored).values("pk"),
    }
    order = "score__assessment__organisation__ods_code"
    measures = _Groups(
        MeasureScore.objects.filter(**in_scope)
        .order_by(order)
        .values_list(order, "measure_key", "value")
        .iterator(chunk_size=CHUNK)
    )
    domains = _Groups(
        DomainScore.objects.filter(**in_scope)
        .order_by(order)
        .values_list(order, "domain_key", "level")
        .iterator(chunk_size=CHUNK)
    )
    measure_keys = [key for key, _ in layout.measures]
    domain_keys = [key for key, *_ in layout.domains]
    for (
        ods,
        name,
        kind,
        region_code,
        region_name,
        icb,
        ics,
        settings,
        status,
        submitted,
        overall,
        method,
        scored_at,
    ) in main:
        shown = status in scored
        measure_values = measures.take(ods)
        domain_levels = domains.take(ods)
        yield [
            ods, name, kind, region_code, region_name, icb, ics,
            ";".join(settings or []), (settings or [None])[0],
            status, "yes" if status in VALIDATED_OR_LATER else "no", _when(submitted),
            overall if shown else None,
            *(measure_values.get(key) for key in measure_keys),
            *(domain_levels.get(key) for key in domain_keys),
            layout.framework_version,
            (method or None) if shown else None,
            _when(scored_at) if shown else None,
        ]  # fmt: skip


def long_rows(cycle: Cycle, *, scored_statuses: Collection[str] = PUBLISHED) -> Iterator[list[Cell]]:
    """One row per published organisation and domain it was scored on, in ODS-code then framework order."""
    prefix = "score__assessment__organisation__"
    return (
        list(row)
        for row in DomainScore.objects.filter(
            score__assessment__cycle=cycle, score__assessment__status__in=list(scored_statuses)
        )
        .order_by(f"{prefix}ods_code", "domain__measure__position", "domain__position")
        .values_list(
            f"{prefix}ods_code",
            f"{prefix}ics__icb_ods_code",
            f"{prefix}ics__region__ods_code",
            "measure_key",
            "domain_key",
            "level",
        )
        .iterator(chunk_size=CHUNK)
    )


def organisation_rows(
    cycle: Cycle, organisation_ids: Collection[int], *, scored_statuses: Collection[str] = PUBLISHED
) -> tuple[list[str], list[list[Cell]]]:
    """Exactly the wide file's header and rows for the given organisations (what will be, or was,
    published about them). Before publication, pass the statuses publication will publish as
    `scored_statuses` to see the rows as they will read once published."""
    layout = file_layout(cycle)
    header = [column.name for column in layout.wide_columns]
    return header, list(wide_rows(cycle, layout, organisation_ids=organisation_ids, scored_statuses=scored_statuses))


def row_count(cycle: Cycle) -> int:
    return Assessment.objects.filter(cycle=cycle).count()


def csv_text(value: Cell) -> str:
    """A cell as the CSV writes it: blank for None, a Decimal exactly as stored ("3.0"), text
    guarded so a spreadsheet never runs it as a formula."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _csv_safe(value)
    return str(value)


def write_csv(stream: IO[str], header: list[str], rows: Iterable[list[Cell]]) -> int:
    """Write header and rows as RFC 4180 CSV to `stream`; how many rows were written."""
    writer = csv.writer(stream)
    writer.writerow([csv_text(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow([csv_text(value) for value in row])
        count += 1
    return count
