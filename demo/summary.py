"""The figures `seed_demo` prints: per cycle, national and ICS means, measures, statuses, flags."""

from __future__ import annotations

from collections import Counter

from assessments.models import Assessment, AssessmentScore, Cycle, MeasureScore, ValidationFlag
from demo.cycles import DEMO_CYCLES
from organisations.models import Organisation


def _mean(values: list) -> float | None:
    return sum(float(v) for v in values) / len(values) if values else None


def demo_summary(*, organisations: list[Organisation] | None = None) -> list[str]:
    """Per demo cycle: national mean overall score, mean per measure, ICS range, statuses, flags."""
    ids = [o.pk for o in organisations] if organisations is not None else None
    lines = []
    for cycle in Cycle.objects.filter(name__in=[c.name for c in DEMO_CYCLES]).order_by("name"):
        assessments = Assessment.objects.filter(cycle=cycle)
        if ids is not None:
            assessments = assessments.filter(organisation_id__in=ids)
        scores = AssessmentScore.objects.filter(assessment__in=assessments, overall__isnull=False)
        overall = list(scores.values_list("overall", "assessment__organisation__ics__name"))
        by_ics: dict[str, list] = {}
        for value, ics in overall:
            by_ics.setdefault(ics, []).append(value)
        ics_means = [_mean(v) for v in by_ics.values()]
        mean = _mean([v for v, _ in overall])
        lines.append(
            f"{cycle.name} ({cycle.get_release_display().lower()}, "
            f"{cycle.opens_on:%d %b %Y} to {cycle.closes_on:%d %b %Y}): "
            + (f"national mean {mean:.2f} over {len(overall)} scored" if mean is not None else "nothing scored yet")
            + (f", ICS means {min(ics_means):.1f} to {max(ics_means):.1f}" if ics_means else "")
        )
        measures: dict[str, list] = {}
        for name, value in (
            MeasureScore.objects.filter(score__in=scores).order_by("position").values_list("measure_name", "value")
        ):
            measures.setdefault(name, []).append(value)
        lines.append("  " + ", ".join(f"{name} {_mean(values):.2f}" for name, values in measures.items()))
        statuses = Counter(assessments.values_list("status", flat=True))
        lines.append("  " + ", ".join(f"{Assessment.Status(s).label.lower()} {n}" for s, n in sorted(statuses.items())))
        flagged = ValidationFlag.objects.filter(assessment__in=assessments).values("assessment").distinct().count()
        lines.append(f"  organisations with validation flags: {flagged}")
    return lines
