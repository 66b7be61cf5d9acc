"""Every page of the yearly assessment, for every kind of user, on trust A's open draft.

Outsiders (another trust, another ICS, no role) get a plain 404, exactly as for an assessment
that does not exist; insiders who may look but not act get a 403; refused changes change nothing.
An ICS board viewer sees submitted results only: to them a draft is a plain 404 too.
"""

import pytest
from django.urls import reverse

from assessments.models import Assessment, AuditEvent, DomainResponse, Evidence

pytestmark = pytest.mark.django_db

INSIDERS = {"lead", "contributor", "approver", "viewer", "reviewer", "analyst", "framework_admin"}
OUTSIDERS = {"board", "other_lead", "other_reviewer", "same_ics_lead", "nobody"}
ACTORS = ["anonymous", *sorted(INSIDERS), *sorted(OUTSIDERS)]

# page -> who gets 200 among the insiders (the rest of the insiders get 403)
GET_PAGES = {
    "overview": INSIDERS,
    "domain": INSIDERS,
    "check": INSIDERS,
    "changes": INSIDERS,
    "history": {"lead", "reviewer", "analyst", "framework_admin"},
    "assign": {"lead"},
    "sign-off": set(),  # a draft cannot be signed off by anyone
    "review": set(),  # nor reviewed
    "extension": {"analyst"},
}


def url(name, assessment, **extra):
    args = [assessment.cycle.slug, assessment.organisation.ods_code]
    if name in {"domain", "evidence-add"}:
        args.append(extra.get("domain_key", "strategy"))
    return reverse(f"assessments:{name}", args=args)


def sign_in(client, team, actor):
    if actor != "anonymous":
        client.force_login(team[actor])


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("page", list(GET_PAGES))
def test_get_pages(client, assessment, team, actor, page):
    sign_in(client, team, actor)
    response = client.get(url(page, assessment))
    if actor == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    elif actor in OUTSIDERS:
        assert response.status_code == 404
    else:
        assert response.status_code == (200 if actor in GET_PAGES[page] else 403)


@pytest.mark.parametrize("actor", ACTORS)
def test_publish_page_is_for_national_analysts(client, assessment, team, actor):
    sign_in(client, team, actor)
    response = client.get(reverse("assessments:publish", args=[assessment.cycle.slug]))
    expected = {"anonymous": 302, "analyst": 200}.get(actor, 403)
    assert response.status_code == expected


@pytest.mark.parametrize("actor", ACTORS)
def test_assessment_list_shows_only_visible_organisations(client, assessment, team, actor, world):
    sign_in(client, team, actor)
    response = client.get(reverse("assessments:list"))
    if actor == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert (world.trust_a.name in response.content.decode()) == (actor in INSIDERS)


def test_board_viewer_sees_the_assessment_once_submitted(client, assessment, team, world):
    client.force_login(team["board"])
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.READY)
    assert client.get(url("overview", assessment)).status_code == 404
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    assert client.get(url("overview", assessment)).status_code == 200
    assert world.trust_a.name in client.get(reverse("assessments:list")).content.decode()


def state(assessment):
    strategy = assessment.responses.get(domain__key="strategy")
    return (
        Assessment.objects.get(pk=assessment.pk).status,
        strategy.version,
        strategy.notes,
        strategy.assignee_id,
        Evidence.objects.count(),
        AuditEvent.objects.exclude(kind="cycle_opened").count(),
    )


