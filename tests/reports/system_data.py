"""A small, varied country for the ICS dashboard tests: three ICSs, trusts of three care settings,
two cycles (the second framework splits "infra" into "cloud" and "network"), levels drawn per
domain from a seeded generator, submitted and scored through the real scoring service, and each
cycle's comparison figures computed by the real refresh.

ICS 1 (world.ics_1): 7 trusts and its ICB; in 2025/26 one trust is still a draft and one is ready
for sign-off. ICS 2: 7 trusts. ICS 3: 3 trusts (too few to show its figures). Nationally there
are 9 acute, 6 mental health and 3 community trusts (community is too small a peer group, so its
trusts are compared with all trusts in the mix-adjusted score).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.utils import timezone

from assessments.models import Assessment, Cycle, DomainResponse
from assessments.services.cycles import cycle_open
from assessments.services.scoring import assessment_score
from organisations.models import IntegratedCareSystem, Organisation
from reports.refresh import cycle_figures_refresh
from tests import factories

ICS_1_MORE = ["acute", "acute", "acute", "mental_health", "community"]
ICS_2_MORE = ["acute", "acute", "acute", "mental_health", "mental_health", "community"]
ICS_3 = ["acute", "mental_health", "community"]


@dataclass
class Country:
    ics_1: IntegratedCareSystem
    ics_2: IntegratedCareSystem
    ics_3: IntegratedCareSystem
    last_year: Cycle
    this_year: Cycle
    draft: Organisation  # ICS 1's trust still drafting in 2025/26
    ready: Organisation  # ICS 1's trust ready for sign-off in 2025/26
    trusts: dict[str, list[Organisation]] = field(default_factory=dict)  # ICB code -> trusts


def _cycle(name: str, version: str, opened_days_ago: int) -> Cycle:
    from framework.models import FrameworkVersion

    today = datetime.date.today()
    cycle = Cycle.objects.create(
        name=name,
        framework=FrameworkVersion.objects.get(version=version),
        opens_on=today - datetime.timedelta(days=opened_days_ago),
        closes_on=today + datetime.timedelta(days=30),
    )
    cycle_open(cycle=cycle)
    return cycle


def answer_at_levels(assessment: Assessment, rng: random.Random) -> None:
    """Every domain answered at a level drawn from 1-5 (written to the rows, as saved answers are)."""
    for response in assessment.responses.select_related("domain"):
        level = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5])
        keys = [c.key for c in response.domain.criteria.filter(level__number__lte=level)]
        DomainResponse.objects.filter(pk=response.pk).update(
            met_criteria=keys, level=level, status=DomainResponse.Status.COMPLETED
        )


def submit_and_score(assessment: Assessment, status: str = Assessment.Status.SUBMITTED) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(status=status, submitted_at=timezone.now())
    assessment_score(assessment_id=assessment.pk)


def build_country(world, *, seed: int = 7) -> Country:
    """Needs the assessment tests' `frameworks` fixture to have loaded both small frameworks."""
    ics_3 = factories.SystemFactory(region=world.ics_1.region)
    factories.OrganisationFactory(ics=ics_3, ods_code=ics_3.icb_ods_code, kind=Organisation.Kind.ICB, care_settings=[])
    Organisation.objects.filter(pk=world.trust_a.pk).update(care_settings=["acute", "community"])
    Organisation.objects.filter(pk=world.trust_b.pk).update(care_settings=["acute"])
    factories.OrganisationFactory(
        ics=world.ics_2, ods_code=world.ics_2.icb_ods_code, kind=Organisation.Kind.ICB, care_settings=[]
    )
    for ics, settings in ((world.ics_1, ICS_1_MORE), (world.ics_2, ICS_2_MORE), (ics_3, ICS_3)):
        for setting in settings:
            factories.OrganisationFactory(ics=ics, care_settings=[setting])

    rng = random.Random(seed)
    last_year = _cycle("2024/25", "2024/25", opened_days_ago=400)
    for assessment in Assessment.objects.filter(cycle=last_year).order_by("organisation__ods_code"):
        answer_at_levels(assessment, rng)
        submit_and_score(assessment, Assessment.Status.VALIDATED)
    Cycle.objects.filter(pk=last_year.pk).update(closes_on=datetime.date.today() - datetime.timedelta(days=200))

    this_year = _cycle("2025/26", "2025/26", opened_days_ago=30)
    ics_1_trusts = list(Organisation.objects.filter(ics=world.ics_1, kind=Organisation.Kind.TRUST).order_by("ods_code"))
    draft, ready = ics_1_trusts[-1], ics_1_trusts[-2]
    for index, assessment in enumerate(
        Assessment.objects.filter(cycle=this_year).select_related("organisation").order_by("organisation__ods_code")
    ):
        answer_at_levels(assessment, rng)
        if assessment.organisation_id == draft.pk:
            continue
        if assessment.organisation_id == ready.pk:
            Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.READY)
            continue
        submit_and_score(assessment, Assessment.Status.VALIDATED if index % 3 == 0 else Assessment.Status.SUBMITTED)
    for cycle in (last_year, this_year):
        cycle_figures_refresh(cycle_id=cycle.pk)
    return Country(
        ics_1=world.ics_1,
        ics_2=world.ics_2,
        ics_3=ics_3,
        last_year=last_year,
        this_year=this_year,
        draft=draft,
        ready=ready,
        trusts={
            ics.icb_ods_code: list(Organisation.objects.filter(ics=ics, kind=Organisation.Kind.TRUST))
            for ics in (world.ics_1, world.ics_2, ics_3)
        },
    )
