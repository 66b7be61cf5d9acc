"""The board report shows the signed-off improvement plan: its fingerprint includes the plan, so
signing it off makes the report out of date and the next version (read with real PDF text
extraction) lists the targets and their status. A draft plan is not shown."""

import datetime

import pytest

from assessments.models import ImprovementPlan
from assessments.services.plans import plan_action_save, plan_reopen, plan_sign_off, plan_target_save
from reports.models import BoardReport, CountFigure
from reports.selectors import assessments_with_stale_reports, score_fingerprint
from reports.services import report_request
from tests.reports.conftest import pdf_text, squashed

pytestmark = pytest.mark.django_db

LATER = datetime.date.today() + datetime.timedelta(days=300)


def ready_report(assessment, team, capture):
    with capture(execute=True):
        report = report_request(assessment=assessment, actor=team["lead"])
    report.refresh_from_db()
    assert report.status == BoardReport.Status.READY, report.error
    return report


def test_signing_off_the_plan_puts_it_in_the_next_board_report(scored, team, django_capture_on_commit_callbacks):
    target = plan_target_save(
        assessment=scored, domain_key="strategy", target_level=5, target_date=LATER, version=None, actor=team["lead"]
    )
    plan_action_save(
        target=target, description="Board development session", owner=team["lead"], due_date=LATER,
        status="done", version=None, actor=team["lead"],
    )  # fmt: skip
    first = ready_report(scored, team, django_capture_on_commit_callbacks)
    assert "Improvement plan" not in pdf_text(first)  # a draft plan is the team's, not the board's
    draft_fingerprint = score_fingerprint(scored.score)

    with django_capture_on_commit_callbacks(execute=True):
        plan_sign_off(plan=ImprovementPlan.objects.get(), version=None, actor=team["approver"])

    assert score_fingerprint(scored.score) != draft_fingerprint
    # The sign-off's hook queued (and, on commit here, rendered) the next version.
    newest = BoardReport.objects.filter(assessment=scored).latest("pk")
    assert newest.pk != first.pk and newest.status == BoardReport.Status.READY, newest.error
    text = squashed(pdf_text(newest))
    assert squashed("Improvement plan") in text
    assert squashed("Digital strategy (Well led)") in text and squashed("Level 3Level 5") in text
    assert squashed(f"{LATER.day} {LATER:%B %Y}") in text and squashed("1 of 1") in text
    assert squashed("Awaiting result") in text
    assert assessments_with_stale_reports([scored.pk]) == []
    # The same hook queued the cycle's figures refresh, which counts the signed-off plan's target.
    targets = CountFigure.objects.get(figure_set__cycle=scored.cycle, topic=CountFigure.Topic.TARGETS)
    assert targets.counts["plans"] == 1 and targets.counts["domains"][0]["levels"]["5"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        plan_reopen(plan=ImprovementPlan.objects.get(), actor=team["lead"])
    assert score_fingerprint(scored.score) == draft_fingerprint


def test_closing_the_staff_pulse_makes_the_next_board_report_show_its_figures(
    scored, team, django_capture_on_commit_callbacks
):
    from assessments.models import PulseResponse
    from assessments.services.pulse import pulse_close, pulse_open
    from tests.assessments.test_pulse import answers

    without = ready_report(scored, team, django_capture_on_commit_callbacks)
    no_pulse = score_fingerprint(scored.score)
    with django_capture_on_commit_callbacks(execute=True):
        pulse = pulse_open(assessment=scored, actor=team["lead"])
    opened = BoardReport.objects.filter(assessment=scored).latest("pk")
    assert opened.pk != without.pk and opened.status == BoardReport.Status.READY, opened.error
    assert "What staff say" in pdf_text(opened) and score_fingerprint(scored.score) != no_pulse
    # Staff answering an open pulse does not make a new report at every answer...
    PulseResponse.objects.bulk_create(
        PulseResponse(pulse=pulse, answers=answers("agree"), answered_on="2026-01-05") for _ in range(12)
    )
    assert assessments_with_stale_reports([scored.pk]) == []
    # ...closing it does, and the new report holds the figures of everyone who answered.
    with django_capture_on_commit_callbacks(execute=True):
        pulse_close(pulse=pulse, actor=team["lead"])
    closed = BoardReport.objects.filter(assessment=scored).latest("pk")
    assert closed.pk != opened.pk and closed.status == BoardReport.Status.READY, closed.error
    assert squashed("(10 answers)") in squashed(pdf_text(closed)) and "100%" in pdf_text(closed)  # counts rounded
    assert assessments_with_stale_reports([scored.pk]) == []
    # Answers arriving after the close (none can: the pulse refuses them) would change the fingerprint.
    before = score_fingerprint(scored.score)
    PulseResponse.objects.create(pulse=pulse, answers=answers("disagree"), answered_on="2026-01-06")
    assert score_fingerprint(scored.score) != before and assessments_with_stale_reports([scored.pk]) == [scored.pk]
