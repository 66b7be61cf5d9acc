"""Access rules for assessments, registered in the one access module (organisations.access).

Written with its role helpers, so the role logic itself lives in one place; this module only
adds what depends on an assessment's state (status, closing date, assignment).
"""

from __future__ import annotations

import datetime
from enum import StrEnum
from typing import Any

from django.db.models import Q
from django.utils import timezone

from assessments.models import Assessment, Cycle, DomainResponse, ImprovementPlan, PeerContactRequest
from assessments.rules.publication import in_review_window
from organisations.access import (
    grants_for,
    holds_any_role_at_organisation,
    holds_at_ics,
    holds_at_organisation,
    holds_nationally,
    may,
    rule,
    sees_organisation,
    visible_organisations_q,
)
from organisations.models import NATIONAL_ROLES, Organisation, Role


class AssessmentAction(StrEnum):
    VIEW = "assessment_view"
    EDIT_RESPONSE = "assessment_edit_response"
    ASSIGN = "assessment_assign"
    MARK_READY = "assessment_mark_ready"
    REOPEN = "assessment_reopen"
    SIGN_OFF = "assessment_sign_off"
    REVIEW = "assessment_review"
    VIEW_HISTORY = "assessment_view_history"
    GRANT_EXTENSION = "assessment_grant_extension"
    PUBLISH_CYCLE = "cycle_publish"
    VIEW_RESULTS = "assessment_view_results"
    VIEW_QUERIES = "assessment_view_queries"
    RAISE_QUERY = "assessment_raise_query"
    ANSWER_QUERY = "assessment_answer_query"
    OPEN_CYCLE = "cycle_open"
    RESOLVE_FLAG = "assessment_resolve_flag"
    VIEW_FLAG_EVIDENCE = "assessment_view_flag_evidence"
    RUN_PULSE = "assessment_run_pulse"
    VIEW_PULSE = "assessment_view_pulse"
    PLAN_VIEW = "plan_view"
    PLAN_EDIT = "plan_edit"
    PLAN_SIGN_OFF = "plan_sign_off"
    PLAN_REOPEN = "plan_reopen"
    SHARE_KNOWLEDGE = "assessment_share_knowledge"
    WITHDRAW_KNOWLEDGE = "knowledge_withdraw"
    VIEW_PEERS = "assessment_view_peers"
    ASK_PEER = "organisation_ask_peer"
    VIEW_PEER_REQUESTS = "organisation_view_peer_requests"
    ANSWER_PEER_REQUEST = "peer_request_answer"
    WITHDRAW_PEER_REQUEST = "peer_request_withdraw"


def is_open_for_editing(assessment: Assessment, today: datetime.date | None = None) -> bool:
    """Draft or returned, and before the closing date (or within an extension national staff granted)."""
    if assessment.status not in Assessment.EDITABLE:
        return False
    return (today or timezone.localdate()) <= assessment.editing_deadline


def sees_work_in_progress(user: Any, organisation: Organisation) -> bool:
    """Whether the user sees the organisation's assessments before they are submitted (a draft,
    one ready for sign-off, one returned for changes). Work in progress belongs to the
    organisation: its own people see it, and so do its ICS's reviewers (who support it and
    review it next) and national staff (who run the cycle: extensions, chasing). An ICS board
    viewer sees only submitted results, never a half-answered draft, so a board paper can never
    quote figures the organisation has not yet stood behind."""
    grants = grants_for(user)
    return (
        grants.sees_everything
        or organisation.pk in grants.at_organisation
        or holds_at_ics(user, organisation.ics_id, Role.ICS_REVIEWER)
    )


def sees_work_in_progress_in_system(user: Any, ics_id: int) -> bool:
    """`sees_work_in_progress` for the trusts of an ICS as a whole (its dashboard): its
    reviewers and national staff; a member's own people get no dashboard of the ICS."""
    return grants_for(user).sees_everything or holds_at_ics(user, ics_id, Role.ICS_REVIEWER)


