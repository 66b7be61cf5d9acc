"""The demo history: three cycles made through the real services, for a few organisations."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Avg
from django.test.utils import override_settings
from django.utils import timezone

from assessments.models import Assessment, AssessmentScore, AuditEvent, Cycle, DomainResponse, Evidence, MeasureScore
from assessments.selectors import assessments_needing_scores
from demo.history import demo_history_seed
from demo.people import DEMO_TRUST, demo_users_create
from framework.services import DEFINITIONS_DIR, framework_load
from organisations.services import organisations_load_reference_data

# The history is seeded once for the module with real commits (scoring runs as each
# organisation's transaction commits); each test then reads it inside its own transaction,
# rolled back after it.
pytestmark = pytest.mark.django_db

# Acute (the demo trust, an exemplar), acute and community, specialist, mental health and
# community, ambulance, and an ICB.
SUBSET = ["RAL", "RRK", "RKE", "RP6", "RV3", "RX6", "QMJ"]


def _counts() -> dict[str, int]:
    models = (Cycle, Assessment, DomainResponse, Evidence, AuditEvent, AssessmentScore, MeasureScore)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    # As `make run` seeds (in-process tasks on the background thread): the seeder must still have
    # each submission scored as it commits. Seeding takes most of a minute, so it is done once;
    # the rows are flushed at the end, as a transactional test's are.
    with django_db_blocker.unblock(), override_settings(WGLL_INPROCESS_TASKS="thread"):
        organisations_load_reference_data()
        framework_load(path=DEFINITIONS_DIR)
        demo_users_create()
        summary = demo_history_seed(organisations=SUBSET)
    yield summary
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def test_seeding_twice_changes_nothing_the_second_time(seeded, django_capture_on_commit_callbacks):
    before = _counts()
    # Inside this test's transaction nothing commits, so whatever the second seeding would queue
    # on commit (a scoring, say) is run here, in this transaction, and counted too.
    with django_capture_on_commit_callbacks(execute=True):
        demo_users_create()
        demo_history_seed(organisations=SUBSET)
    assert _counts() == before


def test_three_cycles_the_past_ones_closed_and_published(seeded):
    cycles = {cycle.name: cycle for cycle in Cycle.objects.select_related("framework")}
    assert sorted(cycles) == ["2023/24", "2024/25", "2025/26"]
    assert cycles["2023/24"].framework == cycles["2024/25"].framework
    assert cycles["2025/26"].framework.version == "2025/26"
    today = timezone.localdate()
    for name in ("2023/24", "2024/25"):
        assert cycles[name].closes_on < today
        assert cycles[name].release == Cycle.Release.FINAL
        assert set(
            Assessment.objects.filter(cycle=cycles[name], organisation__ods_code__in=SUBSET).values_list(
                "status", flat=True
            )
        ) == {Assessment.Status.PUBLISHED}
    assert cycles["2025/26"].opens_on <= today <= cycles["2025/26"].closes_on
    assert any(line.startswith("2023/24") and "national mean" in line for line in seeded)


def test_every_submitted_assessment_has_a_current_score(seeded):
    submitted = Assessment.objects.filter(organisation__ods_code__in=SUBSET, status__in=Assessment.SUBMITTED_OR_LATER)
    assert submitted.count() >= 2 * len(SUBSET)
    assert AssessmentScore.objects.filter(assessment__in=submitted, overall__isnull=False).count() == submitted.count()
    assert not assessments_needing_scores().filter(organisation__ods_code__in=SUBSET).exists()


def test_the_demo_trusts_latest_assessment_is_a_draft_prefilled_from_last_year(seeded):
    latest = Assessment.objects.get(cycle__name="2025/26", organisation__ods_code=DEMO_TRUST)
    assert latest.status == Assessment.Status.DRAFT
    assert latest.previous == Assessment.objects.get(cycle__name="2024/25", organisation__ods_code=DEMO_TRUST)
    statuses = set(latest.responses.values_list("status", flat=True))
    assert DomainResponse.Status.CARRIED_FORWARD in statuses
    assert latest.responses.exclude(met_criteria=[]).exists()
    assert not latest.events.exclude(kind=AuditEvent.Kind.CYCLE_OPENED).exists()


def test_smart_foundations_is_the_strongest_measure_and_empower_citizens_weaker(seeded):
    means = dict(
        MeasureScore.objects.filter(score__assessment__organisation__ods_code__in=SUBSET)
        .values_list("measure_key")
        .annotate(mean=Avg("value"))
    )
    assert Decimal(str(means["smart_foundations"])) > Decimal(str(means["empower_citizens"]))
    assert means["smart_foundations"] == max(means.values())


def test_a_sample_of_trusts_have_improvement_plans_but_not_the_royal_free(seeded):
    from assessments.models import ImprovementPlan, PlanAction

    plans = ImprovementPlan.objects.filter(assessment__cycle__name="2025/26")
    assert plans.exists() and not plans.filter(assessment__organisation__ods_code=DEMO_TRUST).exists()
    for plan in plans.prefetch_related("targets__actions"):
        targets = list(plan.targets.all())
        assert targets and all(t.target_level > (t.current_level or 0) for t in targets)
        assert all(len(t.actions.all()) == 2 and all(a.owner_id for a in t.actions.all()) for t in targets)
    assert set(plans.values_list("status", flat=True)) <= {"draft", "signed_off"}
    assert PlanAction.objects.filter(target__plan__in=plans).exclude(status="not_started").exists()


def test_the_demo_knowledge_base_holds_the_reviewed_entries_and_one_shared_by_a_demo_trust(seeded):
    from demo.knowledge import demo_knowledge_seed
    from framework.models import KnowledgeEntry

    lines = demo_knowledge_seed()
    assert KnowledgeEntry.objects.exclude(kind="shared").count() >= 40
    shared = KnowledgeEntry.objects.get(kind="shared")
    assert shared.organisation.ods_code == "RRK" and shared.is_published and shared.consent_given_at
    assert any("shared by" in line for line in lines)
    demo_knowledge_seed()  # again: nothing new
    assert KnowledgeEntry.objects.filter(kind="shared").count() == 1
