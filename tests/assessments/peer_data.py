"""Published results written straight to the rows, for the peers tests: a cycle of the small
framework (tests/assessments/conftest.py) with its release, and an organisation's assessment in
it scored at the levels given, at whatever status the test needs."""

from __future__ import annotations

import datetime

from django.utils import timezone

from assessments.models import Assessment, AssessmentScore, Cycle, DomainScore
from assessments.rules.scoring import SCORING_METHOD_VERSION
from framework.models import Domain, FrameworkVersion


def past_cycle(name: str, release: str = Cycle.Release.FINAL, version: str = "2024/25") -> Cycle:
    year = int(name[:4])
    return Cycle.objects.create(
        name=name,
        framework=FrameworkVersion.objects.get(version=version),
        opens_on=datetime.date(year, 4, 1),
        closes_on=datetime.date(year, 6, 30),
        release=release,
    )


def scored(organisation, cycle: Cycle, levels: dict[str, int], status: str = Assessment.Status.PUBLISHED):
    """The organisation's assessment in `cycle` at `status`, with a current score of `levels`."""
    submitted = timezone.now() - datetime.timedelta(days=30)
    assessment, _ = Assessment.objects.update_or_create(
        cycle=cycle, organisation=organisation, defaults={"status": status, "submitted_at": submitted}
    )
    score = AssessmentScore.objects.create(
        assessment=assessment,
        overall=None,
        method_version=SCORING_METHOD_VERSION,
        answers_submitted_at=submitted,
        scored_at=submitted,
    )
    domains = Domain.objects.filter(framework=cycle.framework, key__in=list(levels)).select_related("measure")
    DomainScore.objects.bulk_create(
        DomainScore(score=score, domain=d, domain_key=d.key, measure_key=d.measure.key, level=levels[d.key])
        for d in domains
    )
    return assessment
