"""The workflow pages: list, ready for sign-off, board sign-off, ICS review, history, extensions,
publication and assigning work, through the real services."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from markupsafe import escape

from assessments.access import AssessmentAction
from assessments.models import Assessment, AuditEvent, Cycle, DomainResponse
from assessments.rules.dates import long_date
from assessments.rules.sign_off import board_meeting_window_opens
from assessments.services.cycles import cycle_open
from assessments.services.evidence import evidence_add_link
from organisations.access import may
from tests import factories
from tests.assessments.conftest import complete_everything

pytestmark = pytest.mark.django_db

Status = Assessment.Status


# Helpers.


def page_url(name: str, assessment: Assessment) -> str:
    return reverse(f"assessments:{name}", args=[assessment.cycle.slug, assessment.organisation.ods_code])


def overview_url(assessment: Assessment) -> str:
    return page_url("overview", assessment)


def fresh(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_related("cycle", "organisation").get(pk=assessment.pk)


def set_status(assessment: Assessment, status: str) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(status=status)


def transitions(assessment: Assessment) -> list[str]:
    return [e.after["status"] for e in assessment.events.filter(kind=AuditEvent.Kind.TRANSITION).order_by("pk")]


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def sign_off_data(meeting_date: datetime.date | None = None, **overrides) -> dict:
    date = meeting_date or timezone.localdate() - datetime.timedelta(days=3)
    data = {
        "name": "Jo Chair",
        "role": "Chair of the board",
        "meeting_date_day": str(date.day),
        "meeting_date_month": str(date.month),
        "meeting_date_year": str(date.year),
        "minute_reference": "BM/25/117",
        "declaration": "yes",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def first_response(assessment: Assessment) -> DomainResponse:
    return DomainResponse.objects.select_related("assessment__cycle", "assessment__organisation").filter(
        assessment=assessment
    )[0]


def assert_error_linked(page: str, field_id: str, message: str) -> None:
    assert "There is a problem" in page
    assert f'href="#{field_id}"' in page
    assert str(escape(message)) in page
    assert f'id="{field_id}"' in page  # the summary's link lands on a real element
    assert page.count("<title>Error: ") == 1


def date_data(name: str, day: datetime.date) -> dict[str, str]:
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month), f"{name}_year": str(day.year)}


def next_weekday(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


# The whole journey.


def test_happy_path_from_ready_to_published(client, assessment, team, django_capture_on_commit_callbacks):
    lead, approver, reviewer, analyst = team["lead"], team["approver"], team["reviewer"], team["analyst"]
    approver.job_title = "Director of Finance"
    approver.save()
    complete_everything(assessment, lead)
    cloud = assessment.responses.get(domain__key="cloud")
    evidence_add_link(response_id=cloud.pk, url="https://example.nhs.uk/cloud.pdf", title="Cloud plan", actor=lead)

    # The lead marks it ready; the approver is e-mailed.
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url("ready", assessment))
    assert response.status_code == 302 and response.url == overview_url(assessment)
    assert "Assessment marked as ready for board sign-off" in flash(response)
    assert fresh(assessment).status == Status.READY
    assert mail.outbox[-1].to == [approver.email]

    # The approver sees the sign-off form, prefilled, with a summary of the assessment.
    client.force_login(approver)
    page = client.get(page_url("sign-off", assessment)).content.decode()
    assert f'value="{approver.get_full_name()}"' in page
    assert 'value="Director of Finance"' in page
    assert "Ensure smart foundations" in page
    assert re.search(r"Domains completed.*?(\d+) of \1", page, re.S)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url("sign-off", assessment), sign_off_data())
    assert response.status_code == 302 and response.url == page_url("submitted", assessment)
    submitted = fresh(assessment)
    assert submitted.status == Status.SUBMITTED
    assert submitted.board_minute_reference == "BM/25/117" and submitted.signed_off_by == approver
    assert sorted(mail.outbox[-1].to) == sorted([reviewer.email, lead.email])

    page = client.get(page_url("submitted", assessment)).content.decode()
    assert "nhsuk-panel" in page and "Assessment submitted" in page
    assert "<p>Trust A’s 2025/26 digital maturity assessment was submitted on" in page
    assert "What happens next" in page

    # The ICS reviewer returns it with a comment; the lead and approver are e-mailed.
    client.force_login(reviewer)
    review_page = client.get(page_url("review", assessment)).content.decode()
    assert re.search(r"Cloud hosting\s*</td>\s*<td[^>]*>\s*Level 2\s*</td>\s*<td[^>]*>\s*1\s*</td>", review_page)
    assert re.search(r"Networks\s*</td>\s*<td[^>]*>\s*Level 2\s*</td>\s*<td[^>]*>\s*0\s*</td>", review_page)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page_url("review", assessment), {"decision": "return", "comment": "Add evidence for networks"}
        )
    assert response.status_code == 302 and response.url == overview_url(assessment)
    assert fresh(assessment).status == Status.RETURNED
    assert sorted(mail.outbox[-1].to) == sorted([lead.email, approver.email])
    assert assessment.events.filter(comment="Add evidence for networks").exists()

    # The lead can change answers again, and marks it ready once more.
    assert may(lead, AssessmentAction.EDIT_RESPONSE, first_response(assessment))
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(page_url("ready", assessment)).status_code == 302
    assert fresh(assessment).status == Status.READY

    client.force_login(approver)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(page_url("sign-off", assessment), sign_off_data()).status_code == 302
    assert fresh(assessment).status == Status.SUBMITTED
    assert not may(lead, AssessmentAction.EDIT_RESPONSE, first_response(assessment))

    # The reviewer validates it.
    client.force_login(reviewer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url("review", assessment), {"decision": "validate", "comment": ""})
    assert response.status_code == 302
    assert "Assessment validated" in flash(response)
    assert fresh(assessment).status == Status.VALIDATED
    assert sorted(mail.outbox[-1].to) == sorted([lead.email, approver.email])

    # The analyst releases it provisionally for review, announces the date, and the beat task
    # publishes at that time; the lead is e-mailed each time.
    client.force_login(analyst)
    cycle = assessment.cycle
    today = timezone.localdate()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assessments:publish-provisional", args=[cycle.slug]),
            {**date_data("opens_on", today), **date_data("closes_on", today + datetime.timedelta(days=14)),
             "expected": "1", "confirm": "yes"},
        )  # fmt: skip
    assert response.status_code == 302 and response.url == reverse("assessments:publish", args=[cycle.slug])
    assert "1 assessment released provisionally for review" in flash(response)
    assert fresh(assessment).status == Status.PROVISIONAL
    assert Cycle.objects.get(pk=assessment.cycle_id).release == Cycle.Release.PROVISIONAL
    assert mail.outbox[-1].to == [lead.email]
    day = next_weekday(today + datetime.timedelta(days=35))
    response = client.post(reverse("assessments:publish-date", args=[cycle.slug]), {
        **date_data("publication_date", day), "publication_time": "9:30am"})  # fmt: skip
    assert response.status_code == 302
    due = Cycle.objects.get(pk=cycle.pk).publication_at
    assert timezone.localtime(due).date() == day and timezone.localtime(due).time() == datetime.time(9, 30)
    from assessments.services.publication import cycles_publish_due

    assert cycles_publish_due(now=due - datetime.timedelta(minutes=1)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert cycles_publish_due(now=due) == [cycle.name]
    assert fresh(assessment).status == Status.PUBLISHED
    assert Cycle.objects.get(pk=assessment.cycle_id).release == Cycle.Release.FINAL
    assert mail.outbox[-1].to == [lead.email]

    assert transitions(assessment) == [
        Status.READY, Status.SUBMITTED, Status.RETURNED, Status.READY, Status.SUBMITTED,
        Status.VALIDATED, Status.PROVISIONAL, Status.PUBLISHED,
    ]  # fmt: skip
    actors = [e.actor for e in assessment.events.filter(kind=AuditEvent.Kind.TRANSITION).order_by("pk")]
    assert actors == [lead, approver, reviewer, lead, approver, reviewer, analyst, None]

    # A published assessment still has its confirmation page.
    client.force_login(lead)
    assert client.get(page_url("submitted", assessment)).status_code == 200


def test_lead_can_reopen_an_assessment_marked_ready(client, assessment, team):
    complete_everything(assessment, team["lead"])
    set_status(assessment, Status.READY)
    client.force_login(team["lead"])
    response = client.post(page_url("reopen", assessment))
    assert response.status_code == 302 and response.url == overview_url(assessment)
    assert fresh(assessment).status == Status.DRAFT
    assert flash(response)


# Refusals.


def test_mark_ready_is_refused_while_domains_are_incomplete(client, assessment, team):
    client.force_login(team["lead"])
    response = client.post(page_url("ready", assessment))
    assert response.status_code == 400
    page = response.content.decode()
    for name in ("Digital strategy", "Cloud hosting", "Networks", "Remote monitoring"):
        assert name in page
    assert fresh(assessment).status == Status.DRAFT
    assert transitions(assessment) == []


WRONG_ROLE = [
    # (page, method, role, status the assessment is in)
    ("ready", "post", "contributor", Status.DRAFT),
    ("ready", "post", "approver", Status.DRAFT),
    ("ready", "post", "viewer", Status.DRAFT),
    ("ready", "post", "reviewer", Status.DRAFT),
    ("ready", "post", "analyst", Status.DRAFT),
    ("reopen", "post", "contributor", Status.READY),
    ("reopen", "post", "approver", Status.READY),
    ("sign-off", "get", "lead", Status.READY),
    ("sign-off", "post", "lead", Status.READY),
    ("sign-off", "post", "reviewer", Status.READY),
    ("sign-off", "post", "approver", Status.DRAFT),
    ("review", "get", "approver", Status.SUBMITTED),
    ("review", "post", "approver", Status.SUBMITTED),
    ("review", "post", "board", Status.SUBMITTED),
    ("review", "post", "lead", Status.SUBMITTED),
    ("review", "get", "analyst", Status.SUBMITTED),  # a trust's assessment is its ICS's to review
    ("review", "post", "analyst", Status.SUBMITTED),
    ("review", "get", "reviewer_at_trust", Status.SUBMITTED),  # nobody reviews their own organisation
    ("review", "post", "reviewer_at_trust", Status.SUBMITTED),
    ("review", "post", "reviewer", Status.READY),
    ("extension", "post", "reviewer", Status.DRAFT),
    ("extension", "get", "lead", Status.DRAFT),
    ("extension", "post", "analyst", Status.SUBMITTED),
    ("assign", "get", "contributor", Status.DRAFT),
    ("assign", "post", "contributor", Status.DRAFT),
    ("assign", "post", "approver", Status.DRAFT),
    ("assign", "post", "lead", Status.SUBMITTED),
    ("history", "get", "contributor", Status.DRAFT),
    ("history", "get", "viewer", Status.DRAFT),
    ("history", "get", "approver", Status.DRAFT),
    ("history", "get", "board", Status.SUBMITTED),  # a draft is a 404 to a board viewer (test_access.py)
]

POSTS = {
    "sign-off": sign_off_data(),
    "review": {"decision": "validate", "comment": ""},
    "extension": {"until_day": "1", "until_month": "1", "until_year": "2099", "reason": "Cyber incident"},
}


@pytest.mark.parametrize(("name", "method", "role", "status"), WRONG_ROLE)
def test_people_who_see_the_assessment_but_may_not_act_get_403_and_nothing_changes(
    client, assessment, team, conflicted, name, method, role, status
):
    complete_everything(assessment, team["lead"])
    set_status(assessment, status)
    events = assessment.events.count()
    client.force_login({**team, **conflicted}[role])
    response = getattr(client, method)(page_url(name, assessment), POSTS.get(name, {}))
    assert response.status_code == 403
    after = fresh(assessment)
    assert after.status == status
    assert after.extension_until is None
    assert assessment.events.count() == events
    assert not DomainResponse.objects.filter(assessment=assessment, assignee__isnull=False).exists()


OUTSIDERS = ["other_lead", "same_ics_lead", "other_reviewer", "nobody"]
PAGES = [
    ("ready", "post"),
    ("reopen", "post"),
    ("sign-off", "get"),
    ("sign-off", "post"),
    ("submitted", "get"),
    ("review", "get"),
    ("review", "post"),
    ("history", "get"),
    ("extension", "post"),
    ("assign", "get"),
    ("assign", "post"),
]


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize(("name", "method"), PAGES)
def test_people_of_another_organisation_or_ics_get_404_and_nothing_changes(
    client, assessment, team, role, name, method
):
    set_status(assessment, Status.SUBMITTED if name in ("review", "submitted") else Status.READY)
    before = fresh(assessment).status
    events = assessment.events.count()
    client.force_login(team[role])
    response = getattr(client, method)(page_url(name, assessment), POSTS.get(name, {}))
    assert response.status_code == 404
    assert fresh(assessment).status == before
    assert assessment.events.count() == events


def test_anonymous_visitors_are_sent_to_sign_in(client, assessment):
    response = client.post(page_url("ready", assessment))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert fresh(assessment).status == Status.DRAFT


@pytest.mark.parametrize("name", ["ready", "reopen"])
def test_get_on_post_only_pages_is_405(client, assessment, team, name):
    complete_everything(assessment, team["lead"])
    client.force_login(team["lead"])
    assert client.get(page_url(name, assessment)).status_code == 405
    assert fresh(assessment).status == Status.DRAFT


def test_unknown_cycle_or_organisation_is_404(client, assessment, team):
    client.force_login(team["analyst"])
    assert client.get(reverse("assessments:publish", args=["2030-31"])).status_code == 404
    assert client.get(reverse("assessments:sign-off", args=["2030-31", "T00"])).status_code == 404


# Board sign-off input.


def _tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


BAD_SIGN_OFF = [
    (
        sign_off_data(meeting_date=_tomorrow()),
        "id_meeting_date",
        "The date of the board meeting must be today or in the past",
    ),
    (
        sign_off_data(meeting_date_day="31", meeting_date_month="2", meeting_date_year="2025"),
        "id_meeting_date",
        "The date of the board meeting must be a real date",
    ),
    (
        sign_off_data(meeting_date_month=""),
        "id_meeting_date",
        "The date of the board meeting must include a month",
    ),
    (
        sign_off_data(meeting_date_day="", meeting_date_month="", meeting_date_year=""),
        "id_meeting_date",
        "Enter the date of the board meeting",
    ),
    (sign_off_data(minute_reference=""), "id_minute_reference", "Enter the board minute reference"),
    (sign_off_data(declaration=None), "id_declaration", "Confirm that the board has approved this assessment"),
    (sign_off_data(name="  "), "id_name", "Enter the name of the person who signed off for the board"),
    (sign_off_data(role=""), "id_role", "Enter their role"),
]


@pytest.mark.parametrize(("data", "field_id", "message"), BAD_SIGN_OFF)
def test_bad_sign_off_shows_errors_linked_to_fields_and_changes_nothing(
    client, assessment, team, data, field_id, message
):
    complete_everything(assessment, team["lead"])
    set_status(assessment, Status.READY)
    client.force_login(team["approver"])
    response = client.post(page_url("sign-off", assessment), data)
    assert response.status_code == 400
    assert_error_linked(response.content.decode(), field_id, message)
    after = fresh(assessment)
    assert after.status == Status.READY
    assert after.submitted_at is None and after.board_minute_reference == ""
    assert transitions(assessment) == []


def test_a_board_meeting_long_before_the_cycle_is_refused_on_the_page(client, assessment, team):
    """1 January 1900 once reached a board report's cover."""
    complete_everything(assessment, team["lead"])
    set_status(assessment, Status.READY)
    client.force_login(team["approver"])
    response = client.post(page_url("sign-off", assessment), sign_off_data(meeting_date=datetime.date(1900, 1, 1)))
    assert response.status_code == 400
    earliest = board_meeting_window_opens(assessment.cycle.opens_on)
    assert_error_linked(
        response.content.decode(),
        "id_meeting_date",
        f"The date of the board meeting must be on or after {long_date(earliest)}",
    )
    after = fresh(assessment)
    assert after.status == Status.READY and after.board_meeting_date is None and after.submitted_at is None
    assert transitions(assessment) == []


