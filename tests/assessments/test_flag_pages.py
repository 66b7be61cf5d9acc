"""Validation flags through the real services and pages: drafts see answer-based warnings before
they submit, submitted assessments store flags (peer and ICB comparisons included), and the ICS
reviewer or national staff resolve them with a comment kept in the audit trail."""

import datetime

import pytest
from django.urls import reverse
from markupsafe import escape

from assessments import answers, flag_service, flags
from assessments.cycles import cycle_open
from assessments.flag_service import NotFlaggable, assessment_flags_refresh, draft_flags, flag_resolve
from assessments.models import Assessment, AuditEvent, Cycle, ValidationFlag
from assessments.scoring_service import assessment_score
from assessments.workflow import assessment_mark_ready, assessment_sign_off_and_submit
from tests import factories
from tests.assessments.conftest import complete_everything

pytestmark = pytest.mark.django_db

EXPLAINED = "We moved every clinical system to the cloud this spring; the board paper of May is attached."


# Helpers.


def url(name, assessment, *more):
    return reverse(f"assessments:{name}", args=[assessment.cycle.slug, assessment.organisation.ods_code, *more])


def set_level(assessment, domain_key, level, actor, notes=None):
    response = assessment.responses.get(domain__key=domain_key)
    keys = [c.key for c in response.domain.criteria.filter(level__number__lte=level)]
    answers.response_save(
        response_id=response.pk,
        expected_version=response.version,
        answer=answers.Answer(keys, response.notes if notes is None else notes, True),
        actor=actor,
    )


def add_evidence(assessment, domain_key, actor):
    response = assessment.responses.get(domain__key=domain_key)
    answers.evidence_add_link(response_id=response.pk, url="https://example.nhs.uk/p", title="Paper", actor=actor)


def submit(assessment, lead, approver):
    assessment_mark_ready(assessment=assessment, actor=lead)
    return assessment_sign_off_and_submit(
        assessment=assessment, actor=approver, name="Grace Okafor", role="Chair",
        meeting_date=datetime.date.today(), minute_reference="TB/1",
    )  # fmt: skip


def submit_and_flag(assessment, lead, approver):
    submitted = submit(assessment, lead, approver)
    assessment_score(assessment_id=submitted.pk)
    assessment_flags_refresh(assessment_id=submitted.pk)
    return submitted


def answer_submit_and_flag(organisation, cycle, person, level):
    """Another organisation answers every domain at `level`, submits, and is scored and flagged."""
    assessment = Assessment.objects.get(cycle=cycle, organisation=organisation)
    lead, approver = person("assessment_lead", organisation), person("approver", organisation)
    complete_everything(assessment, lead, level=level)
    return submit_and_flag(assessment, lead, approver)


def stored(assessment, kind=None):
    rows = ValidationFlag.objects.filter(assessment=assessment)
    return list(rows.filter(kind=kind) if kind else rows)


# Last year at level 1, this year carried forward.


@pytest.fixture
def last_year_level():
    return 1


@pytest.fixture
def next_year(last_year_cycle, frameworks, world, team, last_year_level):
    """Trust A answered 2024/25 at `last_year_level` (1 unless a test says otherwise) everywhere;
    2025/26 is opened and pre-filled from it."""
    from wgll.framework.models import FrameworkVersion

    last_year = Assessment.objects.get(cycle=last_year_cycle, organisation=world.trust_a)
    complete_everything(last_year, team["lead"], level=last_year_level)
    today = datetime.date.today()
    cycle = Cycle.objects.create(
        name="2025/26", framework=FrameworkVersion.objects.get(version="2025/26"),
        opens_on=today - datetime.timedelta(days=1), closes_on=today + datetime.timedelta(days=30),
    )  # fmt: skip
    cycle_open(cycle=cycle)
    return Assessment.objects.get(cycle=cycle, organisation=world.trust_a)


def test_the_stored_kinds_are_the_rules_kinds():
    assert set(ValidationFlag.Kind.values) == set(flags.KINDS)


# Draft flags on the check-your-answers page.


