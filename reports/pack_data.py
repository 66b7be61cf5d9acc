"""Reads for the ICS board pack: everything one pack shows, and the fingerprint of its figures.

A pack is the ICS dashboard of one cycle on paper, so it is built from the dashboard selectors
(reports.dashboards) and cards (reports.dashboard_cards), read as the pack's audience sees the
ICS: a stand-in ICS board viewer for the board pack, a stand-in ICS reviewer for the reviewers'
pack (organisations.access.stand_in_at_ics). The same rules and scoped selectors then decide
which statuses, flags and figures appear, whoever asked for the pack and whoever downloads it.
Every read is a fixed number of queries whatever the number of members (about 40 in all, seven
of them one per measure for the drill-down).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from assessments.models import Cycle, ValidationFlag
from assessments.plan_selectors import ReportTarget, report_targets
from assessments.rules.disclosure import MIN_GROUP_SIZE
from assessments.rules.flags import PATTERN_KINDS
from assessments.selectors import current_scores, flags_visible_to
from organisations.access import stand_in_at_ics
from organisations.models import IntegratedCareSystem, Role
from reports import dashboard_cards, dashboards
from reports.aggregates import CARE_SETTING
from reports.cards import ChartCard
from reports.dashboards import MeasureDrillDown, MemberRow, SystemDashboard, care_setting_label
from reports.models import Figure, FigureSet, SystemPack

READERS = {
    SystemPack.Audience.BOARD: Role.ICS_BOARD_VIEWER,
    SystemPack.Audience.REVIEWERS: Role.ICS_REVIEWER,
}


def pack_reader(ics: IntegratedCareSystem, audience: str) -> Any:
    """Who a pack is written for: a stand-in holding the audience's role at the ICS."""
    return stand_in_at_ics(READERS[SystemPack.Audience(audience)], ics.pk)


@dataclass(frozen=True)
class MeasureLine:
    """One measure on a member's appendix page."""

    key: str
    name: str
    score: Decimal | None
    previous: Decimal | None
    system_median: Decimal | None
    peer_median: Decimal | None
    national_median: Decimal | None

    @property
    def change(self) -> Decimal | None:
        return None if self.score is None or self.previous is None else self.score - self.previous


@dataclass(frozen=True)
class FlagLine:
    label: str
    count: int
    pattern: bool


@dataclass
class MemberPage:
    """A member trust's one appendix page: scores per measure, change since last year, open flags."""

    row: MemberRow
    measures: list[MeasureLine]
    previous_cycle: str | None
    peer_group: str | None  # "acute trusts", None without a care setting
    peer_size: int
    flags: list[FlagLine] = field(default_factory=list)
    # Its improvement plan's targets (the ICS holds its members to their plans, draft or signed off).
    plan_targets: list[ReportTarget] = field(default_factory=list)

    @property
    def peer_shown(self) -> bool:
        return self.peer_size >= MIN_GROUP_SIZE


@dataclass
class PackData:
    audience: str
    dashboard: SystemDashboard
    cards: list[ChartCard]
    drill_down: list[MeasureDrillDown]
    members: list[MemberPage]

    @property
    def ics(self) -> IntegratedCareSystem:
        return self.dashboard.ics

    @property
    def cycle(self) -> Cycle:
        return self.dashboard.cycle

    @property
    def fingerprint(self) -> str:
        return pack_fingerprint(self)


def pack_data(ics: IntegratedCareSystem, cycle: Cycle, audience: str) -> PackData | None:
    """Everything the pack of `ics` for `cycle` shows to `audience`, or None when the cycle has
    no computed figures. `ics` must be one the requester may see (the service checks)."""
    reader = pack_reader(ics, audience)
    dashboard = dashboards.system_dashboard(reader, ics, cycle)
    if dashboard is None:
        return None
    drill_down = [dashboards.system_measure(ics, cycle, measure.key) for measure in dashboard.measures]
    return PackData(
        audience=SystemPack.Audience(audience).value,
        dashboard=dashboard,
        cards=dashboard_cards.dashboard_cards(dashboard),
        drill_down=[measure for measure in drill_down if measure is not None],
        members=_member_pages(reader, dashboard),
    )


def _member_pages(reader: Any, data: SystemDashboard) -> list[MemberPage]:
    figure_set = FigureSet.objects.get(cycle=data.cycle)
    peers: dict[tuple[str, str], Figure] = {
        (row.scope_key, row.measure_key): row
        for row in Figure.objects.filter(figure_set=figure_set, scope=CARE_SETTING, domain_key="")
    }
    previous_ids = [m.assessment.previous_id for m in data.members if m.counts and m.assessment.previous_id]
    previous_scores = (
        current_scores()
        .filter(assessment_id__in=previous_ids)
        .select_related("assessment__cycle")
        .prefetch_related("measures")
    )
    previous: dict[int, tuple[str, dict[str, Decimal]]] = {
        score.assessment.organisation_id: (
            score.assessment.cycle.name,
            {m.measure_key: m.value for m in score.measures.all()},
        )
        for score in previous_scores
    }
    flags = _open_flags(reader, data)
    targets = report_targets(m.assessment.pk for m in data.members if m.plan is not None)
    pages = []
    for member in data.members:
        setting = member.organisation.main_care_setting
        last_cycle, last_measures = previous.get(member.organisation.pk, (None, {}))
        peer_overall = peers.get((setting or "", ""))
        lines = [
            MeasureLine(
                key=measure.key,
                name=measure.name,
                score=member.measures.get(measure.key),
                previous=last_measures.get(measure.key),
                system_median=_median(data.system.measure(measure.key)),
                peer_median=_median(peers.get((setting or "", measure.key))),
                national_median=_median(data.national.measure(measure.key)),
            )
            for measure in data.measures
        ]
        pages.append(
            MemberPage(
                row=member,
                measures=lines,
                previous_cycle=last_cycle,
                peer_group=f"{care_setting_label(setting).lower()} trusts" if setting else None,
                peer_size=peer_overall.size if peer_overall else 0,
                flags=flags.get(member.organisation.pk, []),
                plan_targets=targets.get(member.assessment.pk, []) if member.plan is not None else [],
            )
        )
    return pages


