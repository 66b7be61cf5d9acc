"""Re-scoring a whole cycle in bulk: the same figures as scoring one assessment at a time, a fixed
number of queries, and nothing rewritten (no new board report) where the figures did not change."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, AssessmentScore, DomainScore, MeasureScore
from assessments.rules.scoring import SCORING_METHOD_VERSION
from assessments.selectors import assessments_needing_scores, provisional_scores
from assessments.services import scoring
from assessments.services.scoring import cycle_rescore
from assessments.tasks import cycle_flags_deferred

pytestmark = pytest.mark.django_db


@pytest.fixture
def country(country_data):
    return country_data[1]


def _stored(cycle):
    """Every stored figure of a cycle, keyed so that two scorings can be compared."""
    return (
        sorted(AssessmentScore.objects.filter(assessment__cycle=cycle).values_list("assessment_id", "overall")),
        sorted(
            DomainScore.objects.filter(score__assessment__cycle=cycle).values_list(
                "score__assessment_id", "domain_key", "measure_key", "level"
            )
        ),
        sorted(
            MeasureScore.objects.filter(score__assessment__cycle=cycle).values_list(
                "score__assessment_id", "measure_key", "measure_name", "position", "value", "domain_count"
            )
        ),
    )


def test_a_bulk_rescore_stores_what_scoring_one_at_a_time_stored(country):
    cycle = country.this_year
    one_at_a_time = _stored(cycle)
    AssessmentScore.objects.filter(assessment__cycle=cycle).delete()

    result = cycle_rescore(cycle_id=cycle.pk)

    submitted = Assessment.objects.filter(cycle=cycle, status__in=Assessment.SUBMITTED_OR_LATER)
    assert result.scored == result.changed == submitted.count() > 10
    assert _stored(cycle) == one_at_a_time
    for assessment in submitted:
        assert assessment.score.overall == provisional_scores(assessment).overall


def test_drafts_and_work_ready_for_sign_off_are_not_scored(country):
    cycle_rescore(cycle_id=country.this_year.pk)
    unsubmitted = Assessment.objects.filter(
        cycle=country.this_year, organisation__in=[country.draft, country.ready]
    ).values_list("pk", flat=True)
    assert len(unsubmitted) == 2
    assert not AssessmentScore.objects.filter(assessment_id__in=unsubmitted).exists()


def test_an_unchanged_cycle_keeps_its_rows_and_only_moves_the_scoring_time(country):
    cycle = country.this_year
    before = dict(AssessmentScore.objects.filter(assessment__cycle=cycle).values_list("pk", "scored_at"))
    domain_rows = set(DomainScore.objects.filter(score__assessment__cycle=cycle).values_list("pk", flat=True))
    told = []
    scoring.on_rescored("test: told", lambda cycle_id, ids: told.append(ids))
    try:
        result = cycle_rescore(cycle_id=cycle.pk)
    finally:
        scoring.rescored.listeners.pop("test: told")

    assert result.changed == 0 and result.scored == len(before)
    after = dict(AssessmentScore.objects.filter(assessment__cycle=cycle).values_list("pk", "scored_at"))
    assert after.keys() == before.keys()  # the same rows, not replacements
    assert all(after[pk] > before[pk] for pk in before)
    assert set(DomainScore.objects.filter(score__assessment__cycle=cycle).values_list("pk", flat=True)) == domain_rows
    assert told == []  # nothing changed, so no board report or figure refresh is asked for


def test_only_assessments_whose_figures_changed_are_rewritten_and_reported(country, django_capture_on_commit_callbacks):
    cycle = country.this_year
    scores = AssessmentScore.objects.filter(assessment__cycle=cycle).order_by("assessment_id")
    wrong_level, missing_domain, old_method = scores[0], scores[1], scores[2]
    DomainScore.objects.filter(pk=DomainScore.objects.filter(score=wrong_level).first().pk).update(level=0)
    DomainScore.objects.filter(pk=DomainScore.objects.filter(score=missing_domain).first().pk).delete()
    AssessmentScore.objects.filter(pk=old_method.pk).update(method_version="old")
    told = []
    scoring.on_rescored("test: told", lambda cycle_id, ids: told.append((cycle_id, ids)))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = cycle_rescore(cycle_id=cycle.pk)
    finally:
        scoring.rescored.listeners.pop("test: told")

    assert result.changed == 3
    assert told == [(cycle.pk, sorted(s.assessment_id for s in (wrong_level, missing_domain, old_method)))]
    assert not DomainScore.objects.filter(score__assessment__cycle=cycle, level=0).exists()
    # A score by another method is replaced even where the levels agree: the method is part of
    # what a board report states.
    assert not AssessmentScore.objects.filter(pk__in=[wrong_level.pk, missing_domain.pk, old_method.pk]).exists()
    assert AssessmentScore.objects.get(assessment_id=old_method.assessment_id).method_version == SCORING_METHOD_VERSION


def test_a_resubmission_with_the_same_figures_is_scored_against_its_new_answers(country):
    """The score must say which submission it is of, or the sweep would score it again and again."""
    score = AssessmentScore.objects.filter(assessment__cycle=country.this_year).first()
    later = score.answers_submitted_at + datetime.timedelta(hours=1)
    Assessment.objects.filter(pk=score.assessment_id).update(submitted_at=later)
    assert assessments_needing_scores().filter(pk=score.assessment_id).exists()

    cycle_rescore(cycle_id=country.this_year.pk)

    assert AssessmentScore.objects.get(pk=score.pk).answers_submitted_at == later
    assert not assessments_needing_scores().exists()


def test_the_number_of_queries_does_not_grow_with_the_cycle(country):
    """The two cycles have different numbers of submitted assessments: the same queries for both."""
    counts = []
    for cycle in (country.last_year, country.this_year):
        AssessmentScore.objects.filter(assessment__cycle=cycle).delete()
        # The cycle's flag refresh (a task of its own, which writes what the data asks for) is
        # left until after the count.
        with cycle_flags_deferred(), CaptureQueriesContext(connection) as queries:
            cycle_rescore(cycle_id=cycle.pk)
        counts.append(len(queries))
    cycles = (country.last_year, country.this_year)
    sizes = {AssessmentScore.objects.filter(assessment__cycle=c).count() for c in cycles}
    assert len(sizes) == 2
    assert counts[0] == counts[1]


def test_the_rescore_command_queues_one_bulk_task_per_cycle(country, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "assessments.services.scoring.queue_cycle_rescore",
        lambda cycle_id, ids: queued.append((cycle_id, ids)) or True,
    )
    out = StringIO()
    call_command("rescore", "--cycle", "2025/26", stdout=out)
    submitted_ids = sorted(
        Assessment.objects.filter(cycle=country.this_year, status__in=Assessment.SUBMITTED_OR_LATER).values_list(
            "pk", flat=True
        )
    )
    assert queued == [(country.this_year.pk, submitted_ids)]
    submitted = Assessment.objects.filter(cycle=country.this_year, status__in=Assessment.SUBMITTED_OR_LATER).count()
    assert f"Queued {submitted} of {submitted} submitted assessments" in out.getvalue()

    queued.clear()
    trust = country.trusts[country.ics_2.icb_ods_code][0]
    call_command("rescore", "--organisation", trust.ods_code, stdout=StringIO())
    mine = dict(Assessment.objects.filter(organisation=trust).values_list("cycle_id", "pk"))
    assert sorted(queued) == sorted((cycle_id, [pk]) for cycle_id, pk in mine.items())


def test_a_rescore_that_cannot_be_queued_says_so(country, monkeypatch):
    monkeypatch.setattr("assessments.services.scoring.queue_cycle_rescore", lambda *args: False)
    out, err = StringIO(), StringIO()
    call_command("rescore", "--cycle", "2025/26", stdout=out, stderr=err)
    assert "Queued 0 of" in out.getvalue()
    assert "could not be queued now" in err.getvalue()


def test_the_rescore_command_shows_a_progress_bar():
    from assessments.management.commands.rescore import progress_line

    assert progress_line(0, 244) == "[--------------------]   0% scored (0 of 244)"
    assert progress_line(122, 244) == "[##########----------]  50% scored (122 of 244)"
    assert progress_line(244, 244) == "[####################] 100% scored (244 of 244)"