def visible_assessments_q(user: Any, prefix: str = "") -> Q:
    """VIEW as a filter (`prefix` reaches an Assessment from the queried model, e.g.
    "assessment__" from an answer): behind every scoped selector of assessments and what hangs
    off them (answers, evidence, flags), kept beside the rule so lists and pages never disagree."""
    grants = grants_for(user)
    if grants.sees_everything:
        return Q()
    organisation = f"{prefix}organisation__"
    reviewing = [ics_id for ics_id, roles in grants.at_ics.items() if Role.ICS_REVIEWER in roles]
    in_progress = Q(**{f"{organisation}pk__in": list(grants.at_organisation)}) | Q(
        **{f"{organisation}ics_id__in": reviewing}
    )
    submitted = Q(**{f"{organisation}ics_id__in": list(grants.at_ics)}) & Q(
        **{f"{prefix}status__in": Assessment.SUBMITTED_OR_LATER}
    )
    return in_progress | submitted


def visible_results_q(user: Any) -> Q:
    """VIEW_RESULTS as a filter on assessments: published ones for everyone signed in, and
    provisional ones for their organisation, its ICS and national staff."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    published = Q(status=Assessment.Status.PUBLISHED)
    return published | (Q(status=Assessment.Status.PROVISIONAL) & visible_organisations_q(user, "organisation__"))


@rule(AssessmentAction.VIEW)
def _view(user: Any, assessment: Assessment) -> bool:
    organisation = assessment.organisation
    if not sees_organisation(user, organisation):
        return False
    return assessment.status in Assessment.SUBMITTED_OR_LATER or sees_work_in_progress(user, organisation)


@rule(AssessmentAction.EDIT_RESPONSE)
def _edit_response(user: Any, response: DomainResponse) -> bool:
    """The lead edits everything; a contributor only what is assigned to them; nobody edits a
    submitted assessment or a draft past its closing date."""
    assessment = response.assessment
    if not is_open_for_editing(assessment):
        return False
    organisation = assessment.organisation
    if holds_at_organisation(user, organisation, Role.ASSESSMENT_LEAD):
        return True
    return holds_at_organisation(user, organisation, Role.CONTRIBUTOR) and response.assignee_id == user.pk


@rule(AssessmentAction.ASSIGN)
def _assign(user: Any, assessment: Assessment) -> bool:
    return is_open_for_editing(assessment) and holds_at_organisation(
        user, assessment.organisation, Role.ASSESSMENT_LEAD
    )


@rule(AssessmentAction.MARK_READY)
def _mark_ready(user: Any, assessment: Assessment) -> bool:
    return is_open_for_editing(assessment) and holds_at_organisation(
        user, assessment.organisation, Role.ASSESSMENT_LEAD
    )


@rule(AssessmentAction.REOPEN)
def _reopen(user: Any, assessment: Assessment) -> bool:
    return assessment.status == Assessment.Status.READY and holds_at_organisation(
        user, assessment.organisation, Role.ASSESSMENT_LEAD
    )


@rule(AssessmentAction.SIGN_OFF)
def _sign_off(user: Any, assessment: Assessment) -> bool:
    return assessment.status == Assessment.Status.READY and holds_at_organisation(
        user, assessment.organisation, Role.APPROVER
    )


@rule(AssessmentAction.REVIEW)
def _review(user: Any, assessment: Assessment) -> bool:
    """Validating or returning a submitted assessment: nobody judges their own organisation's
    answers. A trust's assessment is reviewed by its ICS's reviewers, unless the reviewer also
    holds any role at the trust. An ICB's own system assessment is reviewed by national analysts,
    never by that ICS's reviewers: they are the ICB's own staff."""
    if assessment.status != Assessment.Status.SUBMITTED:
        return False
    organisation = assessment.organisation
    if holds_any_role_at_organisation(user, organisation):
        return False
    if organisation.kind == Organisation.Kind.ICB:
        return holds_nationally(user, Role.NATIONAL_ANALYST)
    return holds_at_ics(user, organisation.ics_id, Role.ICS_REVIEWER)


@rule(AssessmentAction.VIEW_HISTORY)
def _view_history(user: Any, assessment: Assessment) -> bool:
    return (
        holds_at_organisation(user, assessment.organisation, Role.ASSESSMENT_LEAD)
        or holds_at_ics(user, assessment.organisation.ics_id, Role.ICS_REVIEWER)
        or holds_nationally(user, *NATIONAL_ROLES)
    )


@rule(AssessmentAction.GRANT_EXTENSION)
def _grant_extension(user: Any, assessment: Assessment) -> bool:
    return assessment.status in Assessment.EDITABLE and holds_nationally(user, Role.NATIONAL_ANALYST)


@rule(AssessmentAction.PUBLISH_CYCLE)
def _publish(user: Any, cycle: Cycle) -> bool:
    return holds_nationally(user, Role.NATIONAL_ANALYST)


@rule(AssessmentAction.VIEW_RESULTS)
def _view_results(user: Any, assessment: Assessment) -> bool:
    """An organisation's results as they will be (provisional) or have been published. Before
    publication only the organisation itself, its ICS and national staff see them; once
    published, every signed-in person does (that is what publication means)."""
    if assessment.status == Assessment.Status.PUBLISHED:
        return bool(getattr(user, "is_authenticated", False))
    return assessment.status == Assessment.Status.PROVISIONAL and sees_organisation(user, assessment.organisation)


@rule(AssessmentAction.VIEW_QUERIES)
def _view_queries(user: Any, assessment: Assessment) -> bool:
    """The queries about an organisation's provisional results stay its own matter (with its
    ICS and national staff), before and after publication."""
    return assessment.status in (
        Assessment.Status.PROVISIONAL,
        Assessment.Status.PUBLISHED,
    ) and sees_organisation(user, assessment.organisation)


@rule(AssessmentAction.RAISE_QUERY)
def _raise_query(user: Any, assessment: Assessment) -> bool:
    """During the review window: the organisation's lead or approver, or its ICS's reviewers."""
    cycle = assessment.cycle
    if assessment.status != Assessment.Status.PROVISIONAL or not in_review_window(
        cycle.review_opens_on, cycle.review_closes_on, timezone.localdate()
    ):
        return False
    organisation = assessment.organisation
    return holds_at_organisation(user, organisation, Role.ASSESSMENT_LEAD, Role.APPROVER) or holds_at_ics(
        user, organisation.ics_id, Role.ICS_REVIEWER
    )


@rule(AssessmentAction.ANSWER_QUERY)
def _answer_query(user: Any, query: Any) -> bool:
    return holds_nationally(user, Role.NATIONAL_ANALYST)


@rule(AssessmentAction.OPEN_CYCLE)
def _open_cycle(user: Any, cycle: Cycle) -> bool:
    return holds_nationally(user, Role.FRAMEWORK_ADMIN) or grants_for(user).superuser


@rule(AssessmentAction.RESOLVE_FLAG)
def _resolve_flag(user: Any, assessment: Assessment) -> bool:
    """Validation flags are raised on submitted assessments and answered by those who validate
    them: the ICS reviewer of the organisation's ICS, or national staff (national analysts).
    Nobody clears the warnings about their own organisation's answers, as nobody reviews them
    (see REVIEW): not the organisation itself, not a reviewer who also holds a role there, and
    not the ICS's reviewers on their own ICB's system assessment (national analysts answer
    those), or a validation could pass over flags that its own staff had cleared. They are
    exactly the people who may see the evidence behind the flags (VIEW_FLAG_EVIDENCE)."""
    return assessment.status in Assessment.SUBMITTED_OR_LATER and _view_flag_evidence(user, assessment)


@rule(AssessmentAction.VIEW_FLAG_EVIDENCE)
def _view_flag_evidence(user: Any, assessment: Assessment | None) -> bool:
    """The pattern flags (assessments.rules.flags.PATTERN_KINDS) and the figures behind them are
    for the assessment's independent reviewers: the ICS reviewers of the organisation's ICS and
    national analysts, never anyone who holds a role at the organisation itself, and, for an
    ICB's own system assessment, national analysts only (the ICS's reviewers are the ICB's own
    staff). The evidence of a pattern is other organisations' names, notes and files, which an
    organisation must never see, and knowing how a pattern was seen would teach how not to be
    seen; the organisation's own people see a neutral line instead, and their answer flags.

    With no assessment (`None`): may the user see flag evidence anywhere at all (the triage
    list of flags). `flag_evidence_organisations_q` is the same rule as a filter, for lists."""
    if assessment is None:
        grants = grants_for(user)
        return holds_nationally(user, Role.NATIONAL_ANALYST) or any(
            Role.ICS_REVIEWER in roles for roles in grants.at_ics.values()
        )
    organisation = assessment.organisation
    if holds_any_role_at_organisation(user, organisation):
        return False
    if holds_nationally(user, Role.NATIONAL_ANALYST):
        return True
    return organisation.kind != Organisation.Kind.ICB and holds_at_ics(user, organisation.ics_id, Role.ICS_REVIEWER)


def flag_evidence_organisations_q(user: Any, prefix: str = "") -> Q:
    """VIEW_FLAG_EVIDENCE as a filter on organisations (`prefix` reaches an Organisation from the
    queried model, e.g. "assessment__organisation__" from a flag): the organisations whose flag
    evidence the user may see. Kept beside the rule, and tested against it, so lists and single
    objects never disagree."""
    grants = grants_for(user)
    own = Q(**{f"{prefix}pk__in": list(grants.at_organisation)})
    if holds_nationally(user, Role.NATIONAL_ANALYST):
        return ~own
    reviewed = [ics_id for ics_id, roles in grants.at_ics.items() if Role.ICS_REVIEWER in roles]
    if not reviewed:
        return Q(**{f"{prefix}pk__in": []})
    return Q(**{f"{prefix}ics_id__in": reviewed}) & ~Q(**{f"{prefix}kind": Organisation.Kind.ICB}) & ~own


@rule(AssessmentAction.RUN_PULSE)
def _run_pulse(user: Any, assessment: Assessment) -> bool:
    """The lead sends the staff pulse and closes it (any time: staff may answer after submission)."""
    return holds_at_organisation(user, assessment.organisation, Role.ASSESSMENT_LEAD)


@rule(AssessmentAction.VIEW_PULSE)
def _view_pulse(user: Any, assessment: Assessment) -> bool:
    """Whoever may see the assessment sees its pulse results (shown only once enough answered)."""
    return may(user, AssessmentAction.VIEW, assessment)


# Improvement plans. The target is the plan, or an unsaved ImprovementPlan(assessment=...) while
# the assessment has none yet, so a rule never needs to know whether the first target was added.


def visible_plans_q(user: Any, prefix: str = "") -> Q:
    """PLAN_VIEW as a filter on assessments (`prefix` reaches an Assessment, e.g. "assessment__"
    from a plan): the assessments whose plan the user may see, kept beside the rule."""
    return visible_organisations_q(user, f"{prefix}organisation__")


@rule(AssessmentAction.PLAN_VIEW)
def _plan_view(user: Any, plan: ImprovementPlan) -> bool:
    """The organisation's own people, its ICS (reviewers and board viewers: the ICS holds its
    members to their plans) and national staff. A plan is what the organisation means to do,
    not its answers, so a board viewer sees a plan whatever its assessment's status."""
    return sees_organisation(user, plan.assessment.organisation)


