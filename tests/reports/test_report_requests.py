"""When a new version of a board report may be asked for: not while one is on its way, not when
the latest already shows the current figures, and not more than a few times an hour a person."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.models import Assessment, ValidationFlag
from assessments.rules.dates import long_datetime
from assessments.services.flags import flag_resolve
from assessments.services.scoring import assessment_score
from reports.models import BoardReport
from reports.services import REQUESTS_PER_PERSON, report_request
from tests.reports.conftest import lower_one_domain

pytestmark = pytest.mark.django_db


def request_url(assessment):
    return f"/reports/{assessment.cycle.slug}/{assessment.organisation.ods_code}/request/"


def ask(client, user, assessment, capture):
    """Press "Create a new version" and follow to the status page; the page's text."""
    client.force_login(user)
    with capture(execute=True):
        response = client.post(request_url(assessment), follow=True)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("status", [BoardReport.Status.QUEUED, BoardReport.Status.RENDERING])
def test_no_new_version_while_one_is_being_produced(status, client, scored, team, django_capture_on_commit_callbacks):
    # Queued and not yet taken by the broker, or claimed by a worker just now.
    claimed = timezone.now() if status == BoardReport.Status.RENDERING else None
    BoardReport.objects.create(assessment=scored, requested_by=team["viewer"], status=status, started_at=claimed)

    page = ask(client, team["lead"], scored, django_capture_on_commit_callbacks)

    assert "A new version of this report is already being produced" in page
    assert BoardReport.objects.count() == 1


def test_a_report_pending_for_long_was_lost_and_does_not_stop_a_new_one(
    scored, team, django_capture_on_commit_callbacks
):
    """A render lost with its message or worker (or a restarted development server) would
    otherwise refuse every new version; the sweep queues it again too."""
    lost = timezone.now() - datetime.timedelta(minutes=20)
    BoardReport.objects.create(
        assessment=scored, requested_by=team["viewer"], status="rendering", requested_at=lost, queued_at=lost
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(assessment=scored, actor=team["lead"])
    report.refresh_from_db()
    assert report.status == BoardReport.Status.READY


def test_no_new_version_when_the_latest_shows_the_current_scores(
    client, scored, team, django_capture_on_commit_callbacks
):
    page = ask(client, team["lead"], scored, django_capture_on_commit_callbacks)
    assert "Your board report has been requested" in page
    assert BoardReport.objects.get().status == BoardReport.Status.READY

    page = ask(client, team["viewer"], scored, django_capture_on_commit_callbacks)

    assert "The latest version already shows the current scores: download it below." in page
    assert BoardReport.objects.count() == 1


def test_a_rescore_makes_its_own_version_and_then_that_one_is_the_latest(
    scored, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report_request(assessment=scored, actor=team["lead"])
    lower_one_domain(scored)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_score(assessment_id=scored.pk)  # new figures: the hook makes a new version
    assert BoardReport.objects.filter(status=BoardReport.Status.READY).count() == 2

    with pytest.raises(ValidationError, match="already shows the current scores"):
        report_request(assessment=scored, actor=team["lead"])


def test_a_new_version_once_something_is_recorded_on_the_assessment(scored, team, django_capture_on_commit_callbacks):
    """Validation, publication or a resolved flag change what the report says, not the scores."""
    with django_capture_on_commit_callbacks(execute=True):
        first = report_request(assessment=scored, actor=team["lead"])
    flag = ValidationFlag.objects.filter(assessment=scored).first()
    flag_resolve(flag_id=flag.pk, actor=team["reviewer"], comment="Evidence seen at the ICS digital board.")

    with django_capture_on_commit_callbacks(execute=True):
        second = report_request(assessment=scored, actor=team["lead"])

    second.refresh_from_db()
    assert second.pk != first.pk and second.status == BoardReport.Status.READY


def test_a_failed_latest_version_does_not_stop_a_new_one(scored, team, django_capture_on_commit_callbacks):
    BoardReport.objects.create(assessment=scored, requested_by=team["lead"], status=BoardReport.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(assessment=scored, actor=team["lead"])
    report.refresh_from_db()
    assert report.status == BoardReport.Status.READY


def test_a_person_may_ask_for_five_reports_an_hour(client, scored, team, django_capture_on_commit_callbacks):
    now = timezone.now()
    BoardReport.objects.create(  # over an hour ago: no longer counted
        assessment=scored, requested_by=team["lead"], status="failed", requested_at=now - datetime.timedelta(hours=2)
    )
    earlier = [now - datetime.timedelta(minutes=minutes) for minutes in (50, 40, 30, 20, 10)]
    assert len(earlier) == REQUESTS_PER_PERSON
    elsewhere = Assessment.objects.exclude(pk=scored.pk).first()
    for index, when in enumerate(earlier):  # across assessments; failed, so that nothing else refuses
        where = scored if index % 2 else elsewhere
        BoardReport.objects.create(assessment=where, requested_by=team["lead"], status="failed", requested_at=when)

    page = ask(client, team["lead"], scored, django_capture_on_commit_callbacks)

    again = long_datetime(earlier[0] + datetime.timedelta(hours=1))
    assert "You have asked for 5 board reports in the last hour, the most anyone can." in page
    assert f"You can ask for another from {again}." in page
    assert BoardReport.objects.count() == 6

    page = ask(client, team["approver"], scored, django_capture_on_commit_callbacks)  # someone else may
    assert "Your board report has been requested" in page
    assert BoardReport.objects.count() == 7
