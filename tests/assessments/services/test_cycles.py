import pytest

from assessments.models import Assessment, AuditEvent, DomainResponse
from assessments.services.cycles import cycle_open
from tests.assessments.conftest import complete_everything

pytestmark = pytest.mark.django_db


def keys(assessment):
    return sorted(assessment.responses.values_list("domain__key", flat=True))


def test_opening_creates_one_assessment_per_organisation_with_its_applicable_domains(cycle, world):
    trust_a = Assessment.objects.get(cycle=cycle, organisation=world.trust_a)  # acute + community
    trust_c = Assessment.objects.get(cycle=cycle, organisation=world.trust_c)  # mental health
    icb = Assessment.objects.get(cycle=cycle, organisation=world.icb_1)
    basics = [f"{m}_basics" for m in ("safe_practice", "support_people", "empower_citizens", "healthy_populations")]
    assert keys(trust_a) == sorted(["strategy", "cloud", "network", "monitoring", *basics])
    assert keys(trust_c) == sorted(["strategy", "cloud", "network", *basics])
    assert keys(icb) == ["system"]
    assert all(r.status == DomainResponse.Status.NOT_STARTED for r in trust_a.responses.all())
    assert (
        cycle.framework.in_use_since is not None
        or cycle.framework.__class__.objects.get(pk=cycle.framework_id).is_in_use
    )
    assert AuditEvent.objects.filter(assessment=trust_a, kind=AuditEvent.Kind.CYCLE_OPENED).count() == 1


def test_opening_again_creates_nothing(cycle):
    before = Assessment.objects.count(), DomainResponse.objects.count()
    summary = cycle_open(cycle=cycle)
    assert summary.created == 0 and summary.already_open == before[0]
    assert (Assessment.objects.count(), DomainResponse.objects.count()) == before


def test_next_year_is_prefilled_through_split_and_kept_domains(last_year_cycle, frameworks, world, person):
    import datetime

    from assessments.models import Cycle
    from framework.models import FrameworkVersion

    lead = person("assessment_lead", world.trust_a)
    last_year = Assessment.objects.get(cycle=last_year_cycle, organisation=world.trust_a)
    complete_everything(last_year, lead, level=2)  # infra met: 1a 1b 2a 2b
    today = datetime.date.today()
    cycle = Cycle.objects.create(
        name="2025/26", framework=FrameworkVersion.objects.get(version="2025/26"),
        opens_on=today, closes_on=today + datetime.timedelta(days=30),
    )  # fmt: skip

    summary = cycle_open(cycle=cycle)

    this_year = Assessment.objects.get(cycle=cycle, organisation=world.trust_a)
    assert this_year.previous == last_year
    assert summary.prefilled > 0
    strategy = this_year.responses.get(domain__key="strategy")
    assert strategy.status == DomainResponse.Status.CARRIED_FORWARD
    assert strategy.met_criteria == ["c1a", "c1b", "c2a", "c2b"] and strategy.level == 2
    assert strategy.notes == "Notes for Digital strategy"
    cloud = this_year.responses.get(domain__key="cloud")  # keeps the 'a' criteria of infra
    assert cloud.met_criteria == ["c1a", "c2a"] and cloud.level == 0
    assert cloud.notes.startswith("From Infrastructure and hosting:")
    network = this_year.responses.get(domain__key="network")
    assert network.met_criteria == ["c1b", "c2b"]
    monitoring = this_year.responses.get(domain__key="monitoring")  # new domain: nothing to carry
    assert monitoring.status == DomainResponse.Status.NOT_STARTED and monitoring.met_criteria == []
