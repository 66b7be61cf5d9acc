"""Validation flags on the pages: check your answers, the overview, the review page, and resolving
a flag with a comment kept in the audit trail."""

import pytest
from django.urls import reverse
from markupsafe import escape

from assessments.models import Assessment, AuditEvent, ValidationFlag
from assessments.flag_inputs import draft_flags
from assessments.services.flags import flag_resolve
from tests.assessments.conftest import complete_everything
from tests.assessments.flagging import answer_submit_and_flag, resolved, set_level, stored, submit_and_flag, url

pytestmark = pytest.mark.django_db


def test_check_answers_page_shows_draft_flags_with_links(client, carried_draft, team):
    complete_everything(carried_draft, team["lead"], level=1)
    set_level(carried_draft, "strategy", 4, team["lead"])
    client.force_login(team["lead"])

    page = client.get(url("check", carried_draft)).content.decode()

    assert "Check these before you submit" in page
    assert str(escape(draft_flags(carried_draft)[0].explanation)) in page
    assert "reviewers expect evidence" in page.lower()
    assert f'href="{url("domain", carried_draft, "strategy")}"' in page
    assert "Go to Digital strategy" in page


def test_check_answers_page_of_a_clean_draft_has_no_warning(client, carried_draft, team):
    complete_everything(carried_draft, team["lead"], level=2)  # one level up from last year, no evidence needed
    client.force_login(team["lead"])

    page = client.get(url("check", carried_draft)).content.decode()

    assert page.count("Check these before you submit") == 0
    assert "draft-flags" not in page


@pytest.mark.parametrize("who", ["viewer", "lead", "reviewer", "board", "analyst"])
def test_overview_shows_stored_flags_to_everyone_who_can_see_it(client, flagged, team, who):
    client.force_login(team[who])
    page = client.get(url("overview", flagged)).content.decode()
    flag = ValidationFlag.objects.filter(assessment=flagged).select_related("domain").first()
    assert "Validation flags" in page
    assert "High level without evidence: " + flag.domain.name in page
    assert str(escape(flag.explanation)) in page
    assert "Not resolved" in page
    can_resolve = who in ("reviewer", "analyst")
    assert (url("flag-resolve", flagged, flag.pk) in page) is can_resolve


def test_overview_of_a_clean_submission_says_no_flags(client, assessment, team):
    complete_everything(assessment, team["lead"], level=2)
    submit_and_flag(assessment, team["lead"], team["approver"])
    client.force_login(team["viewer"])

    page = client.get(url("overview", assessment)).content.decode()

    assert "No validation flags were raised for this assessment." in page
    assert "Not resolved" not in page


def test_overview_of_a_draft_shows_no_flag_section(client, assessment, team):
    complete_everything(assessment, team["lead"], level=3)
    client.force_login(team["lead"])
    assert "Validation flags" not in client.get(url("overview", assessment)).content.decode()


def test_review_page_shows_flags_with_resolve_links(client, flagged, team):
    client.force_login(team["reviewer"])
    page = client.get(url("review", flagged)).content.decode()
    for flag in stored(flagged):
        assert str(escape(flag.explanation)) in page
        assert url("flag-resolve", flagged, flag.pk) in page


def test_a_resolved_flag_shows_who_resolved_it_and_why(client, flagged, team):
    flag = stored(flagged)[0]
    flag_resolve(flag_id=flag.pk, actor=team["reviewer"], comment="Evidence seen at the ICS meeting.")
    client.force_login(team["viewer"])
    page = client.get(url("overview", flagged)).content.decode()
    assert f"Resolved by {team['reviewer']}" in page and "Evidence seen at the ICS meeting." in page


@pytest.mark.parametrize("who", ["reviewer", "analyst"])
def test_reviewer_and_analyst_resolve_a_flag_with_an_audit_event(client, flagged, team, who):
    flag = stored(flagged)[0]
    client.force_login(team[who])

    form = client.get(url("flag-resolve", flagged, flag.pk))
    assert form.status_code == 200 and str(escape(flag.explanation)) in form.content.decode()
    answer = client.post(url("flag-resolve", flagged, flag.pk), {"comment": "  Checked with the CIO.  "})

    assert answer.status_code == 302 and answer["Location"] == url("overview", flagged) + "#flags"
    flag.refresh_from_db()
    assert flag.resolved_by == team[who] and flag.resolved_at is not None
    assert flag.resolution_comment == "Checked with the CIO."
    event = AuditEvent.objects.get(assessment=flagged, kind=AuditEvent.Kind.FLAG_RESOLVED)
    assert event.actor == team[who] and event.comment == "Checked with the CIO." and event.domain == flag.domain
    assert "High level without evidence" in event.summary and flag.domain.name in event.summary