def test_draft_flags_find_an_unexplained_jump_and_a_high_level_without_evidence(next_year, team):
    complete_everything(next_year, team["lead"], level=1)
    set_level(next_year, "strategy", 4, team["lead"])  # notes still last year's

    found = draft_flags(next_year)

    assert [(f.kind, f.domain_key) for f in found] == [
        (flags.LEVEL_JUMP_WITHOUT_NOTE, "strategy"),
        (flags.HIGH_LEVEL_WITHOUT_EVIDENCE, "strategy"),
    ]
    assert found[0].explanation.startswith("Digital strategy rose from level 1 last year to level 4 this year")
    assert not stored(next_year)  # computed, never stored for a draft


def test_a_split_domain_is_compared_with_last_years_domain(next_year, team):
    complete_everything(next_year, team["lead"], level=1)
    set_level(next_year, "cloud", 3, team["lead"])
    add_evidence(next_year, "cloud", team["lead"])

    [flag] = draft_flags(next_year)

    assert flag.kind == flags.LEVEL_JUMP_WITHOUT_NOTE and flag.domain_key == "cloud"
    assert "from level 1 last year to level 3" in flag.explanation


def test_new_notes_and_evidence_clear_the_draft_flags(next_year, team):
    complete_everything(next_year, team["lead"], level=1)
    set_level(next_year, "strategy", 4, team["lead"], notes=EXPLAINED)
    add_evidence(next_year, "strategy", team["lead"])

    assert draft_flags(next_year) == []


@pytest.mark.parametrize("last_year_level", [3])
def test_a_fall_of_two_levels_is_flagged_as_possibly_understated(next_year, team):
    complete_everything(next_year, team["lead"], level=1)

    found = {f.domain_key: f for f in draft_flags(next_year)}

    # Every domain continuing one of last year's fell from 3 to 1; the new monitoring domain did not.
    assert "monitoring" not in found and {"strategy", "cloud", "network"} <= set(found)
    assert all(f.kind == flags.LEVEL_JUMP_WITHOUT_NOTE for f in found.values())
    assert "fell from level 3 last year to level 1 this year" in found["strategy"].explanation
    assert "understated" in found["strategy"].explanation


def test_a_fall_of_one_level_is_not_flagged(next_year, team):
    complete_everything(next_year, team["lead"], level=1)
    set_level(next_year, "strategy", 0, team["lead"])
    assert draft_flags(next_year) == []


def test_check_answers_page_shows_draft_flags_with_links(client, next_year, team):
    complete_everything(next_year, team["lead"], level=1)
    set_level(next_year, "strategy", 4, team["lead"])
    client.force_login(team["lead"])

    page = client.get(url("check", next_year)).content.decode()

    assert "Check these before you submit" in page
    assert str(escape(draft_flags(next_year)[0].explanation)) in page
    assert "reviewers expect evidence" in page.lower()
    assert f'href="{url("domain", next_year, "strategy")}"' in page
    assert "Go to Digital strategy" in page


def test_check_answers_page_of_a_clean_draft_has_no_warning(client, next_year, team):
    complete_everything(next_year, team["lead"], level=2)  # one level up from last year, no evidence needed
    client.force_login(team["lead"])

    page = client.get(url("check", next_year)).content.decode()

    assert page.count("Check these before you submit") == 0
    assert "draft-flags" not in page


# Stored flags of a submitted assessment.


def test_refresh_stores_the_flags_of_a_submitted_assessment(next_year, team):
    complete_everything(next_year, team["lead"], level=1)
    set_level(next_year, "strategy", 4, team["lead"])
    submit_and_flag(next_year, team["lead"], team["approver"])

    rows = stored(next_year)

    assert sorted((r.kind, r.domain.key, r.measure_key) for r in rows) == [
        (flags.HIGH_LEVEL_WITHOUT_EVIDENCE, "strategy", ""),
        (flags.LEVEL_JUMP_WITHOUT_NOTE, "strategy", ""),
    ]
    assert all(r.resolved_at is None and r.explanation for r in rows)


def test_refresh_is_idempotent(next_year, team):
    complete_everything(next_year, team["lead"], level=1)
    set_level(next_year, "strategy", 4, team["lead"])
    submit_and_flag(next_year, team["lead"], team["approver"])
    before = sorted(ValidationFlag.objects.values_list("pk", "kind", "explanation"))

    assessment_flags_refresh(assessment_id=next_year.pk)
    assessment_flags_refresh(assessment_id=next_year.pk)

    assert sorted(ValidationFlag.objects.values_list("pk", "kind", "explanation")) == before


