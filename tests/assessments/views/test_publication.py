"""Publishing a cycle: provisional release with its review window, queries, the announced date,
the pre-release access list, publication by the beat task at the announced time (the tests move
the clock), and who may see and do what, through the pages and the real services."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, AuditEvent, Cycle, CycleEvent, PreReleaseAccess, ProvisionalQuery
from assessments.services import publication
from assessments.tasks import publish_due_cycles_task
from tests.assessments.views.test_workflow import assert_error_linked, date_data, flash, next_weekday

pytestmark = pytest.mark.django_db

Status = Assessment.Status


def url(name: str, cycle: Cycle, *args) -> str:
    return reverse(f"assessments:{name}", args=[cycle.slug, *args])


def results_url(assessment: Assessment) -> str:
    return reverse("assessments:results", args=[assessment.cycle.slug, assessment.organisation.ods_code])


def window(days: int = 14, start: datetime.date | None = None) -> dict[str, str]:
    opens = start or timezone.localdate()
    return {**date_data("opens_on", opens), **date_data("closes_on", opens + datetime.timedelta(days=days))}


def release(cycle: Cycle, analyst, days: int = 14) -> int:
    today = timezone.localdate()
    return publication.cycle_release_provisionally(
        cycle=cycle, actor=analyst, opens_on=today, closes_on=today + datetime.timedelta(days=days)
    )


def announce(cycle: Cycle, analyst, days_ahead: int = 35) -> datetime.datetime:
    day = next_weekday(timezone.localdate() + datetime.timedelta(days=days_ahead))
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))
    publication.cycle_announce_publication(cycle=cycle, actor=analyst, publication_at=at)
    return at


@pytest.fixture
def validated(cycle, world):
    """Two validated assessments (trusts A and B) and one still submitted (trust C)."""
    Assessment.objects.filter(cycle=cycle, organisation__in=[world.trust_a, world.trust_b]).update(
        status=Status.VALIDATED
    )
    Assessment.objects.filter(cycle=cycle, organisation=world.trust_c).update(status=Status.SUBMITTED)
    return Assessment.objects.filter(cycle=cycle, status=Status.VALIDATED)


# The provisional release.


def test_the_analyst_releases_the_validated_results_for_a_review_window(client, cycle, validated, team):
    client.force_login(team["analyst"])
    page = client.get(url("publish-provisional", cycle)).content.decode()
    assert "2 assessments have been validated" in page
    response = client.post(url("publish-provisional", cycle), {**window(), "expected": "2", "confirm": "yes"})
    assert response.status_code == 302
    assert "2 assessments released provisionally for review" in flash(response)
    cycle.refresh_from_db()
    assert cycle.release == Cycle.Release.PROVISIONAL
    assert cycle.review_closes_on == timezone.localdate() + datetime.timedelta(days=14)
    assert Assessment.objects.filter(cycle=cycle, status=Status.PROVISIONAL).count() == 2
    assert Assessment.objects.filter(cycle=cycle, status=Status.SUBMITTED).count() == 1
    event = CycleEvent.objects.get(cycle=cycle)
    assert event.kind == CycleEvent.Kind.PROVISIONAL_RELEASE and event.actor == team["analyst"]
    assert event.after["released"] == 2
    overview = client.get(url("publish", cycle)).content.decode()
    assert "2 assessments released provisionally" in overview and "(open now)" in overview


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"expected": "2", "confirm": "yes"}, "id_opens_on", "Enter the date the review window opens"),
        (
            {**window(start=timezone.localdate() - datetime.timedelta(days=1)), "expected": "2", "confirm": "yes"},
            "id_opens_on",
            "The review window must open today or later",
        ),
        ({**window(), "expected": "2"}, "id_confirm", "Confirm that you have checked what will be released"),
        ({**window(), "expected": "1", "confirm": "yes"}, "id_confirm", "has changed to 2 since you checked"),
    ],
)
def test_a_bad_release_names_the_field_and_releases_nothing(client, cycle, validated, team, data, field, message):
    client.force_login(team["analyst"])
    response = client.post(url("publish-provisional", cycle), data)
    assert response.status_code == 400
    assert_error_linked(response.content.decode(), field, message)
    assert Cycle.objects.get(pk=cycle.pk).release == Cycle.Release.UNPUBLISHED
    assert not Assessment.objects.filter(cycle=cycle, status=Status.PROVISIONAL).exists()
    assert not CycleEvent.objects.exists() and not AuditEvent.objects.filter(kind=AuditEvent.Kind.TRANSITION).exists()


def test_assessments_validated_later_join_the_release_and_the_window_keeps_its_start(cycle, validated, world, team):
    assert release(cycle, team["analyst"]) == 2
    Assessment.objects.filter(cycle=cycle, organisation=world.trust_c).update(status=Status.VALIDATED)
    later = timezone.localdate() + datetime.timedelta(days=21)
    assert (
        publication.cycle_release_provisionally(
            cycle=cycle, actor=team["analyst"], opens_on=timezone.localdate(), closes_on=later, expected_count=1
        )
        == 1
    )
    cycle.refresh_from_db()
    assert cycle.review_closes_on == later
    assert Assessment.objects.filter(cycle=cycle, status=Status.PROVISIONAL).count() == 3


# The announced date and publication at it.


def test_the_date_is_announced_four_weeks_ahead_and_shown_on_the_home_page(client, cycle, validated, team):
    release(cycle, team["analyst"])
    client.force_login(team["analyst"])
    too_soon = next_weekday(timezone.localdate() + datetime.timedelta(days=20))
    response = client.post(
        url("publish-date", cycle), {**date_data("publication_date", too_soon), "publication_time": "9:30am"}
    )
    assert response.status_code == 400
    assert_error_linked(response.content.decode(), "id_publication_date", "at least 4 weeks ahead")
    assert Cycle.objects.get(pk=cycle.pk).publication_at is None
    response = client.post(
        url("publish-date", cycle), {**date_data("publication_date", too_soon), "publication_time": "25:99"}
    )
    assert_error_linked(response.content.decode(), "id_publication_time", "Enter a real time, for example 9:30am")
    day = next_weekday(timezone.localdate() + datetime.timedelta(days=35))
    response = client.post(
        url("publish-date", cycle), {**date_data("publication_date", day), "publication_time": "9:30am"}
    )
    assert response.status_code == 302
    when = publication.publication_when(Cycle.objects.get(pk=cycle.pk))
    assert when.endswith("at 9:30am")
    # Everyone signed in sees the date, a trust lead of another ICS included.
    client.force_login(team["other_lead"])
    assert when in client.get(reverse("home")).content.decode()


def test_changing_the_date_needs_a_reason_which_is_recorded(client, cycle, validated, team):
    release(cycle, team["analyst"])
    first = announce(cycle, team["analyst"])
    client.force_login(team["analyst"])
    later = next_weekday(first.date() + datetime.timedelta(days=7))
    response = client.post(
        url("publish-date", cycle), {**date_data("publication_date", later), "publication_time": "9:30am"}
    )
    assert_error_linked(response.content.decode(), "id_reason", "Say why the publication date is changing")
    assert Cycle.objects.get(pk=cycle.pk).publication_at == first
    response = client.post(
        url("publish-date", cycle),
        {
            **date_data("publication_date", later),
            "publication_time": "9:30am",
            "reason": "Clashes with the NHS Oversight Framework",
        },
    )
    assert response.status_code == 302
    moved = CycleEvent.objects.get(cycle=cycle, kind=CycleEvent.Kind.RESCHEDULED)
    assert moved.comment == "Clashes with the NHS Oversight Framework" and moved.actor == team["analyst"]
    assert "Clashes with the NHS Oversight Framework" in client.get(url("publish", cycle)).content.decode()


def test_the_date_cannot_be_announced_before_the_provisional_release(cycle, validated, team):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Release the results provisionally"):
        announce(cycle, team["analyst"])


def test_the_beat_task_publishes_at_the_announced_time_and_not_before(
    cycle, validated, team, django_capture_on_commit_callbacks
):
    release(cycle, team["analyst"])
    at = announce(cycle, team["analyst"])
    published = []
    publication.on_published("test", published.append)
    try:
        assert publication.cycles_publish_due(now=at - datetime.timedelta(seconds=1)) == []
        assert Cycle.objects.get(pk=cycle.pk).release == Cycle.Release.PROVISIONAL
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert publication.cycles_publish_due(now=at + datetime.timedelta(seconds=30)) == [cycle.name]
        # Run again (the next beat): nothing more happens.
        with django_capture_on_commit_callbacks(execute=True):
            assert publication.cycles_publish_due(now=at + datetime.timedelta(minutes=1)) == []
    finally:
        publication.published.listeners.pop("test")
    cycle.refresh_from_db()
    assert cycle.release == Cycle.Release.FINAL and cycle.published_at == at + datetime.timedelta(seconds=30)
    assert Assessment.objects.filter(cycle=cycle, status=Status.PUBLISHED).count() == 2
    assert Assessment.objects.filter(cycle=cycle, status=Status.SUBMITTED).count() == 1  # never released
    assert published == [cycle.pk]
    assert CycleEvent.objects.filter(cycle=cycle, kind=CycleEvent.Kind.PUBLISHED, actor=None).count() == 1
    assert len(mail.outbox) == 2


def test_the_beat_task_is_scheduled_and_publishes_what_is_due(settings, cycle, validated, team):
    assert settings.CELERY_BEAT_SCHEDULE["publish-due-cycles"]["task"] == "assessments.publish_due_cycles"
    release(cycle, team["analyst"])
    at = announce(cycle, team["analyst"])
    Cycle.objects.filter(pk=cycle.pk).update(publication_at=at - datetime.timedelta(days=60))  # the clock moved on
    assert publish_due_cycles_task.apply().get() == [cycle.name]
    assert Cycle.objects.get(pk=cycle.pk).release == Cycle.Release.FINAL


# What organisations see, and their queries.


@pytest.fixture
def released(cycle, validated, team, scored_everything):
    release(cycle, team["analyst"])
    return Assessment.objects.get(
        cycle=cycle, organisation__ods_code=team["lead"].role_assignments.get().organisation.ods_code
    )


@pytest.fixture
def scored_everything(cycle, validated, team):
    """Give trust A's validated assessment real scores through the scoring service."""
    from assessments.services.scoring import assessment_score
    from tests.assessments.conftest import complete_everything

    mine = validated.get(organisation=team["lead"].role_assignments.get().organisation)
    Assessment.objects.filter(pk=mine.pk).update(status=Status.DRAFT)
    complete_everything(mine, team["lead"], level=3)
    Assessment.objects.filter(pk=mine.pk).update(status=Status.VALIDATED, submitted_at=timezone.now())
    assessment_score(assessment_id=mine.pk)
    return mine


