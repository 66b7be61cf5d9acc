"""The chart cards of the ICS dashboard and its drill-down, from the dashboard selectors' data.

Each card's table rows are the figures its chart draws and its CSV holds (reports.cards), so the
three can never disagree. A figure that may not be shown (disclosure rules) is None in all three,
and the card says why.
"""

from __future__ import annotations

from decimal import Decimal

from reports import charts
from reports.cards import About, ChartCard
from reports.charts import Series
from reports.dashboards import DomainDrillDown, MeasureDrillDown, SystemDashboard

SOURCE = (
    "Current scores of the submitted, validated and published assessments of {cycle}; drafts and "
    "assessments returned for changes are never counted."
)
MEDIAN_METHOD = (
    "Medians of trusts' scores (each score is the mean of its domains' levels, to one decimal). "
    "The ICB's own system-level assessment answers other domains, so it is not counted with its trusts. "
    "A group of fewer than 5 organisations is not shown."
)
MIX_ADJUSTED_METHOD = (
    "Each trust's score is compared with the national median of trusts with the same main care setting "
    "(for example a mental health trust with all mental health trusts in England); the differences are "
    "averaged over the system's trusts and the average is added to the national median of all trusts. "
    "A system whose trusts each do better than trusts like them has a mix-adjusted score above the "
    "national median, whatever its mix of acute, specialist, mental health, community and ambulance trusts."
)


def _about(data: SystemDashboard | MeasureDrillDown | DomainDrillDown, method: str) -> About:
    return About(
        source=SOURCE.format(cycle=data.cycle.name),
        cycle=data.cycle.name,
        method=method,
        computed_at=data.computed_at,
    )


def _value(figure, attribute: str = "median") -> Decimal | None:
    return getattr(figure, attribute) if figure is not None else None


def _words(value: Decimal | None) -> str:
    return "not shown" if value is None else str(value)


def measures_card(data: SystemDashboard) -> ChartCard:
    labels = [m.name for m in data.measures]
    system = [_value(data.system.measure(m.key)) for m in data.measures]
    national = [_value(data.national.measure(m.key)) for m in data.measures]
    adjusted = [_value(data.system.measure(m.key), "mix_adjusted") for m in data.measures]
    title = f"The seven measures: {data.ics.short_name} against England, {data.cycle.name}"
    description = "Median score of the system's trusts and of all trusts in England, per measure: " + "; ".join(
        f"{label} {_words(s)} against {_words(n)}" for label, s, n in zip(labels, system, national, strict=True)
    )
    notes = tuple(s.reason for s in [data.system.suppressed] if s)
    return ChartCard(
        key="measures",
        title=title,
        svg=""
        if notes
        else charts.measure_bars(
            labels,
            [Series(f"{data.ics.short_name} (median)", system), Series("All trusts in England (median)", national)],
            title,
            description,
        ),
        description=description,
        columns=("Measure", "System median", "National median", "System mix-adjusted score"),
        rows=tuple((label, s, n, a) for label, s, n, a in zip(labels, system, national, adjusted, strict=True)),
        about=_about(data, MEDIAN_METHOD + " " + MIX_ADJUSTED_METHOD),
        notes=notes,
    )


def spread_card(data: SystemDashboard) -> ChartCard:
    labels = [m.name for m in data.measures]
    figures = [data.system.measure(m.key) for m in data.measures]
    lowest = [_value(f, "minimum") for f in figures]
    middle = [_value(f, "median") for f in figures]
    highest = [_value(f, "maximum") for f in figures]
    title = f"Spread of the system's trusts per measure, {data.cycle.name}"
    description = "Lowest, median and highest score among the system's trusts: " + "; ".join(
        f"{label} {_words(lo)} to {_words(hi)}, median {_words(me)}"
        for label, lo, me, hi in zip(labels, lowest, middle, highest, strict=True)
    )
    notes = tuple(s.reason for s in [data.system.suppressed] if s)
    return ChartCard(
        key="spread",
        title=title,
        svg="" if notes else charts.spread(labels, lowest, middle, highest, title, description),
        description=description,
        columns=("Measure", "Lowest", "Median", "Highest", "Trusts"),
        rows=tuple(
            (label, lo, me, hi, f.size if f else 0)
            for label, lo, me, hi, f in zip(labels, lowest, middle, highest, figures, strict=True)
        ),
        about=_about(data, "The lowest and highest trust score and the median, per measure. " + MEDIAN_METHOD),
        notes=notes,
    )


