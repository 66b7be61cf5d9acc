"""The data-quality statement of a cycle's national files, computed from the data when a version
is generated and kept with it (NationalRelease.data_quality), so that each version's statement
stays what it said when that version was published. Reads only.

The figures are counts of organisations and flags, never of people, so no small-number rule
applies to them.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from assessments.models import Assessment, Cycle, ValidationFlag
from reports.national_rows import VALIDATED_OR_LATER


def _share(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


def data_quality_snapshot(cycle: Cycle) -> dict:
    """The statement's figures as plain JSON: response rate, validated share, flags raised and
    resolved (by kind), and the known limitations in words."""
    by_status = dict(Assessment.objects.filter(cycle=cycle).order_by().values_list("status").annotate(n=Count("pk")))
    organisations = sum(by_status.values())
    submitted = sum(by_status.get(status, 0) for status in Assessment.SUBMITTED_OR_LATER)
    validated = sum(by_status.get(status, 0) for status in VALIDATED_OR_LATER)
    published = by_status.get(Assessment.Status.PUBLISHED, 0)
    unscored = Assessment.objects.filter(cycle=cycle, status=Assessment.Status.PUBLISHED, score__isnull=True).count()
    flags = list(
        ValidationFlag.objects.filter(assessment__cycle=cycle)
        .order_by("kind")
        .values("kind")
        .annotate(raised=Count("pk"), resolved=Count("pk", filter=Q(resolved_at__isnull=False)))
    )
    labels = dict(ValidationFlag.Kind.choices)
    raised = sum(row["raised"] for row in flags)
    resolved = sum(row["resolved"] for row in flags)
    limitations = [
        "Scores are self-assessed by each organisation and signed off by its board; national "
        "validation checks them for patterns and missing evidence, it does not re-assess them.",
    ]
    if organisations - submitted:
        limitations.append(
            f"{organisations - submitted} of {organisations} organisations had not submitted an assessment: "
            "their rows carry their status and no scores."
        )
    if submitted - published:
        limitations.append(
            f"{submitted - published} submitted assessments were not published: their rows carry their status "
            "and no scores."
        )
    if unscored:
        limitations.append(f"{unscored} published assessments had no scores when the files were generated.")
    if raised - resolved:
        limitations.append(f"{raised - resolved} validation flags were still unresolved when the files were generated.")
    limitations.append(
        "Domain levels are blank where a domain does not apply to an organisation's care settings, "
        "so the number of organisations behind each domain differs."
    )
    return {
        "computed_at": timezone.now().isoformat(timespec="seconds"),
        "organisations": organisations,
        "submitted": submitted,
        "validated": validated,
        "published": published,
        "response_rate": _share(submitted, organisations),
        "validated_share": _share(validated, submitted),
        "by_status": {status: by_status.get(status, 0) for status in Assessment.Status.values},
        "flags_raised": raised,
        "flags_resolved": resolved,
        "flags_by_kind": [
            {
                "kind": row["kind"],
                "label": labels.get(row["kind"], row["kind"]),
                "raised": row["raised"],
                "resolved": row["resolved"],
            }
            for row in flags
        ],
        "limitations": limitations,
    }
