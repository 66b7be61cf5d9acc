"""Validation flags through the real services: drafts get answer-based warnings before they submit,
submitted assessments store flags (peer and ICB comparisons included), and reviewers resolve them."""

import datetime

import pytest

from assessments import selectors
from assessments.flag_inputs import draft_flags
from assessments.models import Assessment, FlagRate, ValidationFlag
from assessments.rules import flags
from assessments.services.cycles import cycle_open
from assessments.services.flags import (
    NotFlaggable,
    assessment_flags_refresh,
    cycle_flags_refresh,
    cycles_with_flags_due,
    flag_resolve,
)
from assessments.services.scoring import assessment_score
from tests import factories
from tests.assessments.conftest import complete_everything
from tests.assessments.flagging import (
    EXPLAINED,
    PEER_LEVELS,
    add_evidence,
    answer_submit_and_flag,
    resolved,
    set_level,
    stored,
    submit,
    submit_and_flag,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def acute_peers(cycle, world):
    """Six more acute trusts (some in trust A's ICS, some not), with assessments in the open cycle."""
    trusts = [factories.OrganisationFactory(ics=world.ics_1 if n % 2 else world.ics_2) for n in range(6)]
    cycle_open(cycle=cycle)  # idempotent: creates only the new trusts' assessments
    return trusts


@pytest.fixture
def members(cycle, world):
    """Trust A and trust C are in ICS 1; three more member trusts join them."""
    extra = [factories.OrganisationFactory(ics=world.ics_1) for _ in range(3)]
    cycle_open(cycle=cycle)
    return [world.trust_a, world.trust_c, *extra]


def test_the_stored_kinds_are_the_rules_kinds():
    assert set(ValidationFlag.Kind.values) == set(flags.KINDS)


def test_draft_flags_find_an_unexplained_jump_and_a_high_level_without_evidence(carried_draft, team):
    complete_everything(carried_draft, team["lead"], level=1)
    set_level(carried_draft, "strategy", 4, team["lead"])  # notes still last year's

    found = draft_flags(carried_draft)

    assert [(f.kind, f.domain_key) for f in found] == [
        (flags.LEVEL_JUMP_WITHOUT_NOTE, "strategy"),
        (flags.HIGH_LEVEL_WITHOUT_EVIDENCE, "strategy"),
    ]
    assert found[0].explanation.startswith("Digital strategy rose from level 1 last year to level 4 this year")
    assert not stored(carried_draft)  # computed, never stored for a draft


def test_draft_flags_from_the_answers_a_page_has_loaded_are_those_read_afresh(carried_draft, team):
    """Check your answers passes the answers and evidence it shows (flag_inputs, `loaded`): the
    flags, and every input they are computed from, are the same as reading them again."""
    from django.db.models import prefetch_related_objects

    from assessments.flag_inputs import draft_answers

    complete_everything(carried_draft, team["lead"], level=1)
    set_level(carried_draft, "strategy", 4, team["lead"])
    set_level(carried_draft, "cloud", 3, team["lead"])
    add_evidence(carried_draft, "cloud", team["lead"])
    loaded = [r for section in selectors.assessment_task_list(carried_draft) for r in section.responses]
    prefetch_related_objects(loaded, "evidence")

    assert draft_answers(carried_draft, loaded)[0] == draft_answers(carried_draft)[0]
    assert draft_flags(carried_draft, loaded) == draft_flags(carried_draft) != []


def test_a_split_domain_is_compared_with_last_years_domain(carried_draft, team):
    complete_everything(carried_draft, team["lead"], level=1)
    set_level(carried_draft, "cloud", 3, team["lead"])
    add_evidence(carried_draft, "cloud", team["lead"])

    [flag] = draft_flags(carried_draft)

    assert flag.kind == flags.LEVEL_JUMP_WITHOUT_NOTE and flag.domain_key == "cloud"
    assert "from level 1 last year to level 3" in flag.explanation


def test_new_notes_and_evidence_clear_the_draft_flags(carried_draft, team):
    complete_everything(carried_draft, team["lead"], level=1)
    set_level(carried_draft, "strategy", 4, team["lead"], notes=EXPLAINED)
    add_evidence(carried_draft, "strategy", team["lead"])

    assert draft_flags(carried_draft) == []


@pytest.mark.parametrize("last_year_level", [3])
def test_a_fall_of_two_levels_is_flagged_as_possibly_understated(carried_draft, team):
    complete_everything(carried_draft, team["lead"], level=1)

    found = {f.domain_key: f for f in draft_flags(carried_draft)}

    # Strategy (and each measure's basics domain) kept its criteria, so its fall from 3 to 1 is
    # the organisation's own: flagged. Cloud and network also fell from 3 to 1, but they ask new
    # criteria at level 2 (the c and d criteria), so last year's answers reach only level 1 on
    # them: the framework's change, never blamed on the organisation. The new monitoring domain
    # has nothing to compare with.
    assert "strategy" in found and not {"cloud", "network", "monitoring"} & set(found)
    assert found["strategy"].kind == flags.LEVEL_JUMP_WITHOUT_NOTE
    assert "fell from level 3 last year to level 1 this year" in found["strategy"].explanation
    assert "understated" in found["strategy"].explanation


def test_a_fall_of_one_level_is_not_flagged(carried_draft, team):
    complete_everything(carried_draft, team["lead"], level=1)
    set_level(carried_draft, "strategy", 0, team["lead"])
    assert draft_flags(carried_draft) == []


def test_refresh_stores_the_flags_of_a_submitted_assessment(carried_draft, team):
    complete_everything(carried_draft, team["lead"], level=1)
    set_level(carried_draft, "strategy", 4, team["lead"])
    submit_and_flag(carried_draft, team["lead"], team["approver"])

    rows = stored(carried_draft)

    assert sorted((r.kind, r.domain.key, r.measure_key) for r in rows) == [
        (flags.HIGH_LEVEL_WITHOUT_EVIDENCE, "strategy", ""),
        (flags.LEVEL_JUMP_WITHOUT_NOTE, "strategy", ""),
    ]
    assert all(r.resolved_at is None and r.explanation for r in rows)


def test_refresh_is_idempotent(carried_draft, team):
    complete_everything(carried_draft, team["lead"], level=1)
    set_level(carried_draft, "strategy", 4, team["lead"])
    submit_and_flag(carried_draft, team["lead"], team["approver"])
    before = sorted(ValidationFlag.objects.values_list("pk", "kind", "explanation"))

    assessment_flags_refresh(assessment_id=carried_draft.pk)
    assessment_flags_refresh(assessment_id=carried_draft.pk)

    assert sorted(ValidationFlag.objects.values_list("pk", "kind", "explanation")) == before


def test_refresh_keeps_a_resolution_while_the_flag_is_raised_and_drops_flags_no_longer_raised(carried_draft, team):
    complete_everything(carried_draft, team["lead"], level=1)
    set_level(carried_draft, "strategy", 4, team["lead"])
    submit_and_flag(carried_draft, team["lead"], team["approver"])
    jump = ValidationFlag.objects.get(kind=flags.LEVEL_JUMP_WITHOUT_NOTE)
    flag_resolve(flag_id=jump.pk, actor=team["reviewer"], comment="Explained at the review meeting.")
    stale = ValidationFlag.objects.create(
        assessment=carried_draft, kind=flags.PREREQUISITE_UNMET, domain=jump.domain, explanation="Old",
        computed_at=jump.computed_at, resolved_by=team["reviewer"], resolved_at=jump.computed_at,
    )  # fmt: skip
    pattern = ValidationFlag.objects.create(
        assessment=carried_draft, kind=flags.PEER_OUTLIER, measure_key="well_led", explanation="Old",
        computed_at=jump.computed_at,
    )  # fmt: skip

    assessment_flags_refresh(assessment_id=carried_draft.pk)

    jump.refresh_from_db()
    assert jump.resolved_by == team["reviewer"] and jump.resolution_comment == "Explained at the review meeting."
    assert not ValidationFlag.objects.filter(pk=stale.pk).exists()
    # The answer refresh leaves pattern flags to the cycle's refresh, which drops this stale one.
    assert ValidationFlag.objects.filter(pk=pattern.pk).exists()
    cycle_flags_refresh(cycle_id=carried_draft.cycle_id)
    assert not ValidationFlag.objects.filter(pk=pattern.pk).exists()
    assert len(stored(carried_draft)) == 2


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
        "whose middle score is 2.0; 0 of them score as high."
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


@pytest.mark.parametrize("icb_level, flagged", [(4, True), (1, False)])
def test_an_icb_far_from_its_members_is_flagged(cycle, world, members, person, icb_level, flagged):
    for trust in members:
        answer_submit_and_flag(trust, cycle, person, level=1)

    icb = answer_submit_and_flag(world.icb_1, cycle, person, level=icb_level)

    found = stored(icb, flags.ICB_INCONSISTENT_WITH_MEMBERS)
    if not flagged:
        assert found == []
        return
    [flag] = found
    assert flag.measure_key == "" and flag.domain is None
    assert flag.explanation.startswith(
        "The system's overall score (4.0) is 3.0 higher than the middle score of its 5 member organisations (1.0), "
        "more than the 0.6 that the number and spread of its members allow."
    )
    assert [m["overall"] for m in flag.details["members"]] == [1.0] * 5


def test_an_icb_scored_before_its_members_is_judged_once_they_are(cycle, world, members, person):
    icb = answer_submit_and_flag(world.icb_1, cycle, person, level=4)
    assert stored(icb, flags.ICB_INCONSISTENT_WITH_MEMBERS) == []

    for trust in members:
        answer_submit_and_flag(trust, cycle, person, level=1)

    assert len(stored(icb, flags.ICB_INCONSISTENT_WITH_MEMBERS)) == 1


def test_an_icb_with_fewer_than_five_scored_members_is_not_judged(cycle, world, members, person):
    for trust in members[:4]:
        answer_submit_and_flag(trust, cycle, person, level=1)

    icb = answer_submit_and_flag(world.icb_1, cycle, person, level=4)

    assert stored(icb, flags.ICB_INCONSISTENT_WITH_MEMBERS) == []


def test_the_service_refuses_people_without_the_right(flagged, team):
    from django.core.exceptions import PermissionDenied

    flag = stored(flagged)[0]
    with pytest.raises(PermissionDenied):
        flag_resolve(flag_id=flag.pk, actor=team["lead"], comment="Ours is fine")
    assert not resolved(flag)


def test_the_flag_list_costs_a_fixed_number_of_queries(django_assert_num_queries, flagged):
    assessment = Assessment.objects.select_related("cycle").get(pk=flagged.pk)
    with django_assert_num_queries(2):
        listed = selectors.assessment_flags(assessment)
    assert len(listed) == flagged.responses.count() and all(f.subject for f in listed)


# The cycle-wide refresh: order-independent, idempotent, counted per ICS.


def test_a_rescore_of_an_unchanged_cycle_raises_nothing_new_and_writes_nothing(
    assessment, team, acute_peers, person, django_assert_max_num_queries
):
    for trust, level in zip(acute_peers, PEER_LEVELS, strict=True):
        answer_submit_and_flag(trust, assessment.cycle, person, level)
    complete_everything(assessment, team["lead"], level=5)
    submit_and_flag(assessment, team["lead"], team["approver"])
    before = sorted(ValidationFlag.objects.values_list("pk", "kind", "explanation", "computed_at"))

    for submitted in Assessment.objects.filter(cycle=assessment.cycle, status=Assessment.Status.SUBMITTED):
        assessment_score(assessment_id=submitted.pk)
    changes = cycle_flags_refresh(cycle_id=assessment.cycle_id)

    assert (changes.added, changes.updated, changes.removed) == (0, 0, 0)
    assert sorted(ValidationFlag.objects.values_list("pk", "kind", "explanation", "computed_at")) == before


def test_flags_are_the_same_whatever_the_order_of_submission(cycle, world, person):
    def run(order):
        for organisation, level in order:
            answer_submit_and_flag(organisation, cycle, person, level)
        return sorted(
            (f.assessment.organisation.ods_code, f.kind, f.measure_key, f.explanation)
            for f in ValidationFlag.objects.select_related("assessment__organisation")
        )

    trusts = [factories.OrganisationFactory(ics=world.ics_1) for _ in range(6)]
    cycle_open(cycle=cycle)
    levels = list(zip([*trusts, world.trust_a], [1, 1, 2, 2, 2, 3, 5], strict=True))
    forwards = run(levels)
    # Back to drafts and again, the other way round: the same flags, word for word.
    Assessment.objects.filter(cycle=cycle).update(status=Assessment.Status.DRAFT, submitted_at=None)
    ValidationFlag.objects.all().delete()
    backwards = run(list(reversed(levels)))
    assert forwards == backwards and any(kind == flags.PEER_OUTLIER for _, kind, _, _ in forwards)


def scored_since_the_flags(assessment):
    """As if a worker had scored the assessment and the debounced refresh had not run yet."""
    from django.db.models import F

    from assessments.models import Cycle

    stale = F("flags_refreshed_at") - datetime.timedelta(hours=1)
    assert Cycle.objects.filter(pk=assessment.cycle_id, flags_refreshed_at__isnull=False).update(
        flags_refreshed_at=stale
    )


def test_scoring_in_process_judges_the_cycle_at_once(flagged):
    assert cycle_flags_refresh(cycle_id=flagged.cycle_id, only_if_due=True) is None  # refreshed when scored
    assessment_score(assessment_id=flagged.pk)
    assert cycles_with_flags_due() == []


def test_the_refresh_after_scoring_runs_only_when_a_score_is_newer(flagged):
    assert cycle_flags_refresh(cycle_id=flagged.cycle_id, only_if_due=True) is None
    scored_since_the_flags(flagged)
    assert cycles_with_flags_due() == [flagged.cycle_id]
    assert cycle_flags_refresh(cycle_id=flagged.cycle_id, only_if_due=True) is not None
    assert cycles_with_flags_due() == []


def test_flag_rates_count_flagged_and_unresolved_organisations_per_ics_and_kind(flagged, team):
    rates = {r.kind: r for r in FlagRate.objects.filter(cycle=flagged.cycle, ics=flagged.organisation.ics)}
    assert rates[""].submitted == 1 and rates[""].flagged == 1 and rates[""].unresolved == 1
    assert rates[flags.HIGH_LEVEL_WITHOUT_EVIDENCE].flagged == 1 and rates[flags.COPIED_NOTES].flagged == 0

    for flag in stored(flagged):
        flag_resolve(flag_id=flag.pk, actor=team["reviewer"], comment="Checked at the review meeting.")

    rate = FlagRate.objects.get(cycle=flagged.cycle, ics=flagged.organisation.ics, kind="")
    assert (rate.flagged, rate.unresolved) == (1, 0)


def test_the_task_and_the_sweep_refresh_a_cycle_with_a_newer_score(flagged, settings):
    from assessments.tasks import refresh_cycle_flags_task, sweep_cycle_flags_task

    ValidationFlag.objects.filter(assessment=flagged).delete()
    assert refresh_cycle_flags_task.apply((flagged.cycle_id,)).get() is None  # nothing newer: skipped
    scored_since_the_flags(flagged)
    assert sweep_cycle_flags_task.apply().get() == 1  # eager in tests: the refresh ran
    assert stored(flagged)


def test_a_returned_assessment_makes_its_cycles_flags_due_again(flagged, team):
    from assessments.services.workflow import assessment_return

    assert not cycles_with_flags_due()
    assessment_return(assessment=flagged, actor=team["reviewer"], comment="Please add the board paper.")
    assert cycles_with_flags_due() == [flagged.cycle_id]
    cycle_flags_refresh(cycle_id=flagged.cycle_id, only_if_due=True)
    assert cycles_with_flags_due() == []


def test_the_cycle_refresh_costs_the_same_queries_for_few_or_many_organisations(cycle, world, person):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        ValidationFlag.objects.all().delete()  # every flag is written afresh: the most it can cost
        with CaptureQueriesContext(connection) as captured:
            cycle_flags_refresh(cycle_id=cycle.pk)
        return len(captured)

    trusts = [factories.OrganisationFactory(ics=world.ics_1) for _ in range(8)]
    cycle_open(cycle=cycle)
    for trust in trusts[:2]:
        answer_submit_and_flag(trust, cycle, person, level=3)
    few = queries()
    for trust in trusts[2:]:
        answer_submit_and_flag(trust, cycle, person, level=3)
    assert queries() == few


def test_resolving_a_pattern_flag_keeps_its_explanation_out_of_the_history(flagged, team, world):
    from assessments.models import AuditEvent
    from tests.assessments.pattern_flags import copied_notes

    flag = copied_notes(flagged, world.trust_b)
    flag_resolve(flag_id=flag.pk, actor=team["reviewer"], comment="Both trusts use the ICS template.")

    event = AuditEvent.objects.filter(assessment=flagged, kind=AuditEvent.Kind.FLAG_RESOLVED).latest("created_at")
    assert event.after["kind"] == flags.COPIED_NOTES and "explanation" not in event.after
    assert world.trust_b.name not in str(event.after) + event.summary