def trend_card(data: SystemDashboard) -> ChartCard:
    cycles = [p.cycle for p in data.trend]
    title = f"Overall score over the years: {data.ics.short_name} and England"
    series = [
        Series(f"{data.ics.short_name} (median)", [p.system_median for p in data.trend]),
        Series(f"{data.ics.short_name} (mix-adjusted)", [p.mix_adjusted for p in data.trend]),
        Series("All trusts in England (median)", [p.national_median for p in data.trend]),
    ]
    description = "Overall score per cycle: " + "; ".join(
        f"{p.cycle}: system median {_words(p.system_median)}, mix-adjusted {_words(p.mix_adjusted)}, "
        f"England {_words(p.national_median)}"
        for p in data.trend
    )
    return ChartCard(
        key="trend",
        title=title,
        svg=charts.trend_lines(cycles, series, title, description) if data.trend else "",
        description=description,
        columns=("Cycle", "System median", "System plain average", "System mix-adjusted", "National median", "Trusts"),
        rows=tuple(
            (p.cycle, p.system_median, p.system_mean, p.mix_adjusted, p.national_median, p.size) for p in data.trend
        ),
        about=_about(
            data,
            "Each cycle's figures as computed from that cycle's scores; the overall score and the seven measures "
            "keep their keys across framework versions, so the years join on them. " + MIX_ADJUSTED_METHOD,
        ),
    )


DASHBOARD_CARDS = {"measures": measures_card, "spread": spread_card, "trend": trend_card}


def dashboard_cards(data: SystemDashboard) -> list[ChartCard]:
    return [build(data) for build in DASHBOARD_CARDS.values()]


def measure_domains_card(data: MeasureDrillDown) -> ChartCard:
    labels = [d.name for d in data.domains]
    system = [_value(d.system) for d in data.domains]
    national = [_value(d.national) for d in data.domains]
    title = f"{data.measure.name}: domains in {data.ics.short_name} against England, {data.cycle.name}"
    description = "Median level of the system's trusts and of all trusts in England, per domain: " + "; ".join(
        f"{label} {_words(s)} against {_words(n)}" for label, s, n in zip(labels, system, national, strict=True)
    )
    notes = tuple(dict.fromkeys(d.suppressed.reason for d in data.domains if d.suppressed))
    return ChartCard(
        key="domains",
        title=title,
        svg=charts.measure_bars(
            labels,
            [Series(f"{data.ics.short_name} (median)", system), Series("All trusts in England (median)", national)],
            title,
            description,
        ),
        description=description,
        columns=("Domain", "System median level", "National median level", "Trusts"),
        rows=tuple(
            (d.name, s, n, d.system.size if d.system else 0)
            for d, s, n in zip(data.domains, system, national, strict=True)
        ),
        about=_about(data, "Medians of the trusts' levels in each domain (0: not yet at level 1). " + MEDIAN_METHOD),
        notes=notes,
    )


def domain_levels_card(data: DomainDrillDown) -> ChartCard:
    figure = data.figures.system
    suppressed = data.figures.suppressed
    counts = {
        level: (figure.level_counts.get(str(level), 0) if figure and not suppressed else None) for level in range(6)
    }
    title = f"{data.domain.name}: trusts in {data.ics.short_name} at each level, {data.cycle.name}"
    description = "Number of the system's trusts at each level: " + "; ".join(
        f"level {level}: {'not shown' if count is None else count}" for level, count in counts.items()
    )
    return ChartCard(
        key="levels",
        title=title,
        svg="" if suppressed else charts.level_counts({k: v or 0 for k, v in counts.items()}, title, description),
        description=description,
        columns=("Level", "Trusts"),
        rows=tuple((level, count) for level, count in counts.items()),
        about=_about(data, "Trusts counted at the level their answers reach (0: not yet at level 1). " + MEDIAN_METHOD),
        notes=(suppressed.reason,) if suppressed else (),
    )


def domain_trend_card(data: DomainDrillDown) -> ChartCard:
    cycles = [p.cycle for p in data.trend]
    title = f"{data.domain.name} over the years: median level in {data.ics.short_name} and England"
    description = "Median level per cycle: " + "; ".join(
        f"{p.cycle}: system {_words(p.system_median)}, England {_words(p.national_median)}" for p in data.trend
    )
    return ChartCard(
        key="domain-trend",
        title=title,
        svg=charts.trend_lines(
            cycles,
            [
                Series(f"{data.ics.short_name} (median)", [p.system_median for p in data.trend]),
                Series("All trusts in England (median)", [p.national_median for p in data.trend]),
            ],
            title,
            description,
        )
        if data.trend
        else "",
        description=description,
        columns=("Cycle", "Domain that year", "System median level", "National median level", "Trusts"),
        rows=tuple(
            (p.cycle, p.as_name or data.domain.name, p.system_median, p.national_median, p.size) for p in data.trend
        ),
        about=_about(data, "Years joined on the domain's key through the framework's crosswalk. " + MEDIAN_METHOD),
        notes=(data.lineage_note,) if data.lineage_note else (),
    )


DOMAIN_CARDS = {"levels": domain_levels_card, "domain-trend": domain_trend_card}


def domain_cards(data: DomainDrillDown) -> list[ChartCard]:
    return [build(data) for build in DOMAIN_CARDS.values()]
