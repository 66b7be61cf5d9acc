import pytest

from assessments.models import Assessment, AuditEvent, DomainResponse
from assessments.services.cycles import cycle_open
from tests.assessments.conftest import complete_everything, open_next_year

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


@pytest.fixture
def opened_after_level_2(last_year_cycle, frameworks, world, person):
    """Trust A answered 2024/25 at level 2 everywhere (infra: 1a 1b 2a 2b) with one piece of
    evidence on infra; calling the fixture opens 2025/26, after any crosswalk change a test makes."""
    from assessments.services.evidence import evidence_add_link

    lead = person("assessment_lead", world.trust_a)
    last_year = Assessment.objects.get(cycle=last_year_cycle, organisation=world.trust_a)
    complete_everything(last_year, lead, level=2)
    infra = last_year.responses.get(domain__key="infra")
    evidence_add_link(response_id=infra.pk, url="https://example.nhs.uk/hosting", title="Hosting paper", actor=lead)
    return lambda: open_next_year(world.trust_a)


def test_a_criterion_that_replaces_one_met_last_year_is_carried_as_met(opened_after_level_2):
    from framework.models import Criterion

    # In the small 2025/26 framework cloud asks 1a 1c 2a 2c...; say 1c and 2c ask what 1b and 2b did.
    cloud_criteria = Criterion.objects.filter(domain__framework__version="2025/26", domain__key="cloud")
    cloud_criteria.filter(key="c1c").update(replaces=["c1b"])
    cloud_criteria.filter(key="c2c").update(replaces=["c2b"])

    this_year = opened_after_level_2()

    cloud = this_year.responses.get(domain__key="cloud")
    assert cloud.met_criteria == ["c1a", "c1c", "c2a", "c2c"] and cloud.level == 2


def test_a_split_domains_evidence_carries_only_where_the_crosswalk_says(opened_after_level_2):
    this_year = opened_after_level_2()

    cloud = this_year.responses.get(domain__key="cloud")  # evidence_from: [infra]
    network = this_year.responses.get(domain__key="network")  # evidence_from: []
    assert [(e.title, e.carried_forward) for e in cloud.evidence.all()] == [("Hosting paper", True)]
    assert not network.evidence.exists()


def test_carried_evidence_keeps_its_fingerprint(opened_after_level_2):
    from assessments.rules.evidence import link_digest

    this_year = opened_after_level_2()
    cloud = this_year.responses.get(domain__key="cloud")
    [carried] = cloud.evidence.all()
    assert carried.digest == link_digest("https://example.nhs.uk/hosting")  # last year's link, as fingerprinted