@rule(AssessmentAction.PLAN_EDIT)
def _plan_edit(user: Any, plan: ImprovementPlan) -> bool:
    """The lead and contributors, on any assessment status (planning follows the results), until
    the plan is signed off."""
    return not plan.is_signed_off and holds_at_organisation(
        user, plan.assessment.organisation, Role.ASSESSMENT_LEAD, Role.CONTRIBUTOR
    )


@rule(AssessmentAction.PLAN_SIGN_OFF)
def _plan_sign_off(user: Any, plan: ImprovementPlan) -> bool:
    return not plan.is_signed_off and holds_at_organisation(user, plan.assessment.organisation, Role.APPROVER)


@rule(AssessmentAction.PLAN_REOPEN)
def _plan_reopen(user: Any, plan: ImprovementPlan) -> bool:
    return plan.is_signed_off and holds_at_organisation(user, plan.assessment.organisation, Role.ASSESSMENT_LEAD)


@rule(AssessmentAction.SHARE_KNOWLEDGE)
def _share_knowledge(user: Any, assessment: Assessment) -> bool:
    """What an organisation shares with every NHS organisation is its lead's to decide, and only
    from an assessment its board signed off (submitted or later), so the entry stands on answers
    that no longer change."""
    return assessment.status in Assessment.SUBMITTED_OR_LATER and holds_at_organisation(
        user, assessment.organisation, Role.ASSESSMENT_LEAD
    )