def test_a_comment_is_required(client, flagged, team):
    flag = stored(flagged)[0]
    client.force_login(team["reviewer"])

    answer = client.post(url("flag-resolve", flagged, flag.pk), {"comment": "   "})

    assert answer.status_code == 400 and "Enter why this flag is resolved" in answer.content.decode()
    assert not resolved(flag) and not AuditEvent.objects.filter(kind=AuditEvent.Kind.FLAG_RESOLVED).exists()


def test_a_resolved_flag_cannot_be_resolved_again(client, flagged, team):
    flag = stored(flagged)[0]
    flag_resolve(flag_id=flag.pk, actor=team["reviewer"], comment="First")
    client.force_login(team["analyst"])

    answer = client.post(url("flag-resolve", flagged, flag.pk), {"comment": "Second"})

    assert answer.status_code == 400 and "already been resolved" in answer.content.decode()
    flag.refresh_from_db()
    assert flag.resolution_comment == "First" and flag.resolved_by == team["reviewer"]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.FLAG_RESOLVED).count() == 1


@pytest.mark.parametrize(
    "who, status",
    [
        ("lead", 403),
        ("contributor", 403),
        ("approver", 403),
        ("viewer", 403),
        ("board", 403),
        ("framework_admin", 403),
        ("other_reviewer", 404),
        ("other_lead", 404),
        ("same_ics_lead", 404),
        ("nobody", 404),
    ],
)
def test_refusals_change_nothing(client, flagged, team, who, status):
    flag = stored(flagged)[0]
    client.force_login(team[who])

    assert client.get(url("flag-resolve", flagged, flag.pk)).status_code == status
    assert client.post(url("flag-resolve", flagged, flag.pk), {"comment": "Fine"}).status_code == status

    assert not resolved(flag) and not AuditEvent.objects.filter(kind=AuditEvent.Kind.FLAG_RESOLVED).exists()


def test_anonymous_people_are_sent_to_sign_in(client, flagged):
    flag = stored(flagged)[0]
    answer = client.post(url("flag-resolve", flagged, flag.pk), {"comment": "Fine"})
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))
    assert not resolved(flag)


def test_a_flag_of_another_assessment_is_not_found(client, flagged, team, world, person):
    trust_c = Assessment.objects.get(cycle=flagged.cycle, organisation=world.trust_c)
    answer_submit_and_flag(world.trust_c, flagged.cycle, person, level=3)
    other_flag = stored(trust_c)[0]
    client.force_login(team["reviewer"])  # may resolve both, but not through the wrong address

    assert client.post(url("flag-resolve", flagged, other_flag.pk), {"comment": "Fine"}).status_code == 404
    assert client.get(url("flag-resolve", flagged, 999999)).status_code == 404
    assert not resolved(other_flag)


def test_resolving_from_the_review_page_returns_to_the_review(client, flagged, team):
    """A reviewer working through the flags on the review page stays on it (it used to send
    them to the overview, away from the decision they were making)."""
    flag = stored(flagged)[0]
    client.force_login(team["reviewer"])
    review = client.get(url("review", flagged)).content.decode()
    resolve_href = url("flag-resolve", flagged, flag.pk) + "?from=review"
    assert f'href="{resolve_href}"' in review

    form = client.get(resolve_href).content.decode()
    assert f'href="{url("review", flagged)}#flags"' in form  # the back link
    answer = client.post(resolve_href, {"comment": "Checked the board paper."})

    assert answer.status_code == 302 and answer["Location"] == url("review", flagged) + "#flags"
    flag.refresh_from_db()
    assert flag.is_resolved


def test_an_analyst_who_cannot_review_returns_to_the_overview_even_from_the_review_link(client, flagged, team):
    flag = stored(flagged)[0]
    client.force_login(team["analyst"])
    answer = client.post(url("flag-resolve", flagged, flag.pk) + "?from=review", {"comment": "Checked."})
    assert answer["Location"] == url("overview", flagged) + "#flags"


# Nobody clears the flags on their own organisation's answers.


def test_a_reviewer_with_a_role_at_the_trust_cannot_resolve_its_flags(client, flagged, conflicted):
    flag = stored(flagged)[0]
    client.force_login(conflicted["reviewer_at_trust"])

    assert client.post(url("flag-resolve", flagged, flag.pk), {"comment": "Fine"}).status_code == 403
    assert url("flag-resolve", flagged, flag.pk) not in client.get(url("overview", flagged)).content.decode()
    assert not resolved(flag)


@pytest.mark.parametrize(("who", "may"), [("reviewer", False), ("icb_staff_reviewer", False), ("analyst", True)])
def test_an_icbs_flags_are_resolved_nationally(client, cycle, world, person, team, conflicted, who, may):
    icb = answer_submit_and_flag(world.icb_1, cycle, person, level=3)
    flag = stored(icb)[0]
    client.force_login({**team, **conflicted}[who])

    answer = client.post(url("flag-resolve", icb, flag.pk), {"comment": "Checked with the ICB."})

    assert answer.status_code == (302 if may else 403)
    assert resolved(flag) is may