def test_the_lead_sees_exactly_the_figures_to_be_published_and_raises_a_query(
    client, released, team, django_capture_on_commit_callbacks
):
    from assessments.selectors import published_figures

    client.force_login(team["lead"])
    page = client.get(results_url(released)).content.decode()
    assert "Provisional results" in page and "Not yet published" in page
    figures = published_figures(released)
    assert figures is not None and figures.measures
    for measure in figures.measures:
        assert f"<strong>{measure.value}</strong>" in page
        for domain in measure.domains:
            assert re.search(
                rf"{re.escape(domain.name)}\s*</td>\s*<td[^>]*>\s*Domain level\s*</td>"
                rf"\s*<td[^>]*>\s*{domain.level}\s*<",
                page,
            )
    domain = figures.measures[0].domains[0]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(results_url(released), {"domain_key": domain.key, "text": "Our EPR went live in May"})
    assert response.status_code == 302
    query = ProvisionalQuery.objects.get()
    assert (query.status, query.raised_by, query.domain_key) == ("open", team["lead"], domain.key)
    assert mail.outbox[-1].to == [team["analyst"].email]
    assert "Our EPR went live in May" in client.get(results_url(released)).content.decode()


def test_an_empty_or_unknown_query_is_refused_and_saves_nothing(client, released, team):
    client.force_login(team["lead"])
    response = client.post(results_url(released), {"domain_key": "", "text": "  "})
    assert response.status_code == 400
    assert_error_linked(response.content.decode(), "id_text", "Enter your query")
    response = client.post(results_url(released), {"domain_key": "not-a-domain", "text": "Why?"})
    assert_error_linked(response.content.decode(), "id_domain_key", "Choose a domain of this assessment, or none")
    assert not ProvisionalQuery.objects.exists()