@rule(AssessmentAction.WITHDRAW_KNOWLEDGE)
def _withdraw_knowledge(user: Any, entry: Any) -> bool:
    """The organisation that shared an entry can take it back, whatever has happened since."""
    return (
        entry.kind == "shared"
        and entry.organisation_id is not None
        and holds_at_organisation(user, entry.organisation, Role.ASSESSMENT_LEAD)
    )


# Peers a level ahead (assessments/peers.py) and asking them to get in touch (services/peers.py).

PEER_ASKERS = (Role.ASSESSMENT_LEAD, Role.CONTRIBUTOR)


@rule(AssessmentAction.VIEW_PEERS)
def _view_peers(user: Any, assessment: Assessment) -> bool:
    """The peers page is the organisation's own improvement work: its own people see it. What it
    shows of others is published already; what it shows of the organisation (its weakest
    domains) is its own."""
    return holds_any_role_at_organisation(user, assessment.organisation)


@rule(AssessmentAction.ASK_PEER)
def _ask_peer(user: Any, organisation: Organisation) -> bool:
    """The people doing the work ask: the lead and contributors. Approvers and viewers read."""
    return holds_at_organisation(user, organisation, *PEER_ASKERS)


@rule(AssessmentAction.VIEW_PEER_REQUESTS)
def _view_peer_requests(user: Any, organisation: Organisation) -> bool:
    """The organisation's requests, both ways, with the contact details accepted ones reveal:
    for those who may ask (and so answer the other side's questions), nobody else. Not its ICS
    nor national staff: the details were shared with the organisation, not with them."""
    return holds_at_organisation(user, organisation, *PEER_ASKERS)


@rule(AssessmentAction.ANSWER_PEER_REQUEST)
def _answer_peer_request(user: Any, request: PeerContactRequest) -> bool:
    """Accepting shares a named person's contact details, so the asked organisation's
    assessment lead decides (and it is their own details that are shared)."""
    return request.status == PeerContactRequest.Status.PENDING and holds_at_organisation(
        user, request.to_organisation, Role.ASSESSMENT_LEAD
    )


@rule(AssessmentAction.WITHDRAW_PEER_REQUEST)
def _withdraw_peer_request(user: Any, request: PeerContactRequest) -> bool:
    """Whoever sent it, or their organisation's lead, while it waits for a reply."""
    if request.status != PeerContactRequest.Status.PENDING:
        return False
    organisation = request.from_organisation
    return holds_at_organisation(user, organisation, Role.ASSESSMENT_LEAD) or (
        request.requested_by_id == user.pk and holds_at_organisation(user, organisation, *PEER_ASKERS)
    )