POSTS = {
    "domain": {"met_criteria": ["c1a", "c1b"], "notes": "Changed", "complete": "yes", "version": "0"},
    "evidence-add": {"url": "https://example.nhs.uk/paper", "title": "Paper"},
    "ready": {},
    "reopen": {},
    "sign-off": {"name": "A", "role": "Chair", "minute_reference": "B1"},
    "review": {"decision": "return", "comment": "No"},
    "extension": {"reason": "Because"},
    "confirm-carried-forward": {},
}
# who may make each change on a fresh draft (everyone else is refused and nothing changes)
MAY_POST = {
    "domain": {"lead"},
    "evidence-add": {"lead"},
    "ready": set(),  # nobody: the draft is incomplete
    "reopen": set(),
    "sign-off": set(),
    "review": set(),
    "extension": set(),  # the analyst may, but this form lacks a date: still nothing changes
    "confirm-carried-forward": set(),
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("page", list(POSTS))
def test_refused_changes_change_nothing(client, assessment, team, actor, page):
    sign_in(client, team, actor)
    before = state(assessment)
    response = client.post(url(page, assessment), POSTS[page])
    if actor in MAY_POST[page]:
        assert state(assessment) != before
        return
    assert response.status_code in {302, 400, 403, 404, 409}
    if actor == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    if actor in OUTSIDERS:
        assert response.status_code == 404
    assert state(assessment) == before


def test_an_evidence_file_of_another_organisation_is_not_found(client, assessment, team, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.services.evidence import evidence_add_file
    from tests.factories import minimal_pdf_bytes

    strategy = assessment.responses.get(domain__key="strategy")
    evidence = evidence_add_file(
        response_id=strategy.pk, upload=SimpleUploadedFile("p.pdf", minimal_pdf_bytes()), title="", actor=team["lead"]
    )
    download = reverse("assessments:evidence-download", args=[assessment.cycle.slug, "T-NOPE", evidence.pk])
    client.force_login(team["other_lead"])
    other = Assessment.objects.get(cycle=assessment.cycle, organisation=world.trust_b)
    for path in (
        reverse("assessments:evidence-download", args=[assessment.cycle.slug, world.trust_a.ods_code, evidence.pk]),
        reverse("assessments:evidence-download", args=[other.cycle.slug, world.trust_b.ods_code, evidence.pk]),
        download,
    ):
        assert client.get(path).status_code == 404
    response = client.post(
        reverse("assessments:evidence-remove", args=[other.cycle.slug, world.trust_b.ods_code, evidence.pk])
    )
    assert response.status_code == 404
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    client.force_login(team["viewer"])
    ok = client.get(
        reverse("assessments:evidence-download", args=[assessment.cycle.slug, world.trust_a.ods_code, evidence.pk])
    )
    assert ok.status_code == 200


def test_a_domain_of_another_assessment_cannot_be_saved_through_this_one(client, assessment, team, world):
    other = Assessment.objects.get(cycle=assessment.cycle, organisation=world.trust_b)
    other_strategy = other.responses.get(domain__key="strategy")
    client.force_login(team["lead"])
    client.post(
        reverse("assessments:domain", args=[assessment.cycle.slug, world.trust_b.ods_code, "strategy"]),
        {"met_criteria": ["c1a"], "notes": "x", "complete": "yes", "version": "0"},
    )
    other_strategy.refresh_from_db()
    assert other_strategy.version == 0
    assert (
        client.get(
            reverse("assessments:domain", args=[assessment.cycle.slug, world.trust_a.ods_code, "no_such_domain"])
        ).status_code
        == 404
    )
    assert DomainResponse.objects.filter(assessment=assessment, version__gt=0).count() == 0


# Review: nobody validates or returns their own organisation's assessment. A trust's is reviewed
# by its ICS's reviewers (unless they hold a role at the trust); an ICB's own by national analysts.

REVIEW_ACTORS = [*ACTORS, "reviewer_at_trust", "icb_staff_reviewer"]
MAY_REVIEW = {"trust": {"reviewer", "icb_staff_reviewer"}, "icb": {"analyst"}}
# who sees each assessment at all (the others get 404, as for one that does not exist)
SEES = {
    "trust": INSIDERS | {"board", "reviewer_at_trust", "icb_staff_reviewer"},  # submitted: board viewers see it
    "icb": {"reviewer", "board", "analyst", "framework_admin", "reviewer_at_trust", "icb_staff_reviewer"},
}


@pytest.mark.parametrize("actor", REVIEW_ACTORS)
@pytest.mark.parametrize("kind", ["trust", "icb"])
def test_who_may_review_a_submitted_assessment(client, assessment, icb_assessment, team, conflicted, actor, kind):
    target = assessment if kind == "trust" else icb_assessment
    Assessment.objects.filter(pk=target.pk).update(status=Assessment.Status.SUBMITTED)
    people = {**team, **conflicted}
    sign_in(client, people, actor)
    events = target.events.count()

    page = client.get(url("review", target))
    decision = client.post(url("review", target), {"decision": "validate", "comment": "Checked."})

    status = Assessment.objects.get(pk=target.pk).status
    if actor == "anonymous":
        assert page.status_code == decision.status_code == 302
    elif actor in MAY_REVIEW[kind]:
        assert page.status_code == 200
        assert decision.status_code == 302 and status == Assessment.Status.VALIDATED
        return
    else:
        assert page.status_code == decision.status_code == (403 if actor in SEES[kind] else 404)
    assert status == Assessment.Status.SUBMITTED
    assert target.events.count() == events


# Flag evidence: the pattern flags, and the other organisations' names, notes and files behind
# them, are for the assessment's independent reviewers; nobody at the organisation resolves any flag.

EVIDENCE_ACTORS = [*sorted(INSIDERS | OUTSIDERS), "reviewer_at_trust", "icb_staff_reviewer"]
MAY_SEE_EVIDENCE = {"trust": {"reviewer", "analyst", "icb_staff_reviewer"}, "icb": {"analyst"}}


@pytest.mark.parametrize("actor", EVIDENCE_ACTORS)
@pytest.mark.parametrize("kind", ["trust", "icb"])
def test_who_may_see_the_evidence_behind_flags(assessment, icb_assessment, team, conflicted, actor, kind):
    from assessments.access import AssessmentAction
    from organisations.access import may

    target = assessment if kind == "trust" else icb_assessment
    user = {**team, **conflicted}[actor]
    assert may(user, AssessmentAction.VIEW_FLAG_EVIDENCE, target) is (actor in MAY_SEE_EVIDENCE[kind])
    # Anywhere at all (the triage list): any ICS reviewer, and national analysts.
    anywhere = actor in {"reviewer", "other_reviewer", "analyst", "reviewer_at_trust", "icb_staff_reviewer"}
    assert may(user, AssessmentAction.VIEW_FLAG_EVIDENCE) is anywhere


@pytest.mark.parametrize("actor", EVIDENCE_ACTORS)
def test_the_flag_evidence_filter_agrees_with_the_rule_for_every_organisation(world, cycle, team, conflicted, actor):
    """Lists (selectors.flags_visible_to) filter with flag_evidence_organisations_q, single pages ask
    `may`: the two must say the same of every organisation, or a list would show what a page refuses."""
    from assessments.access import AssessmentAction, flag_evidence_organisations_q
    from organisations.access import may
    from organisations.models import Organisation

    user = {**team, **conflicted}[actor]
    allowed = set(Organisation.objects.filter(flag_evidence_organisations_q(user)).values_list("pk", flat=True))
    for assessment in Assessment.objects.filter(cycle=cycle).select_related("organisation"):
        expected = may(user, AssessmentAction.VIEW_FLAG_EVIDENCE, assessment)
        assert (assessment.organisation_id in allowed) is expected, (actor, assessment.organisation)


@pytest.mark.parametrize("actor", ["lead", "approver", "contributor", "viewer", "reviewer_at_trust"])
def test_nobody_at_the_organisation_resolves_its_own_pattern_flag(client, flagged, team, conflicted, world, actor):
    """Through the page (a pattern flag is not there for them at all) and through the service."""
    from django.core.exceptions import PermissionDenied

    from assessments.models import ValidationFlag
    from assessments.services.flags import flag_resolve
    from tests.assessments import pattern_flags

    flag = pattern_flags.copied_notes(flagged, world.trust_b)
    user = {**team, **conflicted}[actor]
    client.force_login(user)
    page = reverse("assessments:flag-detail", args=[flagged.cycle.slug, flagged.organisation.ods_code, flag.pk])

    assert client.get(page).status_code == 404
    assert client.post(page, {"comment": "Our own note, honestly."}).status_code == 404
    with pytest.raises(PermissionDenied):
        flag_resolve(flag_id=flag.pk, actor=user, comment="Our own note, honestly.")

    flag = ValidationFlag.objects.get(pk=flag.pk)
    assert not flag.is_resolved and flag.resolution_comment == ""
    assert not AuditEvent.objects.filter(assessment=flagged, kind=AuditEvent.Kind.FLAG_RESOLVED).exists()