def test_queries_are_closed_outside_the_review_window(client, released, team, cycle):
    Cycle.objects.filter(pk=cycle.pk).update(review_closes_on=timezone.localdate() - datetime.timedelta(days=1))
    client.force_login(team["lead"])
    page = client.get(results_url(released)).content.decode()
    assert "Queries can be raised only during the review window" in page and 'name="text"' not in page
    assert client.post(results_url(released), {"text": "Late"}).status_code == 403
    assert not ProvisionalQuery.objects.exists()


def test_the_analyst_answers_or_accepts_a_query_and_the_lead_is_told(
    client, released, team, cycle, django_capture_on_commit_callbacks
):
    query = publication.query_raise(assessment=released, actor=team["lead"], text="Level 2 in EPMA is wrong")
    client.force_login(team["analyst"])
    listing = client.get(url("publish-queries", cycle)).content.decode()
    assert "Level 2 in EPMA is wrong" in listing and "1 open" in listing
    response = client.post(url("publish-query", cycle, query.pk), {"status": "accepted"})
    assert_error_linked(response.content.decode(), "id_response", "Enter your response")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("publish-query", cycle, query.pk), {"status": "accepted", "response": "Returned to correct"}
        )
    assert response.status_code == 302
    query.refresh_from_db()
    assert (query.status, query.responded_by, query.response) == ("accepted", team["analyst"], "Returned to correct")
    assert mail.outbox[-1].to == [team["lead"].email]
    assert query.history.count() == 2  # raised, then accepted: the whole history is kept
    # An answered query cannot be answered again.
    response = client.post(url("publish-query", cycle, query.pk), {"status": "answered", "response": "Again"})
    assert response.status_code == 400 and "This query was already accepted" in response.content.decode()
    client.force_login(team["lead"])
    assert "Returned to correct" in client.get(results_url(released)).content.decode()