def test_refresh_keeps_a_resolution_while_the_flag_is_raised_and_drops_flags_no_longer_raised(next_year, team):
    complete_everything(next_year, team["lead"], level=1)
    set_level(next_year, "strategy", 4, team["lead"])
    submit_and_flag(next_year, team["lead"], team["approver"])
    jump = ValidationFlag.objects.get(kind=flags.LEVEL_JUMP_WITHOUT_NOTE)
    flag_resolve(flag_id=jump.pk, actor=team["reviewer"], comment="Explained at the review meeting.")
    stale = ValidationFlag.objects.create(
        assessment=next_year, kind=flags.PEER_OUTLIER, measure_key="well_led", explanation="Old",
        computed_at=jump.computed_at, resolved_by=team["reviewer"], resolved_at=jump.computed_at,
    )  # fmt: skip

    assessment_flags_refresh(assessment_id=next_year.pk)

    jump.refresh_from_db()
    assert jump.resolved_by == team["reviewer"] and jump.resolution_comment == "Explained at the review meeting."
    assert not ValidationFlag.objects.filter(pk=stale.pk).exists()
    assert len(stored(next_year)) == 2


def test_drafts_are_not_refreshed(assessment):
    with pytest.raises(NotFlaggable):
        assessment_flags_refresh(assessment_id=assessment.pk)
    assert not ValidationFlag.objects.exists()


def test_submitting_scores_and_flags_through_the_task(assessment, team, django_capture_on_commit_callbacks):
    complete_everything(assessment, team["lead"], level=3)
    with django_capture_on_commit_callbacks(execute=True):
        submit(assessment, team["lead"], team["approver"])
    kinds = {r.kind for r in stored(assessment)}
    assert kinds == {flags.HIGH_LEVEL_WITHOUT_EVIDENCE}
    assert len(stored(assessment)) == assessment.responses.count()


# Peer outliers.


@pytest.fixture
def acute_peers(cycle, world):
    """Six more acute trusts (some in trust A's ICS, some not), with assessments in the open cycle."""
    trusts = [factories.OrganisationFactory(ics=world.ics_1 if n % 2 else world.ics_2) for n in range(6)]
    cycle_open(cycle=cycle)  # idempotent: creates only the new trusts' assessments
    return trusts


PEER_LEVELS = [1, 1, 2, 2, 2, 3]  # median 2, MAD 0.5: an outlier is more than 2.6 from 2


def test_a_trust_far_above_its_peers_is_flagged_for_every_measure(assessment, team, acute_peers, person):
    for trust, level in zip(acute_peers, PEER_LEVELS, strict=True):
        answer_submit_and_flag(trust, assessment.cycle, person, level)
    complete_everything(assessment, team["lead"], level=5)

    submit_and_flag(assessment, team["lead"], team["approver"])

    outliers = stored(assessment, flags.PEER_OUTLIER)
    assert len(outliers) == 7 and all(f.domain is None for f in outliers)
    foundations = next(f for f in outliers if f.measure_key == "smart_foundations")
    assert foundations.explanation.startswith(
        "The score for Ensure smart foundations (5.0) is far higher than those of 6 other acute trusts, "
        "whose middle score is 2.0."
    )


def test_peers_are_not_flagged_when_they_sit_in_the_usual_range(assessment, team, acute_peers, person):
    for trust, level in zip(acute_peers, PEER_LEVELS, strict=True):
        answer_submit_and_flag(trust, assessment.cycle, person, level)
    complete_everything(assessment, team["lead"], level=2)

    submit_and_flag(assessment, team["lead"], team["approver"])

    assert stored(assessment) == []
    for trust in acute_peers:  # a peer at level 3 needs evidence, but none is a peer outlier
        assert not ValidationFlag.objects.filter(assessment__organisation=trust, kind=flags.PEER_OUTLIER).exists()