def test_what_was_typed_is_kept_after_a_sign_off_error(client, assessment, team):
    complete_everything(assessment, team["lead"])
    set_status(assessment, Status.READY)
    client.force_login(team["approver"])
    data = sign_off_data(meeting_date_day="31", meeting_date_month="2", meeting_date_year="2025", declaration=None)
    page = client.post(page_url("sign-off", assessment), data).content.decode()
    assert 'value="31"' in page and 'value="2025"' in page
    assert 'value="BM/25/117"' in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_sign_off_sent_again_after_submission_shows_where_the_assessment_is(
    client, assessment, team, method, django_capture_on_commit_callbacks
):
    """Back to the sign-off form after submitting, then Continue: the approver is told it is
    already submitted and shown the confirmation, not a bare 403; nothing changes."""
    complete_everything(assessment, team["lead"])
    set_status(assessment, Status.READY)
    client.force_login(team["approver"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(page_url("sign-off", assessment), sign_off_data()).status_code == 302
    before = fresh(assessment)
    events = assessment.events.count()

    again = getattr(client, method)(page_url("sign-off", assessment), sign_off_data(minute_reference="OTHER"))

    assert again.status_code == 302 and again.url == page_url("submitted", assessment)
    page = client.get(again.url).content.decode()
    assert "This assessment was already signed off and submitted on" in page
    after = fresh(assessment)
    assert (after.status, after.board_minute_reference, after.submitted_at) == (
        before.status,
        before.board_minute_reference,
        before.submitted_at,
    )
    assert assessment.events.count() == events


def test_submitted_page_redirects_to_the_overview_before_submission(client, assessment, team):
    client.force_login(team["lead"])
    response = client.get(page_url("submitted", assessment))
    assert response.status_code == 302 and response.url == overview_url(assessment)


# ICS review.


@pytest.mark.parametrize("role", ["reviewer", "icb_staff_reviewer", "board"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_ics_cannot_review_its_own_icbs_assessment(client, icb_assessment, team, conflicted, role, method):
    """The ICS's reviewers are the ICB's staff: its system assessment is reviewed nationally."""
    set_status(icb_assessment, Status.SUBMITTED)
    events = icb_assessment.events.count()
    client.force_login({**team, **conflicted}[role])

    response = getattr(client, method)(page_url("review", icb_assessment), POSTS["review"])

    assert response.status_code == 403
    assert fresh(icb_assessment).status == Status.SUBMITTED
    assert icb_assessment.events.count() == events


def test_a_national_analyst_reviews_an_icbs_own_assessment(
    client, icb_assessment, team, django_capture_on_commit_callbacks
):
    set_status(icb_assessment, Status.SUBMITTED)
    client.force_login(team["analyst"])

    overview = client.get(overview_url(icb_assessment)).content.decode()
    assert f'href="{page_url("review", icb_assessment)}"' in overview
    page = client.get(page_url("review", icb_assessment))
    assert page.status_code == 200 and "Review the assessment" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url("review", icb_assessment), {"decision": "validate", "comment": ""})

    assert response.status_code == 302 and response.url == overview_url(icb_assessment)
    assert fresh(icb_assessment).status == Status.VALIDATED
    event = icb_assessment.events.filter(kind=AuditEvent.Kind.TRANSITION).latest("pk")
    assert event.actor == team["analyst"] and event.summary == "Validated by national staff"


def test_return_without_a_comment_is_refused(client, assessment, team):
    complete_everything(assessment, team["lead"])
    set_status(assessment, Status.SUBMITTED)
    client.force_login(team["reviewer"])
    response = client.post(page_url("review", assessment), {"decision": "return", "comment": "   "})
    assert response.status_code == 400
    assert_error_linked(response.content.decode(), "id_comment", "Enter what the organisation needs to change")
    assert fresh(assessment).status == Status.SUBMITTED
    assert transitions(assessment) == []


def test_a_decision_is_required(client, assessment, team):
    set_status(assessment, Status.SUBMITTED)
    client.force_login(team["reviewer"])
    response = client.post(page_url("review", assessment), {"comment": "Looks fine"})
    assert response.status_code == 400
    assert_error_linked(
        response.content.decode(), "id_decision", "Select whether to validate the assessment or return it"
    )
    assert fresh(assessment).status == Status.SUBMITTED


# History.


@pytest.mark.parametrize("role", ["lead", "reviewer", "analyst", "framework_admin"])
def test_history_is_shown_to_leads_reviewers_and_national_staff(client, assessment, team, role):
    complete_everything(assessment, team["lead"])
    client.force_login(team[role])
    response = client.get(page_url("history", assessment))
    assert response.status_code == 200


def test_history_describes_changes_newest_first_in_london_time(client, assessment, team):
    complete_everything(assessment, team["lead"])
    set_status(assessment, Status.SUBMITTED)
    client.force_login(team["reviewer"])
    client.post(page_url("review", assessment), {"decision": "return", "comment": "Please add evidence"})
    opened = assessment.events.get(kind=AuditEvent.Kind.CYCLE_OPENED)
    AuditEvent.objects.filter(pk=opened.pk).update(created_at=datetime.datetime(2025, 7, 1, 12, 5, tzinfo=datetime.UTC))

    client.force_login(team["lead"])
    page = client.get(page_url("history", assessment)).content.decode()

    assert page.index("Returned for changes by the ICS reviewer") < page.index("Cloud hosting: level 0")
    assert page.index("Cloud hosting: level 0") < page.index("assessment opened")
    assert "1 July 2025 at 13:05" in page  # 12:05 UTC is 13:05 in London in summer
    assert str(team["reviewer"]) in page and str(team["lead"]) in page
    assert "Please add evidence" in page
    assert "Status: Submitted to Returned for changes" in page
    assert "Criteria: 4 added, 0 removed" in page
    assert "Level: 0 to 2" in page
    assert "Notes changed: yes" in page
    assert "Status: Not started to Completed" in page
    assert "Domain: Cloud hosting" in page
    # The trail offers no edit or delete (the dialog after it is the session's stay-signed-in form).
    assert 'method="post"' not in page.split("<dialog", 1)[0]


def test_history_is_paginated_at_50(client, assessment, team):
    for number in range(60):
        AuditEvent.objects.create(assessment=assessment, kind=AuditEvent.Kind.ANSWER_SAVED, summary=f"Event {number}")
    client.force_login(team["lead"])
    first = client.get(page_url("history", assessment)).content.decode()
    assert "Event 59" in first and "Event 10" in first and "Event 9<" not in first
    assert "nhsuk-pagination" in first and "page=2" in first
    second = client.get(page_url("history", assessment) + "?page=2").content.decode()
    assert "Event 9<" in second and "assessment opened" in second and "Event 59" not in second


def test_history_page_queries_do_not_grow_with_events(client, assessment, team):
    client.force_login(team["lead"])
    client.get(page_url("history", assessment))
    with CaptureQueriesContext(connection) as few:
        client.get(page_url("history", assessment))
    complete_everything(assessment, team["lead"])
    with CaptureQueriesContext(connection) as many:
        client.get(page_url("history", assessment))
    assert len(many) == len(few)


# Extensions.


def test_analyst_grants_an_extension_that_reopens_a_past_closing_draft(client, assessment, team):
    today = timezone.localdate()
    Cycle.objects.filter(pk=assessment.cycle_id).update(closes_on=today - datetime.timedelta(days=1))
    lead = team["lead"]
    assert not may(lead, AssessmentAction.EDIT_RESPONSE, first_response(assessment))

    client.force_login(team["analyst"])
    until = today + datetime.timedelta(days=14)
    response = client.post(
        page_url("extension", assessment),
        {"until_day": until.day, "until_month": until.month, "until_year": until.year, "reason": "Cyber incident"},
    )

    assert response.status_code == 302 and response.url == overview_url(assessment)
    assert fresh(assessment).extension_until == until
    event = assessment.events.get(kind=AuditEvent.Kind.EXTENSION)
    assert event.actor == team["analyst"] and event.comment == "Cyber incident"
    assert may(lead, AssessmentAction.EDIT_RESPONSE, first_response(assessment))


def test_an_extension_must_end_after_the_closing_date(client, assessment, team):
    closes = assessment.cycle.closes_on
    client.force_login(team["analyst"])
    response = client.post(
        page_url("extension", assessment),
        {"until_day": closes.day, "until_month": closes.month, "until_year": closes.year, "reason": "Late board"},
    )
    assert response.status_code == 400
    assert_error_linked(response.content.decode(), "id_until", "The extension must end after the cycle's closing date")
    assert fresh(assessment).extension_until is None
    assert not assessment.events.filter(kind=AuditEvent.Kind.EXTENSION).exists()


def test_an_extension_needs_a_reason(client, assessment, team):
    until = assessment.cycle.closes_on + datetime.timedelta(days=10)
    client.force_login(team["analyst"])
    response = client.post(
        page_url("extension", assessment),
        {"until_day": until.day, "until_month": until.month, "until_year": until.year, "reason": ""},
    )
    assert response.status_code == 400
    assert_error_linked(response.content.decode(), "id_reason", "Enter the reason for the extension")
    assert fresh(assessment).extension_until is None


# The list.


def test_list_shows_what_the_user_may_see(client, assessment, team, world):
    client.force_login(team["lead"])
    page = client.get(reverse("assessments:list")).content.decode()
    assert f'<a href="{overview_url(assessment)}">Trust A</a>' in page
    assert "Trust B" not in page and "Trust C" not in page
    assert reverse("assessments:publish", args=[assessment.cycle.slug]) not in page

    client.force_login(team["reviewer"])
    page = client.get(reverse("assessments:list")).content.decode()
    assert "Trust A" in page and "Trust C" in page and "Trust B" not in page

    client.force_login(team["analyst"])
    page = client.get(reverse("assessments:list")).content.decode()
    assert "Trust A" in page and "Trust B" in page
    assert reverse("assessments:publish", args=[assessment.cycle.slug]) in page


def test_list_filters_by_status_and_cycle(client, last_year_cycle, assessment, team, world):
    set_status(assessment, Status.SUBMITTED)
    client.force_login(team["analyst"])
    page = client.get(reverse("assessments:list"), {"status": "submitted"}).content.decode()
    assert "Trust A" in page and "Trust B" not in page
    assert "1 assessment" in page

    page = client.get(reverse("assessments:list")).content.decode()
    assert "2025/26" in page and overview_url(assessment) in page

    page = client.get(reverse("assessments:list"), {"cycle": "2024-25"}).content.decode()
    assert reverse("assessments:overview", args=["2024-25", world.trust_a.ods_code]) in page
    assert overview_url(assessment) not in page


def test_list_query_count_does_not_grow_with_rows(client, cycle, assessment, team, world):
    client.force_login(team["analyst"])
    client.get(reverse("assessments:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("assessments:list"))
    for number in range(6):
        factories.OrganisationFactory(ics=world.ics_1, name=f"Extra Trust {number}")
    cycle_open(cycle=cycle)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("assessments:list")).content.decode()
    assert "Extra Trust 5" in page
    assert len(many) == len(few)


# Assigning work.


def assign_data(assessment: Assessment, **choices) -> dict:
    """Every select of the assign page, as the browser would post it unchanged."""
    data = {
        f"assignee_{r.pk}": str(r.assignee_id or "") for r in assessment.responses.select_related("domain__measure")
    }
    for key in assessment.responses.values_list("domain__measure__key", flat=True).distinct():
        data[f"measure_{key}"] = ""
    data.update({key: str(value) for key, value in choices.items()})
    return data


def test_lead_assigns_a_measure_to_a_contributor_who_is_emailed(
    client, assessment, team, django_capture_on_commit_callbacks
):
    contributor = team["contributor"]
    client.force_login(team["lead"])
    page = client.get(page_url("assign", assessment)).content.decode()
    assert re.search(r"Assign the whole measure<span[^>]*> ‘Ensure smart foundations’</span> to", page)
    assert 'name="measure_smart_foundations"' in page
    assert contributor.get_full_name() in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page_url("assign", assessment), assign_data(assessment, measure_smart_foundations=contributor.pk)
        )

    assert response.status_code == 302 and response.url == overview_url(assessment)
    assert "Assignments saved" in flash(response)
    assigned = DomainResponse.objects.filter(assessment=assessment, assignee=contributor)
    assert sorted(assigned.values_list("domain__key", flat=True)) == ["cloud", "network"]
    assert DomainResponse.objects.filter(assessment=assessment, assignee__isnull=False).count() == 2
    assert assessment.events.filter(kind=AuditEvent.Kind.ASSIGNED).count() == 2
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [contributor.email]
    assert "Cloud hosting" in mail.outbox[0].body and "Networks" in mail.outbox[0].body
    # The contributor can now edit what was assigned, and only that.
    cloud = DomainResponse.objects.select_related("assessment__cycle", "assessment__organisation").get(
        assessment=assessment, domain__key="cloud"
    )
    strategy = DomainResponse.objects.select_related("assessment__cycle", "assessment__organisation").get(
        assessment=assessment, domain__key="strategy"
    )
    assert may(contributor, AssessmentAction.EDIT_RESPONSE, cloud)
    assert not may(contributor, AssessmentAction.EDIT_RESPONSE, strategy)


def test_lead_assigns_single_domains_and_takes_them_back(client, assessment, team, django_capture_on_commit_callbacks):
    lead = team["lead"]
    strategy = assessment.responses.get(domain__key="strategy")
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url("assign", assessment), assign_data(assessment, **{f"assignee_{strategy.pk}": lead.pk}))
    assert DomainResponse.objects.get(pk=strategy.pk).assignee == lead
    assert mail.outbox == []  # nobody is e-mailed about work they gave themselves

    response = client.post(page_url("assign", assessment), assign_data(assessment, **{f"assignee_{strategy.pk}": ""}))
    assert response.status_code == 302
    assert DomainResponse.objects.get(pk=strategy.pk).assignee is None
    assert assessment.events.filter(kind=AuditEvent.Kind.ASSIGNED).count() == 2


def test_a_tampered_assignee_is_refused_and_nothing_changes(
    client, assessment, team, django_capture_on_commit_callbacks
):
    cloud = assessment.responses.get(domain__key="cloud")
    network = assessment.responses.get(domain__key="network")
    client.force_login(team["lead"])
    data = assign_data(
        assessment,
        **{f"assignee_{cloud.pk}": team["contributor"].pk, f"assignee_{network.pk}": team["other_lead"].pk},
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url("assign", assessment), data)
    assert response.status_code == 400
    assert_error_linked(
        response.content.decode(), f"id_assignee_{network.pk}", "Select a contributor or lead of this organisation"
    )
    assert not DomainResponse.objects.filter(assessment=assessment, assignee__isnull=False).exists()
    assert not assessment.events.filter(kind=AuditEvent.Kind.ASSIGNED).exists()
    assert mail.outbox == []


def test_a_domain_of_another_assessment_is_refused_and_nothing_changes(client, assessment, team, world):
    other = DomainResponse.objects.filter(assessment__organisation=world.trust_b).first()
    cloud = assessment.responses.get(domain__key="cloud")
    client.force_login(team["lead"])
    data = assign_data(
        assessment, **{f"assignee_{cloud.pk}": team["contributor"].pk, f"assignee_{other.pk}": team["contributor"].pk}
    )
    response = client.post(page_url("assign", assessment), data)
    assert response.status_code == 400
    assert "Select domains of this assessment" in response.content.decode()
    assert not DomainResponse.objects.filter(assignee__isnull=False).exists()


def test_a_refusal_for_one_person_rolls_back_the_others(client, assessment, team, monkeypatch):
    """If the service refuses the second group (say the person lost their role a moment ago),
    the first group's assignments are undone too."""
    from django.core.exceptions import ValidationError

    from assessments.services import responses as answers

    real = answers.responses_assign
    calls = []

    def refuse_second(**kwargs):
        calls.append(kwargs["assignee"])
        if len(calls) == 2:
            raise ValidationError({"assignee": "Select a contributor or lead of this organisation"})
        return real(**kwargs)

    monkeypatch.setattr(answers, "responses_assign", refuse_second)
    cloud = assessment.responses.get(domain__key="cloud")
    strategy = assessment.responses.get(domain__key="strategy")
    client.force_login(team["lead"])
    data = assign_data(
        assessment, **{f"assignee_{cloud.pk}": team["contributor"].pk, f"assignee_{strategy.pk}": team["lead"].pk}
    )
    response = client.post(page_url("assign", assessment), data)

    assert len(calls) == 2
    assert response.status_code == 400
    assert "Select a contributor or lead of this organisation" in response.content.decode()
    assert not DomainResponse.objects.filter(assessment=assessment, assignee__isnull=False).exists()
    assert not assessment.events.filter(kind=AuditEvent.Kind.ASSIGNED).exists()