# Pre-release access.


def test_pre_release_views_write_the_last_time_at_most_once_a_minute(cycle, validated, team, django_assert_num_queries):
    release(cycle, team["analyst"])
    publication.pre_release_access_note(user=team["analyst"], cycle=cycle, what="the national dashboard")
    first = PreReleaseAccess.objects.get().last_seen_at
    with django_assert_num_queries(2):  # the stale-row update that matches nothing, and a read
        publication.pre_release_access_note(user=team["analyst"], cycle=cycle, what="the national dashboard")
    assert PreReleaseAccess.objects.get().last_seen_at == first

    PreReleaseAccess.objects.update(last_seen_at=first - publication.PRE_RELEASE_SEEN_PRECISION)
    publication.pre_release_access_note(user=team["analyst"], cycle=cycle, what="the national dashboard")
    assert PreReleaseAccess.objects.get().last_seen_at > first


def test_pre_release_access_is_recorded_automatically_and_by_hand(client, cycle, validated, team):
    release(cycle, team["analyst"])
    publication.pre_release_access_note(user=team["analyst"], cycle=cycle, what="the national dashboard")
    publication.pre_release_access_note(user=team["analyst"], cycle=cycle, what="the national dashboard")
    entry = PreReleaseAccess.objects.get()
    assert entry.user == team["analyst"] and entry.recorded_by is None and entry.last_seen_at >= entry.first_seen_at
    client.force_login(team["analyst"])
    response = client.post(
        url("publish-pre-release", cycle), {"name": "A. Minister", "capacity": "", "reason": "Briefing"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert_error_linked(page, "id_capacity", "Enter the role and organisation")
    assert PreReleaseAccess.objects.count() == 1
    response = client.post(
        url("publish-pre-release", cycle),
        {
            "name": "A. Minister",
            "capacity": "Private office, DHSC",
            "reason": "Briefing",
            **date_data("seen_on", timezone.localdate()),
        },
    )
    assert response.status_code == 302
    page = client.get(url("publish-pre-release", cycle)).content.decode()
    assert "A. Minister" in page and "Private office, DHSC" in page and "Automatically" in page
    # After publication nothing more is recorded automatically.
    Cycle.objects.filter(pk=cycle.pk).update(release=Cycle.Release.FINAL)
    publication.pre_release_access_note(user=team["framework_admin"], cycle=Cycle.objects.get(pk=cycle.pk), what="x")
    assert PreReleaseAccess.objects.count() == 2


# Who may see and do what.

MANAGE = ["publish", "publish-provisional", "publish-date", "publish-queries", "publish-pre-release"]


@pytest.mark.parametrize("role", ["lead", "approver", "reviewer", "board", "framework_admin", "other_lead", "nobody"])
def test_only_national_analysts_manage_publication(client, cycle, validated, team, role):
    client.force_login(team[role])
    for name in MANAGE:
        assert client.get(url(name, cycle)).status_code == 403, name
    assert (
        client.post(url("publish-provisional", cycle), {**window(), "expected": "2", "confirm": "yes"}).status_code
        == 403
    )
    assert (
        client.post(url("publish-pre-release", cycle), {"name": "x", "capacity": "y", "reason": "z"}).status_code == 403
    )
    assert Cycle.objects.get(pk=cycle.pk).release == Cycle.Release.UNPUBLISHED
    assert not PreReleaseAccess.objects.exists()


def test_a_query_of_another_cycle_is_not_found(client, released, team, cycle, last_year_cycle):
    query = publication.query_raise(assessment=released, actor=team["lead"], text="Why?")
    client.force_login(team["analyst"])
    assert client.get(url("publish-query", last_year_cycle, query.pk)).status_code == 404


@pytest.mark.parametrize(
    ("role", "sees_before", "sees_queries_before", "raises"),
    [
        ("lead", True, True, True),
        ("approver", True, True, True),
        ("viewer", True, True, False),
        ("reviewer", True, True, True),
        ("board", True, True, False),
        ("analyst", True, True, False),
        ("other_lead", False, False, False),
        ("same_ics_lead", False, False, False),
        ("other_reviewer", False, False, False),
        ("nobody", False, False, False),
    ],
)
def test_provisional_results_only_for_the_organisation_its_ics_and_national_staff(
    client, released, team, cycle, role, sees_before, sees_queries_before, raises
):
    publication.query_raise(assessment=released, actor=team["lead"], text="A private question")
    client.force_login(team[role])
    response = client.get(results_url(released))
    assert response.status_code == (200 if sees_before else 404)
    if sees_before:
        page = response.content.decode()
        assert ("A private question" in page) == sees_queries_before
        assert ('name="text"' in page) == raises
    before = ProvisionalQuery.objects.count()
    response = client.post(results_url(released), {"text": "Me too"})
    assert response.status_code in ((302,) if raises else (403, 404))
    assert ProvisionalQuery.objects.count() == before + (1 if raises else 0)
    # Once published, every signed-in person sees the results, and still not the queries.
    at = announce(cycle, team["analyst"])
    publication.cycles_publish_due(now=at)
    response = client.get(results_url(released))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Published results" in page
    assert ("A private question" in page) == sees_queries_before
    assert 'name="text"' not in page


def test_results_need_signing_in(client, released):
    response = client.get(results_url(released))
    assert response.status_code == 302 and "/sign-in/" in response.url


def test_results_are_not_shown_before_the_provisional_release(client, cycle, validated, team):
    client.force_login(team["lead"])
    mine = validated.get(organisation=team["lead"].role_assignments.get().organisation)
    assert client.get(results_url(mine)).status_code == 404


def test_names_and_words_people_typed_are_escaped_on_every_publication_page(client, released, team, cycle):
    from organisations.models import Organisation

    Organisation.objects.filter(pk=released.organisation_id).update(name="Barts & <i>Health</i>")
    query = publication.query_raise(assessment=released, actor=team["lead"], text="<script>alert(1)</script>")
    publication.query_respond(query=query, actor=team["analyst"], status="answered", response="<b>No</b>")
    client.force_login(team["analyst"])
    for page in (
        client.get(url("publish-queries", cycle)).content.decode(),
        client.get(url("publish-query", cycle, query.pk)).content.decode(),
        client.get(results_url(released)).content.decode(),
    ):
        assert "<script>alert(1)</script>" not in page and "<i>Health</i>" not in page and "<b>No</b>" not in page
        assert "Barts &amp; &lt;i&gt;Health&lt;/i&gt;" in page
    listing = client.get(url("publish-queries", cycle)).content.decode()
    assert f'href="{url("publish-query", cycle, query.pk)}"' in listing