def test_fewer_than_five_scored_peers_say_nothing(assessment, team, acute_peers, person):
    for trust, level in zip(acute_peers[:4], PEER_LEVELS, strict=False):
        answer_submit_and_flag(trust, assessment.cycle, person, level)
    complete_everything(assessment, team["lead"], level=5)

    submit_and_flag(assessment, team["lead"], team["approver"])

    assert stored(assessment, flags.PEER_OUTLIER) == []


def test_other_care_settings_and_unscored_drafts_are_not_peers(assessment, team, acute_peers, person, world):
    # Five mental health trusts, scored, plus the six acute ones left as drafts: no acute peer group.
    mental_health = [factories.OrganisationFactory(ics=world.ics_1, care_settings=["mental_health"]) for _ in range(5)]
    cycle_open(cycle=assessment.cycle)
    for trust, level in zip(mental_health, PEER_LEVELS, strict=False):
        answer_submit_and_flag(trust, assessment.cycle, person, level)
    complete_everything(assessment, team["lead"], level=5)

    submit_and_flag(assessment, team["lead"], team["approver"])

    assert stored(assessment, flags.PEER_OUTLIER) == []


# ICB against its members.


@pytest.fixture
def members(cycle, world):
    """Trust A and trust C are in ICS 1; two more member trusts join them."""
    extra = [factories.OrganisationFactory(ics=world.ics_1) for _ in range(2)]
    cycle_open(cycle=cycle)
    return [world.trust_a, world.trust_c, *extra]


@pytest.mark.parametrize("icb_level, flagged", [(4, True), (2, False)])
def test_an_icb_far_from_its_members_is_flagged(cycle, world, members, person, icb_level, flagged):
    for trust in members:
        answer_submit_and_flag(trust, cycle, person, level=1)

    icb = answer_submit_and_flag(world.icb_1, cycle, person, level=icb_level)

    found = stored(icb, flags.ICB_INCONSISTENT_WITH_MEMBERS)
    if not flagged:
        assert found == []
        return
    [flag] = found
    assert flag.measure_key == "well_led"
    assert flag.explanation.startswith(
        "The system's score for Well led (4.0) is 3.0 higher than the middle score of its 4 member trusts (1.0)."
    )


def test_an_icb_with_fewer_than_three_scored_members_is_not_judged(cycle, world, members, person):
    for trust in members[:2]:
        answer_submit_and_flag(trust, cycle, person, level=1)

    icb = answer_submit_and_flag(world.icb_1, cycle, person, level=4)

    assert stored(icb, flags.ICB_INCONSISTENT_WITH_MEMBERS) == []


# Pages showing stored flags.


@pytest.fixture
def flagged(assessment, team):
    """Trust A submitted at level 3 without evidence: one stored flag per domain."""
    complete_everything(assessment, team["lead"], level=3)
    submit_and_flag(assessment, team["lead"], team["approver"])
    assessment.refresh_from_db()
    return assessment


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


# Resolving.


def resolved(flag):
    flag.refresh_from_db()
    return flag.resolved_at is not None


@pytest.mark.parametrize("who", ["reviewer", "analyst"])
def test_reviewer_and_analyst_resolve_a_flag_with_an_audit_event(client, flagged, team, who):
    flag = stored(flagged)[0]
    client.force_login(team[who])

    form = client.get(url("flag-resolve", flagged, flag.pk))
    assert form.status_code == 200 and str(escape(flag.explanation)) in form.content.decode()
    answer = client.post(url("flag-resolve", flagged, flag.pk), {"comment": "  Checked with the CIO.  "})

    assert answer.status_code == 302 and answer["Location"] == url("overview", flagged)
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


def test_the_service_refuses_people_without_the_right(flagged, team):
    from django.core.exceptions import PermissionDenied

    flag = stored(flagged)[0]
    with pytest.raises(PermissionDenied):
        flag_resolve(flag_id=flag.pk, actor=team["lead"], comment="Ours is fine")
    assert not resolved(flag)


def test_the_flag_list_costs_a_fixed_number_of_queries(django_assert_num_queries, flagged):
    assessment = Assessment.objects.select_related("cycle").get(pk=flagged.pk)
    with django_assert_num_queries(2):
        listed = flag_service.assessment_flags(assessment)
    assert len(listed) == flagged.responses.count() and all(f.subject for f in listed)
