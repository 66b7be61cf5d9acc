"""The daily reminders, with the clock moved through a cycle one day at a time (and the sweep run
twice a day, as a second beat or a retry would): exactly who is reminded of what, on which days,
once; nobody who turned reminders off; and every e-mail on the person's notifications page."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, AuditEvent, DomainResponse, Notification
from assessments.rules.reminders import deadline_milestone, waiting_reminder_due
from assessments.services.reminders import SUBJECTS, reminders_send
from assessments.services.responses import responses_assign
from assessments.services.workflow import (
    IncompleteAssessment,
    assessment_mark_ready,
    assessment_return,
    assessment_sign_off_and_submit,
)
from organisations.services import user_set_reminders
from tests.assessments.conftest import complete_everything
from tests.reports.conftest import submit

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
REMINDER_SUBJECTS = {subject: kind for kind, subject in SUBJECTS.items()}


def run_days(capture, days: range, start: datetime.date = TODAY) -> list[tuple[int, str, str]]:
    """(day, recipient, kind) of every reminder sent, running the sweep twice each day."""
    sent = []
    for day in days:
        for _ in range(2):
            mail.outbox.clear()
            with capture(execute=True):
                reminders_send(today=start + datetime.timedelta(days=day))
            sent.extend(
                (day, message.to[0], REMINDER_SUBJECTS[message.subject])
                for message in mail.outbox
                if message.subject in REMINDER_SUBJECTS
            )
    return sent


def entered_status_on(assessment: Assessment, day: datetime.date) -> None:
    """Backdate the assessment's latest move, as if it had happened on `day` (the trail is
    append-only through the portal; a test may rewrite its own history)."""
    latest = AuditEvent.objects.filter(assessment=assessment, kind=AuditEvent.Kind.TRANSITION).latest("created_at")
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    AuditEvent.objects.filter(pk=latest.pk).update(created_at=moment)


def test_the_rules():
    deadline = TODAY + datetime.timedelta(days=30)
    assert [deadline_milestone(deadline, TODAY + datetime.timedelta(days=d)) for d in (0, 2, 15, 16, 27, 30, 31)] == [
        None,
        28,
        28,
        14,
        3,
        3,
        None,
    ]
    since = TODAY
    assert not waiting_reminder_due(since, since + datetime.timedelta(days=2), None)
    assert waiting_reminder_due(since, since + datetime.timedelta(days=3), None)
    assert not waiting_reminder_due(since, since + datetime.timedelta(days=9), since + datetime.timedelta(days=3))
    assert waiting_reminder_due(since, since + datetime.timedelta(days=10), since + datetime.timedelta(days=3))


def test_deadline_reminders_go_at_four_weeks_two_weeks_and_three_days(
    cycle, assessment, team, person, world, django_capture_on_commit_callbacks
):
    type(cycle).objects.filter(pk=cycle.pk).update(closes_on=TODAY + datetime.timedelta(days=30))
    responses = list(assessment.responses.order_by("pk"))
    quiet = person("contributor", world.trust_a)
    user_set_reminders(user=quiet, wants_reminders=False)
    responses_assign(
        assessment=assessment,
        domain_ids=[r.pk for r in responses[:2]],
        assignee=team["contributor"],
        actor=team["lead"],
    )
    responses_assign(assessment=assessment, domain_ids=[responses[2].pk], assignee=quiet, actor=team["lead"])
    # Trust A's ICB and the other trusts' assessments are open too: their leads hear of theirs.
    leads = {team["lead"].email, team["other_lead"].email, team["same_ics_lead"].email}

    sent = run_days(django_capture_on_commit_callbacks, range(0, 33))

    expected = {
        (day, email, Notification.Kind.DEADLINE) for day in (2, 16, 27) for email in {team["contributor"].email, *leads}
    }
    assert set(sent) == expected
    assert len(sent) == len(expected)  # once each, though the sweep ran twice a day
    assert quiet.email not in {email for _, email, _ in sent}
    lead_mail = Notification.objects.filter(recipient=team["lead"], kind=Notification.Kind.DEADLINE).first()
    assert f"{len(responses) - 3} domains not assigned to anyone" in lead_mail.body
    contributor_mail = Notification.objects.filter(recipient=team["contributor"]).first()
    assert "2 domains assigned to you" in contributor_mail.body and "(3 days left)" in contributor_mail.body


def test_finished_domains_are_not_reminded(cycle, assessment, team, django_capture_on_commit_callbacks):
    type(cycle).objects.filter(pk=cycle.pk).update(closes_on=TODAY + datetime.timedelta(days=28))
    complete_everything(assessment, team["lead"])
    sent = run_days(django_capture_on_commit_callbacks, range(0, 1))
    assert team["lead"].email not in {email for _, email, _ in sent}


def test_waiting_work_is_reminded_after_three_days_then_weekly(
    cycle, assessment, team, django_capture_on_commit_callbacks
):
    # Far from the deadline, so only waiting reminders are in play.
    type(cycle).objects.filter(pk=cycle.pk).update(closes_on=TODAY + datetime.timedelta(days=200))
    complete_everything(assessment, team["lead"])
    assessment_mark_ready(assessment=assessment, actor=team["lead"])
    entered_status_on(assessment, TODAY)

    waiting_sign_off = run_days(django_capture_on_commit_callbacks, range(0, 18))
    assert waiting_sign_off == [
        (3, team["approver"].email, Notification.Kind.SIGN_OFF_WAITING),
        (10, team["approver"].email, Notification.Kind.SIGN_OFF_WAITING),
        (17, team["approver"].email, Notification.Kind.SIGN_OFF_WAITING),
    ]

    # Signed off 20 days in: now the ICS reviewer is waited on (its scoring is not the point here).
    with django_capture_on_commit_callbacks(execute=False):
        assessment_sign_off_and_submit(
            assessment=assessment,
            actor=team["approver"],
            meeting_date=TODAY,
            name="Grace Okafor",
            role="Chair",
            minute_reference="TB/1",
        )
    start = TODAY + datetime.timedelta(days=20)
    entered_status_on(assessment, start)
    waiting_review = run_days(django_capture_on_commit_callbacks, range(0, 11), start=start)
    assert waiting_review == [
        (3, team["reviewer"].email, Notification.Kind.REVIEW_WAITING),
        (10, team["reviewer"].email, Notification.Kind.REVIEW_WAITING),
    ]

    # Returned: the lead is waited on.
    assessment.refresh_from_db()
    assessment_return(assessment=assessment, actor=team["reviewer"], comment="Add evidence for the strategy")
    start = TODAY + datetime.timedelta(days=40)
    entered_status_on(assessment, start)
    waiting_changes = run_days(django_capture_on_commit_callbacks, range(0, 4), start=start)
    assert waiting_changes == [(3, team["lead"].email, Notification.Kind.RETURNED_WAITING)]


def test_every_email_is_on_the_notifications_page_and_reminders_can_be_turned_off(
    client, cycle, assessment, team, django_capture_on_commit_callbacks
):
    complete_everything(assessment, team["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        submit(assessment, team)  # tells the approver it is ready, the reviewer it is submitted
    client.force_login(team["approver"])
    page = client.get(reverse("notifications")).content.decode()
    assert "ready for board sign-off" in page

    response = client.post(reverse("notifications"), {"wants_reminders": "no"})
    assert response.status_code == 302
    team["approver"].refresh_from_db()
    assert team["approver"].wants_reminders is False
    bad = client.post(reverse("notifications"), {"wants_reminders": "maybe"})
    assert bad.status_code == 400 and "Choose whether to get reminders" in bad.content.decode()

    client.force_login(team["other_lead"])
    assert "ready for board sign-off" not in client.get(reverse("notifications")).content.decode()


def test_a_messages_record_commits_with_its_change_only(assessment, team):
    """A refused change sends nothing and records nothing."""
    before = Notification.objects.count()
    with pytest.raises(IncompleteAssessment):
        assessment_mark_ready(assessment=assessment, actor=team["lead"])  # domains unfinished
    assert Notification.objects.count() == before
    assert DomainResponse.objects.filter(assessment=assessment, status="completed").count() == 0


def _submitted_elsewhere(cycle, count: int) -> None:
    """`count` trusts, each in an ICS of its own with a reviewer, submitted four days ago."""
    from tests.factories import OrganisationFactory, SystemFactory, UserFactory, grant

    moment = timezone.now() - datetime.timedelta(days=4)
    for _ in range(count):
        organisation = OrganisationFactory(ics=SystemFactory())
        grant(UserFactory(), "ics_reviewer", organisation.ics)
        assessment = Assessment.objects.create(cycle=cycle, organisation=organisation, status="submitted")
        AuditEvent.objects.create(assessment=assessment, kind=AuditEvent.Kind.TRANSITION, summary="Submitted")
        AuditEvent.objects.filter(assessment=assessment).update(created_at=moment)


def test_the_sweep_reads_reviewers_in_the_same_queries_however_many_submissions_wait(
    cycle, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    type(cycle).objects.filter(pk=cycle.pk).update(closes_on=TODAY + datetime.timedelta(days=200))
    counts = []
    for more in (2, 6):
        _submitted_elsewhere(cycle, more)
        Notification.objects.all().delete()
        with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as queries:
            sent = reminders_send(today=TODAY)
        reads = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
        # The candidates are whole role rows with their people (each recipient's own grants are
        # a narrower read of theirs, once a person).
        candidates = [q for q in reads if '"organisations_roleassignment"."granted_at"' in q]
        counts.append((sent[Notification.Kind.REVIEW_WAITING], len(candidates)))
    (first_sent, first_reads), (then_sent, then_reads) = counts
    assert (first_sent, then_sent) == (2, 8)  # every reviewer reminded, once
    assert 0 < then_reads == first_reads
