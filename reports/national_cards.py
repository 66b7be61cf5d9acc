"""The chart cards of the national dashboard and its drill-down, from the national selectors'
data (reports.national_dashboard).

As on the ICS dashboard (reports.dashboard_cards), each card's rows are the figures its chart
draws and its CSV holds, so the three never disagree; a group too small to disclose has None in
all three, and the card says why in a note above them (assessments.rules.disclosure).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from assessments.rules.disclosure import MIN_GROUP_SIZE, suppressions_reason
from reports import charts
from reports.cards import About, Cell, ChartCard
from reports.charts import Series
from reports.dashboard_cards import MEDIAN_METHOD, MIX_ADJUSTED_METHOD, SOURCE
from reports.national_dashboard import (
    ENGLAND,
    DomainRow,
    NationalDashboard,
    NationalDomain,
    NationalMeasure,
    ProgressRow,
    ScopeRow,
)

SPREAD_METHOD = (
    "Mean and median of the trusts' scores, with the lowest, the quartiles (inclusive, as a "
    "spreadsheet's QUARTILE gives) and the highest. "
)
PROGRESS_SOURCE = (
    "Every assessment of {cycle}, trusts' and ICBs' own, whatever its status; counted by the same worker "
    "refresh as the dashboard's scores."
)
PROGRESS_METHOD = (
    "A draft is 'not started' until someone saves an answer (a carried-forward answer not yet confirmed "
    "or changed is not one) and 'in progress' from then on; the other stages are the assessment's status. "
    "These counts disclose no scores, so small groups are shown."
)
FLAGS_SOURCE = (
    "The validation flags not yet resolved by a reviewer on {cycle}'s submitted, validated and published "
    "assessments (a returned assessment's flags are judged again when it is resubmitted)."
)
FLAGS_METHOD = (
    "Open flags of each kind, and how many organisations have at least one. A flag is a prompt to look, "
    "not a finding (the flags' page says what each kind means)."
)
TARGETS_SOURCE = (
    "The improvement plans of {cycle}'s assessments that the organisation's approver has signed off "
    "(draft plans are not counted); counted by the same worker refresh as the dashboard's scores."
)
TARGETS_METHOD = (
    "For each domain, how many organisations' plans target each level for next year's assessment. "
    f"A domain is shown only when at least {MIN_GROUP_SIZE} organisations target it: with fewer, the "
    "counts would all but say which organisation aims where."
)
YEAR_ON_YEAR = (
    "This cycle's figures against the last cycle with results, joined on the measures' keys (domains: "
    "on their keys through the framework's crosswalk). The change is the difference of the means. "
)


def _about(data, method: str, source: str = SOURCE) -> About:
    return About(
        source=source.format(cycle=data.cycle.name),
        cycle=data.cycle.name,
        method=method,
        computed_at=data.computed_at,
    )


def _get(figure, attribute: str) -> Decimal | None:
    return getattr(figure, attribute) if figure is not None else None


def _words(value: Cell) -> str:
    return "not shown" if value is None else charts.figure(value) if not isinstance(value, str) else value


def _notes(rows: Sequence[ScopeRow | DomainRow]) -> tuple[str, ...]:
    suppressed = [row.suppressed for row in rows if row.suppressed]
    return (suppressions_reason(suppressed),) if suppressed else ()


def _spread_cells(figure) -> tuple[Cell, ...]:
    spread = ("mean", "median", "minimum", "lower_quartile", "upper_quartile", "maximum")
    return (*(_get(figure, a) for a in spread), figure.size if figure else 0)


SPREAD_COLUMNS = ("Mean", "Median", "Lowest", "Lower quartile", "Upper quartile", "Highest", "Trusts")


def measures_card(data: NationalDashboard) -> ChartCard:
    heads = [("Overall score", data.national.overall)] + [(m.name, data.national.measure(m.key)) for m in data.measures]
    labels = [name for name, _ in heads]
    figures = [figure for _, figure in heads]
    title = f"England: mean, median and spread per measure, {data.cycle.name}"
    description = "Median, lowest and highest score of all trusts in England: " + "; ".join(
        f"{label} median {_words(_get(f, 'median'))}, {_words(_get(f, 'minimum'))} to {_words(_get(f, 'maximum'))}"
        for label, f in heads
    )
    suppressed = data.national.suppressed
    return ChartCard(
        key="measures",
        title=title,
        svg=""
        if suppressed
        else charts.spread(
            labels,
            [_get(f, "minimum") for f in figures],
            [_get(f, "median") for f in figures],
            [_get(f, "maximum") for f in figures],
            title,
            description,
        ),
        description=description,
        columns=("Measure", *SPREAD_COLUMNS),
        rows=tuple((label, *_spread_cells(f)) for label, f in heads),
        about=_about(data, SPREAD_METHOD + MEDIAN_METHOD),
        notes=(suppressed.reason,) if suppressed else (),
    )


def change_card(data: NationalDashboard) -> ChartCard:
    changes = data.changes()
    last = data.previous_cycle.name if data.previous_cycle else "last year"
    title = f"England year on year: {last} to {data.cycle.name}"
    description = f"Mean score of all trusts in England, {last} against {data.cycle.name}: " + "; ".join(
        f"{c.name} {_words(_get(c.last_year, 'mean'))} to {_words(_get(c.this_year, 'mean'))}" for c in changes
    )
    notes = () if data.previous_cycle else ("There is no earlier cycle with results to compare with.",)
    return ChartCard(
        key="change",
        title=title,
        svg=charts.measure_bars(
            [c.name for c in changes],
            [
                Series(f"{last} (mean)", [_get(c.last_year, "mean") for c in changes]),
                Series(f"{data.cycle.name} (mean)", [_get(c.this_year, "mean") for c in changes]),
            ],
            title,
            description,
        )
        if data.previous_cycle
        else "",
        description=description,
        columns=(
            "Measure",
            f"Mean {last}",
            f"Mean {data.cycle.name}",
            "Change",
            f"Median {last}",
            f"Median {data.cycle.name}",
        ),
        rows=tuple(
            (
                c.name,
                _get(c.last_year, "mean"),
                _get(c.this_year, "mean"),
                c.change,
                _get(c.last_year, "median"),
                _get(c.this_year, "median"),
            )
            for c in changes
        ),
        about=_about(data, YEAR_ON_YEAR + MEDIAN_METHOD),
        notes=notes,
    )


def _groups_card(key: str, title: str, group: str, rows: Sequence[ScopeRow], data: NationalDashboard) -> ChartCard:
    description = f"Median overall score of the trusts of each {group}: " + "; ".join(
        f"{row.name} {_words(_get(row.figure, 'median'))}" for row in rows
    )
    return ChartCard(
        key=key,
        title=title,
        svg=charts.measure_bars(
            [row.name for row in rows],
            [Series("Median overall score", [_get(row.figure, "median") for row in rows])],
            title,
            description,
        ),
        description=description,
        columns=(group.capitalize(), "Median", "Mean", "Lowest", "Highest", "Trusts"),
        rows=tuple(
            (
                row.name,
                _get(row.figure, "median"),
                _get(row.figure, "mean"),
                _get(row.figure, "minimum"),
                _get(row.figure, "maximum"),
                row.size,
            )
            for row in rows
        ),
        about=_about(data, MEDIAN_METHOD),
        notes=_notes(rows),
    )


def regions_card(data: NationalDashboard) -> ChartCard:
    return _groups_card("regions", f"Overall score by NHS region, {data.cycle.name}", "region", data.regions, data)


def care_settings_card(data: NationalDashboard) -> ChartCard:
    return _groups_card(
        "care-settings",
        f"Overall score by care-setting peer group, {data.cycle.name}",
        "care setting",
        data.care_settings,
        data,
    )


def systems_card(data: NationalDashboard) -> ChartCard:
    rows = data.systems
    title = f"Overall score by integrated care system, plain and mix-adjusted, {data.cycle.name}"
    description = "Plain average and mix-adjusted overall score of each system's trusts: " + "; ".join(
        f"{row.name} {_words(_get(row.figure, 'mean'))} and {_words(_get(row.figure, 'mix_adjusted'))}" for row in rows
    )
    return ChartCard(
        key="systems",
        title=title,
        svg=charts.measure_bars(
            [row.name for row in rows],
            [
                Series("Plain average", [_get(row.figure, "mean") for row in rows]),
                Series("Mix-adjusted", [_get(row.figure, "mix_adjusted") for row in rows]),
            ],
            title,
            description,
        ),
        description=description,
        columns=("Integrated care system", "Region", "Median", "Plain average", "Mix-adjusted", "Trusts"),
        rows=tuple(
            (
                row.name,
                row.region,
                _get(row.figure, "median"),
                _get(row.figure, "mean"),
                _get(row.figure, "mix_adjusted"),
                row.size,
            )
            for row in rows
        ),
        about=_about(data, MEDIAN_METHOD + " " + MIX_ADJUSTED_METHOD),
        notes=_notes(rows),
    )


def _progress_card(
    key: str, title: str, heading: str, rows: Sequence[ProgressRow], data: NationalDashboard, by_stage: bool
) -> ChartCard:
    progress = data.progress
    stages = progress.stages
    labels = [row.name for row in rows]
    if by_stage:
        series = [Series(label, [row.counts[stage] for row in rows]) for stage, label in stages]
    else:  # one bar per stage would make a chart of some 300 bars: two series, the table has every stage
        series = [
            Series("Submitted or later", [row.submitted_or_later for row in rows]),
            Series("Not yet submitted", [row.total - row.submitted_or_later for row in rows]),
        ]
    if by_stage:
        description = f"Assessments at each stage, {progress.closing}: " + "; ".join(
            f"{row.name}: " + ", ".join(f"{label.lower()} {row.counts[stage]}" for stage, label in stages)
            for row in rows
        )
    else:
        description = f"Assessments submitted or later and not yet submitted, {progress.closing}: " + "; ".join(
            f"{row.name} {row.submitted_or_later} and {row.total - row.submitted_or_later}" for row in rows
        )
    extra = ("Region",) if not by_stage else ()
    return ChartCard(
        key=key,
        title=title,
        svg=charts.count_bars(labels, series, title, description),
        description=description,
        columns=(heading, *extra, *(label for _, label in stages), "Submitted or later", "All assessments"),
        rows=tuple(
            (
                row.name,
                *((row.region,) if not by_stage else ()),
                *(row.counts[stage] for stage, _ in stages),
                row.submitted_or_later,
                row.total,
            )
            for row in rows
        ),
        about=_about(data, PROGRESS_METHOD, PROGRESS_SOURCE),
    )


def progress_regions_card(data: NationalDashboard) -> ChartCard:
    rows = [*data.progress.regions, data.progress.england]
    title = f"Submission progress by region, {data.cycle.name}"
    return _progress_card("progress-regions", title, "Region", rows, data, by_stage=True)


def progress_systems_card(data: NationalDashboard) -> ChartCard:
    title = f"Submission progress by integrated care system, {data.cycle.name}"
    return _progress_card(
        "progress-systems", title, "Integrated care system", data.progress.systems, data, by_stage=False
    )


def flags_card(data: NationalDashboard) -> ChartCard:
    flags = data.flags
    title = f"Open validation flags by kind, {data.cycle.name}"
    description = "Open flags of each kind and organisations with one: " + "; ".join(
        f"{f.label} {f.open} flags, {f.organisations} organisations" for f in flags
    )
    return ChartCard(
        key="flags",
        title=title,
        svg=charts.count_bars(
            [f.label for f in flags],
            [Series("Open flags", [f.open for f in flags]), Series("Organisations", [f.organisations for f in flags])],
            title,
            description,
        ),
        description=description,
        columns=("Kind of flag", "Open flags", "Organisations with one"),
        rows=tuple((f.label, f.open, f.organisations) for f in flags),
        about=_about(data, FLAGS_METHOD, FLAGS_SOURCE),
    )


def targets_card(data: NationalDashboard) -> ChartCard:
    targets = data.targets
    title = f"Improvement plan targets by domain, {data.cycle.name}"
    shown = [d for d in targets.domains if d.shown]
    hidden = [d for d in targets.domains if not d.shown]
    levels = range(1, 6)
    if shown:
        description = f"Organisations targeting each level, from {targets.plans} signed-off plans: " + "; ".join(
            f"{d.name}: " + ", ".join(f"level {n} {d.levels.get(n, 0)}" for n in levels) for d in shown
        )
    else:
        description = f"No domain is targeted by {MIN_GROUP_SIZE} or more organisations' signed-off plans yet."
    notes = ()
    if hidden:
        notes = (
            f"Not shown: {', '.join(f'{d.name} ({d.organisations})' for d in hidden)}. Each is targeted by "
            f"fewer than {MIN_GROUP_SIZE} organisations (the number in brackets); with so few, the counts "
            "would all but say which organisation aims where.",
        )
    return ChartCard(
        key="targets",
        title=title,
        svg=charts.count_bars(
            [d.name for d in shown],
            [Series(f"Level {n}", [d.levels.get(n, 0) for d in shown]) for n in levels],
            title,
            description,
        )
        if shown
        else "",
        description=description,
        columns=("Domain", "Measure", *(f"Level {n}" for n in levels), "Organisations"),
        rows=tuple(
            (
                d.name,
                d.measure,
                *((d.levels.get(n, 0) if d.shown else None) for n in levels),
                d.organisations if d.shown else None,
            )
            for d in targets.domains
        ),
        about=_about(data, TARGETS_METHOD, TARGETS_SOURCE),
        notes=notes,
    )


DASHBOARD_CARDS = {
    "measures": measures_card,
    "change": change_card,
    "regions": regions_card,
    "systems": systems_card,
    "care-settings": care_settings_card,
    "progress-regions": progress_regions_card,
    "progress-systems": progress_systems_card,
    "flags": flags_card,
    "targets": targets_card,
}


def dashboard_cards(data: NationalDashboard) -> list[ChartCard]:
    return [build(data) for build in DASHBOARD_CARDS.values()]


# The measure page: its domains.


def domains_card(data: NationalMeasure) -> ChartCard:
    rows = data.domains
    title = f"{data.measure.name}: England's mean, median and spread per domain, {data.cycle.name}"
    description = "Median, lowest and highest level of all trusts in England: " + "; ".join(
        f"{d.name} median {_words(_get(d.figure, 'median'))}, {_words(_get(d.figure, 'minimum'))} to "
        f"{_words(_get(d.figure, 'maximum'))}"
        for d in rows
    )
    return ChartCard(
        key="domains",
        title=title,
        svg=charts.spread(
            [d.name for d in rows],
            [_get(d.figure, "minimum") for d in rows],
            [_get(d.figure, "median") for d in rows],
            [_get(d.figure, "maximum") for d in rows],
            title,
            description,
        ),
        description=description,
        columns=("Domain", *SPREAD_COLUMNS),
        rows=tuple((d.name, *_spread_cells(d.figure)) for d in rows),
        about=_about(data, "Levels of each domain (0: not yet at level 1). " + SPREAD_METHOD + MEDIAN_METHOD),
        notes=_notes(rows),
    )


def _level(figure, level: int) -> int | None:
    if figure is None or not figure.level_counts:
        return None  # suppressed (or no trust answers it): never a false 0
    return figure.level_counts.get(str(level), 0)


def domain_levels_card(data: NationalMeasure) -> ChartCard:
    rows = data.domains
    title = f"{data.measure.name}: trusts in England at each level per domain, {data.cycle.name}"
    description = "Trusts at each level: " + "; ".join(
        f"{d.name}: " + ", ".join(f"level {n} {_words(_level(d.figure, n))}" for n in range(6)) for d in rows
    )
    return ChartCard(
        key="levels",
        title=title,
        svg=charts.count_bars(
            [d.name for d in rows],
            [
                Series("Not yet at level 1" if n == 0 else f"Level {n}", [_level(d.figure, n) for d in rows])
                for n in range(6)
            ],
            title,
            description,
        ),
        description=description,
        columns=("Domain", "Not yet at level 1", *(f"Level {n}" for n in range(1, 6)), "Trusts"),
        rows=tuple((d.name, *(_level(d.figure, n) for n in range(6)), d.size) for d in rows),
        about=_about(data, "Trusts counted at the level their answers reach (0: not yet at level 1). " + MEDIAN_METHOD),
        notes=_notes(rows),
    )


def domain_change_card(data: NationalMeasure) -> ChartCard:
    rows = data.domains
    last = data.previous_cycle.name if data.previous_cycle else "last year"
    title = f"{data.measure.name}: England's domains year on year, {last} to {data.cycle.name}"
    description = f"Mean level of all trusts in England, {last} against {data.cycle.name}: " + "; ".join(
        f"{d.name} {_words(_get(d.last_year, 'mean'))} to {_words(_get(d.figure, 'mean'))}" for d in rows
    )
    notes = [f"{d.name}: {last} shows {d.last_year_as}, which it continues." for d in rows if d.last_year_as]
    if data.previous_cycle is None:
        notes.append("There is no earlier cycle with results to compare with.")
    return ChartCard(
        key="change",
        title=title,
        svg=charts.measure_bars(
            [d.name for d in rows],
            [
                Series(f"{last} (mean)", [_get(d.last_year, "mean") for d in rows]),
                Series(f"{data.cycle.name} (mean)", [_get(d.figure, "mean") for d in rows]),
            ],
            title,
            description,
        )
        if data.previous_cycle
        else "",
        description=description,
        columns=("Domain", f"Domain in {last}", f"Mean {last}", f"Mean {data.cycle.name}", "Change"),
        rows=tuple(
            (
                d.name,
                (d.last_year_as or d.name) if d.last_year else None,
                _get(d.last_year, "mean"),
                _get(d.figure, "mean"),
                d.change,
            )
            for d in rows
        ),
        about=_about(data, YEAR_ON_YEAR + MEDIAN_METHOD),
        notes=tuple(notes),
    )


MEASURE_CARDS = {"domains": domains_card, "levels": domain_levels_card, "change": domain_change_card}


def measure_cards(data: NationalMeasure) -> list[ChartCard]:
    return [build(data) for build in MEASURE_CARDS.values()]


# The domain page.


def domain_card(data: NationalDomain) -> ChartCard:
    suppressed = data.suppressed
    counts = {n: _level(data.figure, n) if not suppressed else None for n in range(6)}
    title = f"{data.domain.name}: trusts in England at each level, {data.cycle.name}"
    description = "Trusts at each level: " + "; ".join(f"level {n}: {_words(c)}" for n, c in counts.items())
    return ChartCard(
        key="levels",
        title=title,
        svg="" if suppressed else charts.level_counts({n: c or 0 for n, c in counts.items()}, title, description),
        description=description,
        columns=("Level", "Trusts"),
        rows=tuple((n, c) for n, c in counts.items()),
        about=_about(data, "Trusts counted at the level their answers reach (0: not yet at level 1). " + MEDIAN_METHOD),
        notes=(suppressed.reason,) if suppressed else (),
    )


def domain_regions_card(data: NationalDomain) -> ChartCard:
    rows = data.regions
    title = f"{data.domain.name} by NHS region, {data.cycle.name}"
    description = "Median level of each region's trusts: " + "; ".join(
        f"{r.name} {_words(_get(r.figure, 'median'))}" for r in rows
    )
    return ChartCard(
        key="regions",
        title=title,
        svg=charts.measure_bars(
            [r.name for r in rows],
            [Series("Median level", [_get(r.figure, "median") for r in rows])],
            title,
            description,
        ),
        description=description,
        columns=("Region", "Median", "Mean", *(f"Level {n}" for n in range(6)), "Trusts"),
        rows=tuple(
            (r.name, _get(r.figure, "median"), _get(r.figure, "mean"), *(_level(r.figure, n) for n in range(6)), r.size)
            for r in rows
        ),
        about=_about(data, "Levels 0 (not yet at level 1) to 5. " + MEDIAN_METHOD),
        notes=_notes(rows),
    )


def domain_trend_card(data: NationalDomain) -> ChartCard:
    trend = data.trend
    title = f"{data.domain.name} over the years: England's median and mean level"
    description = "England per cycle: " + "; ".join(
        f"{p.cycle}: median {_words(_get(p.figure, 'median'))}, mean {_words(_get(p.figure, 'mean'))}" for p in trend
    )
    return ChartCard(
        key="domain-trend",
        title=title,
        svg=charts.trend_lines(
            [p.cycle for p in trend],
            [
                Series(f"{ENGLAND} (median)", [_get(p.figure, "median") for p in trend]),
                Series(f"{ENGLAND} (mean)", [_get(p.figure, "mean") for p in trend]),
            ],
            title,
            description,
        )
        if trend
        else "",
        description=description,
        columns=("Cycle", "Domain that year", "Median level", "Mean level", "Trusts"),
        rows=tuple(
            (
                p.cycle,
                p.as_name or data.domain.name,
                _get(p.figure, "median"),
                _get(p.figure, "mean"),
                p.figure.size if p.figure else 0,
            )
            for p in trend
        ),
        about=_about(data, "Years joined on the domain's key through the framework's crosswalk. " + MEDIAN_METHOD),
        notes=(data.lineage_note,) if data.lineage_note else (),
    )


DOMAIN_CARDS = {"levels": domain_card, "regions": domain_regions_card, "domain-trend": domain_trend_card}


def domain_cards(data: NationalDomain) -> list[ChartCard]:
    return [build(data) for build in DOMAIN_CARDS.values()]
