"""Stored validation flags of every kind, with the figures (`details`) in the shapes the rules in
assessments/rules/flags.py and patterns.py give them, for the page, API and admin tests.

The pattern flags are written as rows directly: producing them through the cycle refresh needs
eight or more peers per care setting, which says nothing more about how a page shows them (the
browser journey raises a copied-notes flag through the real services).
"""

from django.utils import timezone

from assessments.models import Assessment, ValidationFlag

Kind = ValidationFlag.Kind

OWN_NOTE = "In March 2025 we rolled out the new digital strategy to 14 wards, with 312 staff trained by the team."
OTHER_NOTE = "In March 2025 we rolled out the new digital strategy to 14 wards, with 312 staff trained by our team."


def store(assessment: Assessment, kind: str, details: dict, *, domain_key: str = "", measure_key: str = "", **more):
    domain = assessment.responses.get(domain__key=domain_key).domain if domain_key else None
    return ValidationFlag.objects.create(
        assessment=assessment,
        kind=kind,
        domain=domain,
        measure_key=measure_key,
        severity=more.pop("severity", ValidationFlag.Severity.HIGH),
        explanation=more.pop("explanation", f"Explanation of the {kind} flag."),
        to_clear=more.pop("to_clear", f"What would clear the {kind} flag."),
        details=details,
        computed_at=timezone.now(),
        **more,
    )


def _note(organisation, text: str) -> dict:
    return {"organisation": organisation.name, "ods_code": organisation.ods_code, "domain": "Digital strategy",
            "text": text}  # fmt: skip


def copied_notes(assessment: Assessment, other) -> ValidationFlag:
    """`assessment`'s note copied from `other` (an Organisation): the later writer is asked."""
    own = assessment.organisation
    return store(
        assessment,
        Kind.COPIED_NOTES,
        {
            "side_by_side": [
                {
                    "similarity": 98,
                    "left": _note(own, OWN_NOTE),
                    "right": _note(other, OTHER_NOTE),
                }
            ],
            "cross_organisation": 1,
        },
        explanation=(
            f"1 note is almost word for word the same as notes of {other.name}. Notes copied between answers "
            "say nothing about each answer, so the levels they support have not been explained."
        ),
        to_clear="Write, for each domain, what the organisation itself does to meet its criteria.",
    )


def change_against_peers(assessment: Assessment) -> ValidationFlag:
    return store(
        assessment,
        Kind.CHANGE_AGAINST_PEERS,
        {
            "change": 1.2,
            "peer_median": 0.1,
            "peer_changes": [-0.2, 0.0, 0.0, 0.1, 0.1, 0.1, 0.2, 0.3],
            "z": 7.4,
            "peer_label": "acute trusts",
            "domains": [
                {"domain_key": "strategy", "name": "Digital strategy", "from_level": 1, "to_level": 3},
                {"domain_key": "cloud", "name": "Cloud hosting", "from_level": 2, "to_level": 4},
            ],
        },
        explanation="The overall score rose 1.2 since last year while 8 other acute trusts changed by +0.1.",
    )


def peer_outlier(assessment: Assessment, measure_key: str = "well_led") -> ValidationFlag:
    return store(
        assessment,
        Kind.PEER_OUTLIER,
        {
            "value": 4.5,
            "peer_median": 2.0,
            "peer_scores": [1.5, 2.0, 2.0, 2.2, 2.5],
            "z": 5.1,
            "peer_label": "acute trusts",
        },
        measure_key=measure_key,
        severity=ValidationFlag.Severity.MEDIUM,
    )


def evidence_reused(assessment: Assessment, other) -> ValidationFlag:
    return store(
        assessment,
        Kind.EVIDENCE_REUSED,
        {
            "within": [
                {
                    "title": "Annual report 2024",
                    "digest": "ab" * 32,
                    "kind": "file",
                    "size": 120_000,
                    "domains": ["Digital strategy", "Cloud hosting", "Networks"],
                    "sole_backing": ["Cloud hosting", "Networks"],
                },
            ],
            "across": [
                {
                    "title": "Board paper on EPR",
                    "digest": "cd" * 32,
                    "organisations": [f"{other.name} ({other.ods_code})"],
                },
            ],
        },
        explanation=f"The file “Board paper on EPR” was also submitted by 1 other organisation ({other.name}).",
    )


def icb_inconsistent(assessment: Assessment, members) -> ValidationFlag:
    return store(
        assessment,
        Kind.ICB_INCONSISTENT_WITH_MEMBERS,
        {
            "value": 4.2,
            "member_median": 2.1,
            "tolerance": 0.9,
            "members": [
                {"organisation": m.name, "ods_code": m.ods_code, "overall": 2.0 + i / 10} for i, m in enumerate(members)
            ],
        },
    )


def prerequisite_unmet(assessment: Assessment) -> ValidationFlag:
    return store(
        assessment,
        Kind.PREREQUISITE_UNMET,
        {"level": 4, "prerequisites": [{"domain_key": "network", "name": "Networks", "level": 1}]},
        domain_key="cloud",
        explanation="Cloud hosting is claimed at level 4, but it builds on Networks (level 1).",
        to_clear="Check both answers; if they are right, say in the notes of Cloud hosting how it works.",
    )


def level_jump(assessment: Assessment) -> ValidationFlag:
    return store(
        assessment,
        Kind.LEVEL_JUMP_WITHOUT_NOTE,
        {"from_level": 1, "to_level": 4, "last_year_level": 2},
        domain_key="network",
        severity=ValidationFlag.Severity.LOW,
    )


def fall_with_evidence_unchanged(assessment: Assessment) -> ValidationFlag:
    return store(
        assessment,
        Kind.FALL_WITH_EVIDENCE_UNCHANGED,
        {"from_level": 3, "to_level": 1,
         "evidence": [{"kind": "file", "title": "Network audit", "size": 52_000, "url": "", "digest": "ef" * 32}]},
        domain_key="monitoring",
    )  # fmt: skip


def _combinations(assessment):
    for kind in (ValidationFlag.Kind.LEVEL_JUMP_WITHOUT_NOTE, ValidationFlag.Kind.PREREQUISITE_UNMET,
                 ValidationFlag.Kind.FALL_WITH_EVIDENCE_UNCHANGED):  # fmt: skip
        for key in assessment.responses.order_by("pk").values_list("domain__key", flat=True):
            yield kind, {"domain_key": key}
    for key in ("well_led", "smart_foundations", "safe_practice", "support_people", "empower_citizens",
                "improve_care", "healthy_populations"):  # fmt: skip
        for kind in (ValidationFlag.Kind.PEER_OUTLIER, ValidationFlag.Kind.CHANGE_AGAINST_PEERS):
            yield kind, {"measure_key": key}


def many_flags(assessment, total):
    """Stored flags of several kinds, about the assessment's domains and measures, until it has `total`."""
    severities = list(ValidationFlag.Severity.values)
    for index, (kind, about) in enumerate(_combinations(assessment)):
        if ValidationFlag.objects.filter(assessment=assessment).count() >= total:
            return
        key = about.get("domain_key")
        if ValidationFlag.objects.filter(assessment=assessment, kind=kind, domain__key=key,
                                         measure_key=about.get("measure_key", "")).exists():  # fmt: skip
            continue
        store(assessment, kind, {"from_level": 1, "to_level": 3, "value": 4.0},
                            severity=severities[index % 3], **about)  # fmt: skip
    assert ValidationFlag.objects.filter(assessment=assessment).count() == total