def _median(figure: Figure | None) -> Decimal | None:
    return figure.median if figure is not None else None


def _open_flags(reader: Any, data: SystemDashboard) -> dict[int, list[FlagLine]]:
    """Each member's open flags by kind, as the reader may see them (the same selector and filter
    as the dashboard's open-flag counts, so the appendix and the member table agree)."""
    labels = dict(ValidationFlag.Kind.choices)
    rows = (
        flags_visible_to(reader)
        .filter(assessment__cycle=data.cycle, assessment__organisation__ics=data.ics, resolved_at__isnull=True)
        .values("assessment__organisation_id", "kind")
        .annotate(open=Count("pk"))
        .order_by("assessment__organisation_id", "kind")
    )
    found: dict[int, list[FlagLine]] = defaultdict(list)
    for row in rows:
        found[row["assessment__organisation_id"]].append(
            FlagLine(labels.get(row["kind"], row["kind"]), row["open"], row["kind"] in PATTERN_KINDS)
        )
    return found


# The fingerprint: what the pack shows, never when it was computed or rendered.


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _figure(row: Figure | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "size": row.size,
        **{
            name: _decimal(getattr(row, name))
            for name in ("mean", "median", "minimum", "maximum", "mix_adjusted", "adjusted_difference")
        },
        "fallbacks": row.adjusted_fallbacks,
        "levels": row.level_counts,
    }


def _member(row: MemberRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "ods": row.organisation.ods_code,
        "name": row.organisation.name,
        "setting": row.care_setting,
        "status": row.status,
        "counts": row.counts,
        "overall": _decimal(row.overall),
        "previous": _decimal(row.previous_overall),
        "measures": {key: _decimal(value) for key, value in row.measures.items()},
        "flags": row.open_flags,
    }


def pack_fingerprint(data: PackData) -> str:
    """A SHA-256 (64 hex digits) of the figures the pack shows: members' statuses, scores, last
    year's scores and open flags, the group figures, the trend and the drill-down, keyed on ODS
    codes and measure and domain keys. The same figures give the same fingerprint whenever they
    were computed, so asking again after a refresh that changed nothing makes no new version."""
    board = data.dashboard
    payload = {
        "audience": data.audience,
        "ics": board.ics.icb_ods_code,
        "ics_name": board.ics.name,
        "cycle": board.cycle.name,
        "measures": [[m.key, m.name] for m in board.measures],
        "members": [
            {
                **_member(page.row),
                "previous_measures": {line.key: _decimal(line.previous) for line in page.measures},
                "peer": {line.key: _decimal(line.peer_median) for line in page.measures},
                "peer_size": page.peer_size,
                "flag_kinds": [[flag.label, flag.count] for flag in page.flags],
                **(
                    {"plan": [page.row.plan.status, [target.fingerprint() for target in page.plan_targets]]}
                    if page.row.plan is not None
                    else {}
                ),
            }
            for page in data.members
        ],
        "icb": _member(board.icb),
        "groups": {
            group.name: {
                "overall": _figure(group.overall),
                **{k: _figure(v) for k, v in sorted(group.measures.items())},
            }
            for group in (board.system, board.national, board.icbs)
        },
        "peers": {key: _decimal(value) for key, value in sorted(board.peer_medians.items())},
        "trend": [
            [
                p.cycle,
                _decimal(p.system_median),
                _decimal(p.system_mean),
                _decimal(p.mix_adjusted),
                _decimal(p.national_median),
                p.size,
            ]
            for p in board.trend
        ],
        "domains": {
            measure.measure.key: [[d.key, d.name, _figure(d.system), _figure(d.national)] for d in measure.domains]
            for measure in data.drill_down
        },
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


# Versions.


def packs_of(ics: IntegratedCareSystem, cycle: Cycle, audiences: list[str]) -> QuerySet[SystemPack]:
    """The versions of the ICS's packs for the cycle in the given audiences (those the viewer may
    download: reports.access.pack_audiences_for), newest first."""
    return SystemPack.objects.filter(ics=ics, cycle=cycle, audience__in=audiences).select_related("requested_by")


def pack_in_production(ics: IntegratedCareSystem, cycle: Cycle, audience: str, *, lost: Q) -> SystemPack | None:
    """A version on its way: queued or rendering and not `lost` (the job's Job.lost_q; a lost
    one is queued again by the sweep and does not stop a new version)."""
    pending = SystemPack.objects.filter(ics=ics, cycle=cycle, audience=audience, status__in=SystemPack.PENDING)
    return pending.exclude(lost).order_by("-requested_at").first()


def newest_ready_pack(ics: IntegratedCareSystem, cycle: Cycle, audience: str) -> SystemPack | None:
    return SystemPack.objects.filter(ics=ics, cycle=cycle, audience=audience, status=SystemPack.Status.READY).first()


def pack_requests_since(actor: Any, since) -> list:
    """When `actor` asked for packs since `since`, oldest first (the rate limit)."""
    return list(
        SystemPack.objects.filter(requested_by=actor, requested_at__gte=since)
        .order_by("requested_at")
        .values_list("requested_at", flat=True)
    )
