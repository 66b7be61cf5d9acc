import datetime
from decimal import Decimal

import pytest

from assessments.models import AssessmentScore, DomainScore, MeasureScore
from assessments.rules.scoring import SCORING_METHOD_VERSION
from assessments.selectors import assessments_needing_scores, provisional_scores
from assessments.services.scoring import NotScorable, assessment_score
from assessments.services.workflow import assessment_mark_ready, assessment_return, assessment_sign_off_and_submit
from tests.assessments.conftest import complete_everything

pytestmark = pytest.mark.django_db


def submit(assessment, team):
    assessment_mark_ready(assessment=assessment, actor=team["lead"])
    return assessment_sign_off_and_submit(
        assessment=assessment, actor=team["approver"], name="Grace Okafor", role="Chair",
        meeting_date=datetime.date.today(), minute_reference="TB/1",
    )  # fmt: skip


def test_scores_are_means_of_levels_recorded_with_the_method(assessment, team):
    complete_everything(assessment, team["lead"], level=2)
    from assessments.services.responses import Answer, response_save

    cloud = assessment.responses.get(domain__key="cloud")
    met = [c.key for c in cloud.domain.criteria.filter(level__number__lte=4)]
    response_save(
        response_id=cloud.pk, expected_version=cloud.version, answer=Answer(met, "", True), actor=team["lead"]
    )
    submitted = submit(assessment, team)

    record = assessment_score(assessment_id=submitted.pk)

    assert record.method_version == SCORING_METHOD_VERSION
    assert record.answers_submitted_at == submitted.submitted_at
    levels = dict(DomainScore.objects.filter(score=record).values_list("domain_key", "level"))
    assert levels["cloud"] == 4 and levels["network"] == 2 and levels["strategy"] == 2
    foundations = MeasureScore.objects.get(score=record, measure_key="smart_foundations")
    assert foundations.value == Decimal("3.0") and foundations.domain_count == 2  # (4 + 2) / 2
    measures = list(MeasureScore.objects.filter(score=record).values_list("value", flat=True))
    assert len(measures) == 7
    assert record.overall == (sum(measures) / 7).quantize(Decimal("0.1"))


def test_the_scores_stored_are_the_provisional_scores_shown_before_sign_off(assessment, team):
    """One computation of scores from answers: what the approver saw is what is stored."""
    from tests.assessments.flagging import set_level

    complete_everything(assessment, team["lead"], level=1)
    set_level(assessment, "cloud", 4, team["lead"])
    set_level(assessment, "strategy", 3, team["lead"])
    before = provisional_scores(assessment)
    submitted = submit(assessment, team)

    record = assessment_score(assessment_id=submitted.pk)

    assert before.overall == record.overall == Decimal("1.5")  # (3 + 2.5 + 1 x 5) / 7
    stored = MeasureScore.objects.filter(score=record).order_by("position")
    assert [(m.key, m.score, m.domain_count) for m in before.measures] == list(
        stored.values_list("measure_key", "value", "domain_count")
    )
    assert {(d.domain_key, d.level) for d in before.domains} == set(
        DomainScore.objects.filter(score=record).values_list("domain_key", "level")
    )


def test_scoring_twice_leaves_the_same_rows(assessment, team):
    complete_everything(assessment, team["lead"], level=1)
    submitted = submit(assessment, team)
    first = assessment_score(assessment_id=submitted.pk)
    rows = sorted(DomainScore.objects.values_list("domain_key", "level"))

    second = assessment_score(assessment_id=submitted.pk)

    assert AssessmentScore.objects.count() == 1 and second.overall == first.overall
    assert sorted(DomainScore.objects.values_list("domain_key", "level")) == rows
    assert MeasureScore.objects.count() == 7


def test_drafts_are_not_scored(assessment):
    with pytest.raises(NotScorable):
        assessment_score(assessment_id=assessment.pk)
    assert not AssessmentScore.objects.exists()


def test_submitting_queues_scoring_after_commit(assessment, team, django_capture_on_commit_callbacks):
    complete_everything(assessment, team["lead"], level=3)
    with django_capture_on_commit_callbacks(execute=True):
        submit(assessment, team)
    assert AssessmentScore.objects.get(assessment=assessment).overall == Decimal("3.0")
    assert not assessments_needing_scores().exists()


def test_a_resubmission_makes_the_old_score_stale(assessment, team, django_capture_on_commit_callbacks):
    complete_everything(assessment, team["lead"], level=1)
    with django_capture_on_commit_callbacks(execute=True):
        submit(assessment, team)
    assessment_return(assessment=assessment, actor=team["reviewer"], comment="Check cloud")
    assessment.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False):  # the broker "loses" this one
        submit(assessment, team)
    assert list(assessments_needing_scores()) == [assessment]


def test_overview_shows_the_scores(client, assessment, team, django_capture_on_commit_callbacks):
    complete_everything(assessment, team["lead"], level=2)
    with django_capture_on_commit_callbacks(execute=True):
        submit(assessment, team)
    client.force_login(team["viewer"])
    page = client.get(f"/assessments/{assessment.cycle.slug}/{assessment.organisation.ods_code}/").content.decode()
    assert "Overall score" in page and "2.0" in page
    assert "Ensure smart foundations" in page


def test_rescore_command_fans_out_and_reports_progress(assessment, team, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    complete_everything(assessment, team["lead"], level=2)
    with django_capture_on_commit_callbacks(execute=True):
        submit(assessment, team)
    AssessmentScore.objects.all().delete()
    out = StringIO()

    call_command("rescore", "--cycle", assessment.cycle.name, "--wait", "5", stdout=out)

    assert "Queued 1 of 1 submitted assessments" in out.getvalue()
    assert "100% scored (1 of 1)" in out.getvalue()
    assert AssessmentScore.objects.get(assessment=assessment).overall == Decimal("2.0")
