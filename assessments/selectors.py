"""Every read of assessments, answers, scores and flags.

Reads of an organisation's data start from what the user may see (`..._visible_to`); the others
take an object the caller has already looked up through one of those. Selectors own their
`select_related`/`prefetch_related`, so a page's query count does not grow with its rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from assessments.access import (
    AssessmentAction,
    flag_evidence_organisations_q,
    is_open_for_editing,
    visible_assessments_q,
    visible_results_q,
)
from assessments.models import (
    Assessment,
    AssessmentScore,
    AuditEvent,
    Cycle,
    CycleEvent,
    DomainResponse,
    DomainScore,
    Evidence,
    FlagRate,
    Notification,
    PollRequest,
    PreReleaseAccess,
    ProvisionalQuery,
    StaffPulse,
    ValidationFlag,
)
from assessments.rules import scoring as scoring_rules
from assessments.rules.carry_forward import (
    LevelChange,
    LikeForLike,
    carried_met_criteria,
    level_change,
    like_for_like,
    new_criteria,
)
from assessments.rules.flags import ANSWER_KINDS
from assessments.rules.pulse import PulseResult, pulse_result
from assessments.rules.scoring import SCORING_METHOD_VERSION
from framework.models import Criterion, Domain, Level, Measure
from framework.selectors import (
    domain_criteria,
    domain_crosswalk,
    domain_outline,
    framework_criteria,
    framework_crosswalks,
)
from organisations.access import grants_for, may
from organisations.models import ORGANISATION_ROLES, Organisation, Role, RoleAssignment, User
from organisations.prepared import PreparedQuery

# Scoped lookups.


def assessments_visible_to(user: Any) -> QuerySet[Assessment]:
    return Assessment.objects.filter(visible_assessments_q(user)).select_related(
        "cycle__framework", "organisation__ics__region"
    )


# The assessment a page names, found by its cycle and organisation: every page of the yearly
# assessment starts here, so its eight-table lookup is written as SQL once per process
# (organisations/prepared.py). Who may see it is the access rule's to say (the page asks `may`), the same
# rule `visible_assessments_q` is kept beside and tested to agree with.
_assessment_by_cycle_and_code = PreparedQuery(
    lambda cycle_name, ods_code: Assessment.objects.filter(
        cycle__name=cycle_name, organisation__ods_code=ods_code
    ).select_related("cycle__framework", "organisation__ics__region", "previous__cycle")
)


def assessment_named(user: Any, cycle_name: str, ods_code: str) -> Assessment | None:
    """The assessment of `ods_code` in the cycle called `cycle_name` if the user may see it (with
    its cycle, framework, organisation, ICS, region and last year's assessment and cycle); None
    when there is none or it is not theirs to see, alike."""
    assessment = _assessment_by_cycle_and_code.one_or_none(cycle_name, ods_code)
    if assessment is None or not may(user, AssessmentAction.VIEW, assessment):
        return None
    return assessment


_assessments_with_progress = PreparedQuery(
    lambda organisation_ids: (
        Assessment.objects.filter(organisation_id__in=organisation_ids)
        .select_related("cycle__framework", "organisation__ics__region")
        .annotate(
            total=Count("responses"),
            completed=Count("responses", filter=Q(responses__status=DomainResponse.Status.COMPLETED)),
        )
        .order_by("-cycle__name", "organisation__name")
    )
)


def assessments_with_progress(user: Any, organisation_ids: Iterable[int]) -> list[Assessment]:
    """The assessments of these organisations that the user may see, newest cycle first, each
    with how many domains it has (`total`) and how many are complete (`completed`): the home
    page's own assessments. One query."""
    ids = sorted(set(organisation_ids))
    if not ids:
        return []
    return [a for a in _assessments_with_progress(ids) if may(user, AssessmentAction.VIEW, a)]


def responses_visible_to(user: Any) -> QuerySet[DomainResponse]:
    return DomainResponse.objects.filter(visible_assessments_q(user, prefix="assessment__")).select_related(
        "assessment__cycle", "assessment__organisation", "domain__measure", "assignee"
    )


def responses_assigned_to(user: Any) -> QuerySet[DomainResponse]:
    """The domains assigned to the user in the open assessments of the organisations where they
    are a contributor or the assessment lead: their own work, for the home page. Open means what
    `assessments.access.is_open_for_editing` means (draft or returned, on or before the editing
    deadline), so nobody is sent to work they can no longer change. One query, however many."""
    grants = grants_for(user)
    organisations = [
        pk for pk, roles in grants.at_organisation.items() if roles & {Role.CONTRIBUTOR, Role.ASSESSMENT_LEAD}
    ]
    today = timezone.localdate()
    return (
        responses_visible_to(user)
        .filter(
            assignee_id=user.pk,
            assessment__organisation_id__in=organisations,
            assessment__status__in=Assessment.EDITABLE,
        )
        .filter(Q(assessment__cycle__closes_on__gte=today) | Q(assessment__extension_until__gte=today))
        .order_by(
            "-assessment__cycle__name",
            "assessment__organisation__name",
            "domain__measure__position",
            "domain__position",
        )
    )


def responses_assigned_in(user: Any, assessments: Iterable[Assessment]) -> list[DomainResponse]:
    """`responses_assigned_to(user)` among `assessments` the user can see, already read (the
    home page's own, newest cycle first): the same responses, in the assessments' order and then
    the framework's, each with its assessment set to the instance given.

    Why: the home page has read the person's assessments with their cycles and organisations
    anyway, so which are open and theirs to work on is decided from them, and the one query
    left joins only the domain and its measure (building the five-table query with its
    visibility rules cost more than running it). Nobody with no open assessment to work on pays
    a query at all."""
    grants = grants_for(user)
    today = timezone.localdate()
    workers = {Role.CONTRIBUTOR, Role.ASSESSMENT_LEAD}
    open_ones = {
        a.pk: a
        for a in assessments
        if grants.at_organisation.get(a.organisation_id, frozenset()) & workers and is_open_for_editing(a, today)
    }
    if not open_ones:
        return []
    responses = list(
        DomainResponse.objects.filter(assignee_id=user.pk, assessment_id__in=list(open_ones))
        .select_related("domain__measure")
        .order_by("domain__measure__position", "domain__position", "pk")
    )
    order = {pk: position for position, pk in enumerate(open_ones)}
    responses.sort(key=lambda response: order[response.assessment_id])  # stable: framework order kept
    for response in responses:
        response.assessment = open_ones[response.assessment_id]
    return responses


def evidence_visible_to(user: Any) -> QuerySet[Evidence]:
    return Evidence.objects.filter(visible_assessments_q(user, prefix="response__assessment__"))


# Cycles.


def cycles() -> QuerySet[Cycle]:
    """Every cycle, newest first. Cycles are not an organisation's data: everyone signed in may
    know that a cycle exists."""
    return Cycle.objects.select_related("framework").order_by("-name")


cycle_list = PreparedQuery(cycles)  # the same rows, read with SQL written once (list pages)


def previous_cycle(cycle: Cycle) -> Cycle | None:
    return Cycle.objects.filter(name__lt=cycle.name).order_by("-name").first()


# The current score: the one rule every page, flag, report and sweep uses.


def current_score_q(prefix: str = "") -> Q:
    """The filter for current scores; `prefix` reaches an AssessmentScore from the queried model
    (e.g. "score__" from a MeasureScore).

    A score is current when it describes the assessment's latest submission (a return and
    resubmission makes it stale) and was produced by the scoring method in force. A score from
    an older method is not shown, compared or reported as if it were current: the sweep
    re-scores it within minutes, and until then pages say scoring is pending. Figures from a
    superseded rule beside figures from the new one would make comparisons quietly unfair.
    """
    return Q(
        **{
            f"{prefix}assessment__status__in": Assessment.SUBMITTED_OR_LATER,
            f"{prefix}assessment__submitted_at__isnull": False,
            f"{prefix}answers_submitted_at__gte": F(f"{prefix}assessment__submitted_at"),
            f"{prefix}method_version": SCORING_METHOD_VERSION,
        }
    )


def current_scores() -> QuerySet[AssessmentScore]:
    return AssessmentScore.objects.filter(current_score_q())


def assessment_current_score(assessment: Assessment) -> AssessmentScore | None:
    """The assessment's current score with its measure scores, or None (scoring pending)."""
    return current_scores().filter(assessment=assessment).prefetch_related("measures").first()


def assessments_needing_scores() -> QuerySet[Assessment]:
    """Submitted (or later) assessments whose scoring is due: never scored, scored before their
    latest submission, scored by an older method, or with a re-scoring asked for and not yet done
    (`rescore_requested_at`). What the periodic sweep re-drives."""
    submitted = Assessment.objects.filter(status__in=Assessment.SUBMITTED_OR_LATER, submitted_at__isnull=False)
    return submitted.filter(~Q(pk__in=current_scores().values("assessment_id")) | Q(rescore_requested_at__isnull=False))


def scoring_is_due(assessment: Assessment) -> bool:
    """Whether `assessment` is one of assessments_needing_scores(): what a scoring task checks,
    under the assessment's row lock, before doing the work, so that the duplicate deliveries an
    outage leaves behind (a sweep's message beside the original, a redelivery) score once."""
    return assessments_needing_scores().filter(pk=assessment.pk).exists()


# Tuples rather than frozen dataclasses: a national cycle makes hundreds of thousands of them.
class DomainResult(NamedTuple):
    domain_id: int
    domain_key: str
    domain_name: str
    measure_key: str
    level: int


class MeasureResult(NamedTuple):
    key: str
    name: str
    position: int
    score: Decimal | None
    domain_count: int


@dataclass(frozen=True)
class ScoresFromAnswers:
    """What the scoring rules make of an assessment's answers as they stand, as plain data."""

    domains: list[DomainResult]
    measures: list[MeasureResult]
    overall: Decimal | None


def provisional_scores(assessment: Assessment) -> ScoresFromAnswers:
    """Each domain's level, each measure's score and the overall score, worked out from the
    current answers by the scoring rules (assessments.rules.scoring); three queries.

    The one computation of scores from answers: the scoring service stores exactly this for a
    submitted assessment, and the sign-off page shows it beforehand, so what the approver signs
    off is what the portal later scores. Levels are recomputed from the ticked criteria rather
    than trusted from the stored answer. Measures and domains come in framework order.
    """
    return provisional_scores_of(assessment.cycle.framework_id, [assessment.pk])[assessment.pk]


@dataclass(frozen=True)
class _DomainPlace:
    """What scoring needs to know of a domain, read once per framework version."""

    key: str
    name: str
    measure_key: str
    measure_name: str
    measure_position: int
    order: int  # the domain's place in the framework, measures first


def provisional_scores_of(framework_id: int, assessment_ids: Iterable[int]) -> dict[int, ScoresFromAnswers]:
    """`provisional_scores` of many assessments of one framework version at once, in three
    queries whatever their number (the criteria, the answers, the domains): how a whole cycle is
    re-scored. Every assessment named gets an entry, with no domains if it has no answers."""
    return scores_from_levels(framework_id, provisional_levels_of(framework_id, assessment_ids))


# An assessment's domain levels as (domain id, level).
DomainLevels = list[tuple[int, int]]


def provisional_levels_of(framework_id: int, assessment_ids: Iterable[int]) -> dict[int, DomainLevels]:
    """Each assessment's domain levels recomputed from its ticked criteria, in two queries: the
    part of scoring that grows with the answers, kept to the pure rule over one bulk fetch."""
    ids = list(assessment_ids)
    criteria = framework_criteria(framework_id)
    levels: dict[int, DomainLevels] = {pk: [] for pk in ids}
    # In chunks of ids: a national cycle's ids would pass SQLite's limit on query parameters.
    for start in range(0, len(ids), 5000):
        for assessment_id, domain_id, met in DomainResponse.objects.filter(
            assessment_id__in=ids[start : start + 5000]
        ).values_list("assessment_id", "domain_id", "met_criteria"):
            levels[assessment_id].append((domain_id, scoring_rules.domain_level(criteria.get(domain_id, {}), met)))
    return levels


def scores_from_levels(framework_id: int, levels: dict[int, DomainLevels]) -> dict[int, ScoresFromAnswers]:
    """Measure and overall scores from domain levels (`provisional_levels_of`); one query."""
    places = {
        pk: _DomainPlace(key, name, measure_key, measure_name, measure_position, order)
        for order, (pk, key, name, measure_key, measure_name, measure_position) in enumerate(
            Domain.objects.filter(framework_id=framework_id)
            .order_by("measure__position", "position")
            .values_list("pk", "key", "name", "measure__key", "measure__name", "measure__position")
        )
    }
    return {pk: _scores_from(rows, places) for pk, rows in levels.items()}


def _scores_from(rows: DomainLevels, places: dict[int, _DomainPlace]) -> ScoresFromAnswers:
    domains: list[DomainResult] = []
    levels_by_measure: dict[str, list[int]] = defaultdict(list)
    measures: dict[str, _DomainPlace] = {}
    for domain_id, level in sorted(rows, key=lambda row: places[row[0]].order):  # framework order
        place = places[domain_id]
        measures.setdefault(place.measure_key, place)
        levels_by_measure[place.measure_key].append(level)
        domains.append(DomainResult(domain_id, place.key, place.name, place.measure_key, level))
    measure_results = [
        MeasureResult(
            key=key,
            name=measures[key].measure_name,
            position=measures[key].measure_position,
            score=scoring_rules.measure_score(levels),
            domain_count=len(levels),
        )
        for key, levels in levels_by_measure.items()
    ]
    return ScoresFromAnswers(
        domains=domains,
        measures=measure_results,
        overall=scoring_rules.overall_score(m.score for m in measure_results),
    )


def submitted_assessments(*, cycle_name: str | None = None, ods_code: str | None = None) -> QuerySet[Assessment]:
    """Submitted (or later) assessments, optionally of one cycle and/or one organisation."""
    assessments = Assessment.objects.filter(status__in=Assessment.SUBMITTED_OR_LATER)
    if cycle_name:
        assessments = assessments.filter(cycle__name=cycle_name)
    if ods_code:
        assessments = assessments.filter(organisation__ods_code=ods_code)
    return assessments


def scored_since(assessment_ids: Iterable[int], moment: Any) -> int:
    """How many of the assessments have been scored at or after `moment`."""
    return AssessmentScore.objects.filter(assessment_id__in=list(assessment_ids), scored_at__gte=moment).count()


# Answers.


@dataclass
class MeasureSection:
    measure: Measure
    responses: list[DomainResponse] = field(default_factory=list)

    @property
    def completed(self) -> int:
        return sum(response.is_complete for response in self.responses)


TASK_LIST_DEFERRED = (
    "domain__what_good_looks_like",
    "domain__evidence_expected",
    "domain__evidence_from",
    "domain__depends_on",
    "domain__care_settings",
    "domain__measure__summary",
)


_task_list_rows = PreparedQuery(
    lambda assessment_id: (
        DomainResponse.objects.filter(assessment_id=assessment_id)
        .select_related("domain__measure", "assignee", "updated_by")
        .defer(*TASK_LIST_DEFERRED)
        .order_by("domain__measure__position", "domain__position")
    )
)


def assessment_task_list(assessment: Assessment) -> list[MeasureSection]:
    """The measures of the assessment, in framework order, each with its applicable domains."""
    sections: dict[int, MeasureSection] = {}
    # The task list names each domain and its measure: the questionnaire's long texts and lists
    # (what good looks like, expected evidence, who answers it) are left to the domain page rather
    # than read and decoded for every row. Its keys it renames from (`replaces`) stay: last year's
    # comparison reads them from these rows.
    for response in _task_list_rows(assessment.pk):
        response.assessment = assessment
        measure = response.domain.measure
        sections.setdefault(measure.pk, MeasureSection(measure)).responses.append(response)
    return list(sections.values())


def assessment_progress(assessment: Assessment, sections: list[MeasureSection] | None = None) -> dict[str, int]:
    """How many domains are in each state: counted from the task list's `sections` when the page
    has them loaded (no query), else one query."""
    if sections is not None:
        counts = Counter(response.status for section in sections for response in section.responses)
    else:
        counts = Counter(assessment.responses.values_list("status", flat=True))
    total = sum(counts.values())
    return {
        "total": total,
        "completed": counts[DomainResponse.Status.COMPLETED],
        "in_progress": counts[DomainResponse.Status.IN_PROGRESS],
        "not_started": counts[DomainResponse.Status.NOT_STARTED],
        "carried_forward": counts[DomainResponse.Status.CARRIED_FORWARD],
        "percent": round(100 * counts[DomainResponse.Status.COMPLETED] / total) if total else 0,
    }


def incomplete_responses(assessment: Assessment) -> list[DomainResponse]:
    return list(
        assessment.responses.exclude(status=DomainResponse.Status.COMPLETED)
        .select_related("domain__measure")
        .order_by("domain__measure__position", "domain__position")
    )


def levels_with_criteria() -> Prefetch:
    """A domain's levels in order, each with its criteria in order (prefetch from a domain)."""
    return Prefetch(
        "levels",
        queryset=Level.objects.order_by("number").prefetch_related(
            Prefetch("criteria", queryset=Criterion.objects.order_by("position"))
        ),
    )


_response_by_key = PreparedQuery(
    lambda assessment_id, domain_key: (
        DomainResponse.objects.filter(assessment_id=assessment_id, domain__key=domain_key)
        .select_related("domain__measure", "assignee", "updated_by", "carried_forward_from__domain")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.select_related("added_by")))
    )
)


def response_for_page(assessment: Assessment, domain_key: str) -> DomainResponse:
    """One domain's answer with its evidence (a fixed number of queries). Its levels and criteria
    are the framework's, read from the version's kept outline (framework.selectors.domain_outline)
    rather than queried and built into model instances on every domain page."""
    response = _response_by_key.one_or_none(assessment.pk, domain_key)
    if response is None:
        raise DomainResponse.DoesNotExist(f"No domain {domain_key!r} in this assessment")
    response.assessment = assessment
    # The version row the page has read with the assessment, so the outline is looked up without
    # a query of its own and is exactly as fresh as the page's data.
    cycle = assessment.cycle
    if Cycle.framework.is_cached(cycle) and response.domain.framework_id == cycle.framework_id:
        response.domain.framework = cycle.framework
    return response


def assessment_answers(assessment: Assessment) -> QuerySet[DomainResponse]:
    """Every domain's answer with its evidence (who added what, never the files), in framework
    order; three queries however many domains."""
    return (
        assessment.responses.select_related("domain__measure", "assignee", "updated_by")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.select_related("added_by").order_by("added_at", "pk"))
        )
        .order_by("domain__measure__position", "domain__position", "domain__key")
    )


def criterion_texts(response: DomainResponse) -> dict[str, str]:
    """The domain's criterion texts by key, in framework order (from the prefetched levels when a
    caller loaded them, else from the version's kept outline)."""
    domain = response.domain
    if "levels" in getattr(domain, "_prefetched_objects_cache", {}):
        return {c.key: c.text for level in domain.levels.all() for c in level.criteria.all()}
    return {c.key: c.text for level in domain_outline(domain) for c in level.criteria}


def changes_since(response: DomainResponse, version: int) -> list[AuditEvent]:
    """What others saved on this domain after the version a person started editing from."""
    return list(
        AuditEvent.objects.filter(
            assessment_id=response.assessment_id, domain_id=response.domain_id, response_version__gt=version
        ).select_related("actor")
    )


def assessment_history(assessment: Assessment) -> QuerySet[AuditEvent]:
    return assessment.events.select_related("actor", "domain").order_by("-created_at", "-pk")


def latest_return(assessment: Assessment) -> AuditEvent | None:
    """The ICS reviewer's most recent return of the assessment, with its comment."""
    return (
        AuditEvent.objects.filter(
            assessment=assessment, kind=AuditEvent.Kind.TRANSITION, after__status=Assessment.Status.RETURNED
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )


VALIDATED_OR_LATER = frozenset(
    {Assessment.Status.VALIDATED, Assessment.Status.PROVISIONAL, Assessment.Status.PUBLISHED}
)


def with_validated_at(assessments: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """`assessments` with `validated_at`: when a reviewer last validated each (its latest move to
    validated in the audit trail), in the same query however many rows. Only the trail knows:
    the assessment row keeps its status, not when each status was reached."""
    validations = AuditEvent.objects.filter(
        assessment_id=OuterRef("pk"), kind=AuditEvent.Kind.TRANSITION, after__status=Assessment.Status.VALIDATED
    ).order_by("-created_at", "-pk")
    return assessments.annotate(validated_at=Subquery(validations.values("created_at")[:1]))


# Last year: the one way this year's answers meet last year's.


def last_year_answers(assessment: Assessment, domains: Iterable[Domain]) -> dict[str, list[DomainResponse]]:
    """For each of `domains` (this year's), last year's answers to the domains it continues
    (same key, renamed, split or merged), by this year's domain key; one query. Empty lists when
    the organisation has no previous assessment."""
    domains = list(domains)
    if not assessment.previous_id:
        return {domain.key: [] for domain in domains}
    wanted = sorted({key for domain in domains for key in domain.predecessor_keys})
    by_key = {response.domain.key: response for response in _answers_by_keys(assessment.previous_id, wanted)}
    return {domain.key: domain.predecessors_in(by_key) for domain in domains}


_answers_by_keys = PreparedQuery(
    lambda assessment_id, keys: DomainResponse.objects.filter(
        assessment_id=assessment_id, domain__key__in=keys
    ).select_related("domain")
)


def previous_responses(response: DomainResponse) -> list[DomainResponse]:
    """Last year's answers that this domain continues."""
    return last_year_answers(response.assessment, [response.domain])[response.domain.key]


@dataclass(frozen=True)
class YearOnYearRow:
    """One domain beside last year: the answers it continues, why its level changed, and the
    criteria that are new this year (keys)."""

    response: DomainResponse
    previous: list[DomainResponse]
    level_change: LevelChange | None = None
    new_criteria: tuple[str, ...] = ()

    @property
    def previous_level(self) -> int | None:
        return max((p.level for p in self.previous), default=None) if self.previous else None

    @property
    def change(self) -> int | None:
        return None if self.previous_level is None else self.response.level - self.previous_level


def year_on_year(assessment: Assessment, responses: list[DomainResponse] | None = None) -> list[YearOnYearRow]:
    """Every domain beside last year's answers to it, with the cause of any change (five queries;
    one fewer when the caller passes the assessment's answers, with their domains and measures,
    in framework order, as assessment_task_list loads them)."""
    if responses is None:
        responses = list(
            assessment.responses.select_related("domain__measure").order_by(
                "domain__measure__position", "domain__position"
            )
        )
    last_year = last_year_answers(assessment, [r.domain for r in responses])
    if not assessment.previous_id:
        return [YearOnYearRow(r, []) for r in responses]
    framework_id = assessment.cycle.framework_id
    criteria, crosswalks = framework_criteria(framework_id), framework_crosswalks(framework_id)
    earlier = framework_criteria(assessment.previous.cycle.framework_id)
    rows = []
    for response in responses:
        sources = last_year[response.domain.key]
        domain_criteria_map = criteria.get(response.domain_id, {})
        crosswalk = crosswalks.get(response.domain_id, {})
        earlier_keys = [key for s in sources for keys in earlier.get(s.domain_id, {}).values() for key in keys]
        rows.append(_year_on_year_row(response, sources, domain_criteria_map, crosswalk, earlier_keys))
    return rows


def _year_on_year_row(
    response: DomainResponse,
    sources: list[DomainResponse],
    criteria: dict[int, list[str]],
    crosswalk: dict[str, list[str]],
    earlier_keys: list[str],
) -> YearOnYearRow:
    change = level_change(
        criteria=criteria,
        crosswalk=crosswalk,
        sources=sources,
        earlier_keys=earlier_keys,
        met=response.met_criteria,
        current_level=response.level,
    )
    fresh = tuple(new_criteria(criteria, earlier_keys, crosswalk)) if sources else ()
    return YearOnYearRow(response, sources, change, fresh)


def domain_year_on_year(response: DomainResponse) -> YearOnYearRow | None:
    """One domain beside last year (the domain page): its levels and criteria come from the
    page's prefetch; two queries for last year's answers and their criteria."""
    sources = previous_responses(response)
    if not sources:
        return None
    earlier_keys = _criterion_keys(sorted({s.domain_id for s in sources}))
    return _year_on_year_row(
        response, sources, domain_criteria(response.domain), domain_crosswalk(response.domain), earlier_keys
    )


_criterion_keys = PreparedQuery(
    lambda domain_ids: Criterion.objects.filter(domain_id__in=domain_ids).values_list("key", flat=True)
)


def carried_criteria(row: YearOnYearRow) -> list[str]:
    """This domain's criteria that last year's answers meet (through the crosswalk)."""
    domain = row.response.domain
    return carried_met_criteria(domain_criteria(domain), row.previous, domain_crosswalk(domain))


@dataclass(frozen=True)
class YearOnYearSummary:
    """The whole assessment against last year: raw scores on each year's own framework, whether
    the question set changed, and the like-for-like comparison on this year's criteria."""

    previous_cycle: str
    previous_framework: str
    framework: str
    like_for_like: LikeForLike

    @property
    def question_set_changed(self) -> bool:
        return self.previous_framework != self.framework


def year_on_year_summary(assessment: Assessment, rows: list[YearOnYearRow] | None = None) -> YearOnYearSummary | None:
    """None without a previous assessment; `rows` from year_on_year when the caller has them."""
    if not assessment.previous_id:
        return None
    rows = year_on_year(assessment) if rows is None else rows
    previous = assessment.previous  # loaded by year_on_year already
    return YearOnYearSummary(
        previous_cycle=previous.cycle.name,
        previous_framework=previous.cycle.framework.version,
        framework=assessment.cycle.framework.version,
        like_for_like=like_for_like(
            (row.response.domain.measure.key, row.level_change) for row in rows if row.level_change
        ),
    )


# People.


def people_with_role(organisation: Organisation, *roles: str) -> list[User]:
    return [
        a.user for a in RoleAssignment.objects.filter(organisation=organisation, role__in=roles).select_related("user")
    ]


def action_owners(organisation: Organisation) -> list[User]:
    """The people who may own an improvement plan's action: anyone with a role at the
    organisation, once each, by name."""
    people: dict[int, User] = {}
    assignments = RoleAssignment.objects.filter(organisation=organisation, role__in=ORGANISATION_ROLES)
    for assignment in assignments.select_related("user").order_by("user__first_name", "user__last_name", "user_id"):
        people.setdefault(assignment.user_id, assignment.user)
    return list(people.values())


def people_with_role_in(organisation_ids: Iterable[int], role: str) -> dict[int, list[User]]:
    """`people_with_role` for many organisations in one query: organisation id -> its people."""
    people: dict[int, list[User]] = defaultdict(list)
    assignments = RoleAssignment.objects.filter(organisation_id__in=set(organisation_ids), role=role)
    for assignment in assignments.select_related("user").order_by("pk"):
        people[assignment.organisation_id].append(assignment.user)
    return people


def national_people(*roles: str) -> list[User]:
    """Everyone holding one of the national `roles`, e.g. the analysts a query goes to."""
    return [
        a.user
        for a in RoleAssignment.objects.filter(
            role__in=roles, organisation__isnull=True, ics__isnull=True
        ).select_related("user")
    ]


def ics_reviewers(organisation: Organisation) -> list[User]:
    return [
        a.user
        for a in RoleAssignment.objects.filter(ics_id=organisation.ics_id, role=Role.ICS_REVIEWER).select_related(
            "user"
        )
    ]


def reviewers_of(assessment: Assessment) -> list[User]:
    """The people who may now review the (submitted) assessment, as the access rule REVIEW
    decides: a trust's ICS reviewers, or national analysts for an ICB's own system assessment,
    leaving out anyone who holds a role at the organisation itself. The query only gathers the
    candidates; `may` decides, so the people told are exactly the people who can act."""
    return reviewers_of_each([assessment])[assessment.pk]


def reviewers_of_each(assessments: Iterable[Assessment]) -> dict[int, list[User]]:
    """`reviewers_of` for many assessments, with the candidates gathered in two queries (every
    ICS's reviewers at once, the national analysts once) rather than one per assessment."""
    assessments = list(assessments)
    ics_ids = {a.organisation.ics_id for a in assessments if a.organisation.kind != Organisation.Kind.ICB}
    by_ics: dict[int, list[User]] = defaultdict(list)
    for assignment in RoleAssignment.objects.filter(ics_id__in=ics_ids, role=Role.ICS_REVIEWER).select_related("user"):
        by_ics[assignment.ics_id].append(assignment.user)
    analysts = (
        national_people(Role.NATIONAL_ANALYST)
        if any(a.organisation.kind == Organisation.Kind.ICB for a in assessments)
        else []
    )

    def candidates(assessment: Assessment) -> list[User]:
        organisation = assessment.organisation
        return analysts if organisation.kind == Organisation.Kind.ICB else by_ics[organisation.ics_id]

    return {
        assessment.pk: [user for user in candidates(assessment) if may(user, AssessmentAction.REVIEW, assessment)]
        for assessment in assessments
    }


def assignable_people(assessment: Assessment) -> list[User]:
    """Contributors and leads of the organisation: the people work can be delegated to."""
    people = {p.pk: p for p in people_with_role(assessment.organisation, Role.CONTRIBUTOR, Role.ASSESSMENT_LEAD)}
    return sorted(people.values(), key=lambda p: (p.get_full_name() or p.email).lower())


# Validation flags as stored (what the rules are fed is in flag_inputs.py).


def measure_names(framework_id: int) -> dict[str, tuple[int, str]]:
    """(position, name) of each measure of a framework version, by key."""
    return {
        key: (position, name)
        for key, name, position in Measure.objects.filter(framework_id=framework_id).values_list(
            "key", "name", "position"
        )
    }


WHOLE_ASSESSMENT = "the whole assessment"


def flag_subject(flag: ValidationFlag, measures: dict[str, tuple[int, str]]) -> str:
    """What the flag is about, in words: the domain's or the measure's name, or the whole assessment."""
    if flag.domain_id:
        return flag.domain.name
    if not flag.measure_key:
        return WHOLE_ASSESSMENT
    return measures.get(flag.measure_key, (0, flag.measure_key))[1]


def with_subject(flag: ValidationFlag) -> ValidationFlag:
    """The flag with `subject` set (one query for a measure flag)."""
    flag.subject = flag_subject(flag, {} if flag.domain_id else measure_names(flag.assessment.cycle.framework_id))
    return flag


def unresolved_flag_count(assessment: Assessment) -> int:
    """How many of the assessment's stored validation flags nobody has resolved yet."""
    return ValidationFlag.objects.filter(assessment=assessment, resolved_at__isnull=True).count()


def assessment_flags(assessment: Assessment) -> list[ValidationFlag]:
    """The stored flags of an assessment in framework order (two queries), each with `subject`
    set to the name of the domain or measure it is about."""
    measures = measure_names(assessment.cycle.framework_id)
    stored = list(ValidationFlag.objects.filter(assessment=assessment).select_related("domain__measure", "resolved_by"))
    for flag in stored:
        flag.subject = flag_subject(flag, measures)

    def order(flag: ValidationFlag) -> tuple:
        if flag.domain_id:
            return (flag.domain.measure.position, 0, flag.domain.position, flag.kind)
        if not flag.measure_key:
            return (-1, 0, 0, flag.kind)  # about the whole assessment: first
        return (measures.get(flag.measure_key, (99, ""))[0], 1, 0, flag.kind)

    return sorted(stored, key=order)


# Validation flags across assessments: the triage list, the API and the admin.

_FLAG_ORGANISATION = "assessment__organisation__"


def flags_visible_to(user: Any) -> QuerySet[ValidationFlag]:
    """The validation flags the user may see as flags: the answer flags of every assessment they
    may see, and the pattern flags only where they may see the evidence behind them
    (AssessmentAction.VIEW_FLAG_EVIDENCE, as `flag_evidence_organisations_q`). Every flag page,
    the API and the admin start here, so to an organisation's own people one of its pattern
    flags is a plain 404, like another organisation's flag: they see only the neutral count the
    flag section gives them."""
    return ValidationFlag.objects.filter(
        visible_assessments_q(user, prefix="assessment__"),
        Q(kind__in=ANSWER_KINDS) | flag_evidence_organisations_q(user, prefix=_FLAG_ORGANISATION),
    )


# A list page's rows, by the ids its filtered, sorted and paged query found (page_by_ids).
_assessment_rows = PreparedQuery(
    lambda ids: (
        Assessment.objects.filter(pk__in=ids)
        .select_related("cycle__framework", "organisation__ics__region")
        .order_by("organisation__name", "pk")
    )
)
_flag_rows = PreparedQuery(lambda ids: flag_listing(ValidationFlag.objects.filter(pk__in=ids)))


def assessment_list_rows(ids: list[int]) -> list[Assessment]:
    """The assessment list's rows with these ids, as the list orders them (one query)."""
    return _assessment_rows(ids)


def flag_list_rows(ids: list[int]) -> list[ValidationFlag]:
    """The flags list's rows with these ids, as `flag_listing` reads and orders them (one query)."""
    return _flag_rows(ids)


def flags_to_triage(user: Any) -> QuerySet[ValidationFlag]:
    """The flags a reviewer works through, listed (`flag_listing`): every flag of the
    organisations whose flag evidence the user may see. An ICS reviewer gets the trusts of their
    ICS (not any where they hold a role themselves, nor their own ICB, which national analysts
    review); national analysts get every organisation."""
    return flag_listing(flags_visible_to(user).filter(flag_evidence_organisations_q(user, prefix=_FLAG_ORGANISATION)))


def flag_listing(flags: QuerySet[ValidationFlag]) -> QuerySet[ValidationFlag]:
    """Flags as lists show them: newest cycle first, open before resolved, most severe first,
    then by organisation, kind and id (so pages never shuffle), with everything a row shows in
    the one query, the name of a measure flag's measure included (`measure_name`; see
    `listed_subject`)."""
    measure_name = Measure.objects.filter(
        framework_id=OuterRef("assessment__cycle__framework_id"), key=OuterRef("measure_key")
    ).values("name")[:1]
    severity = ValidationFlag.Severity
    return (
        flags.select_related("assessment__cycle", "assessment__organisation__ics__region", "domain", "resolved_by")
        .annotate(
            measure_name=Subquery(measure_name),
            open_rank=Case(
                When(resolved_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            severity_rank=Case(
                When(severity=severity.HIGH, then=Value(0)),
                When(severity=severity.MEDIUM, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .order_by(
            "-assessment__cycle__name", "open_rank", "severity_rank", "assessment__organisation__name", "kind", "pk"
        )
    )


def listed_subject(flag: ValidationFlag) -> str:
    """`flag_subject` for a flag from `flag_listing`, which has its measure's name already."""
    if flag.domain_id or not flag.measure_key:
        return flag_subject(flag, {})
    return getattr(flag, "measure_name", None) or flag.measure_key


def with_listed_subjects(flags: Iterable[ValidationFlag]) -> list[ValidationFlag]:
    """The flags of a list (from `flag_listing`), each with `subject` set; no queries."""
    listed = list(flags)
    for flag in listed:
        flag.subject = listed_subject(flag)
    return listed


def flag_rates(cycle: Cycle, kind: str = "") -> list[FlagRate]:
    """The cycle's precomputed flag rates, one row per ICS with a submitted assessment, for one
    kind of flag ("" for any kind), by region and ICS. The workers keep these rows up to date
    (services.flags.flag_rates_refresh), so the national picture never counts every flag."""
    return list(
        FlagRate.objects.filter(cycle=cycle, kind=kind)
        .select_related("ics__region")
        .order_by("ics__region__name", "ics__name", "pk")
    )


def flag_rates_visible_to(user: Any) -> QuerySet[FlagRate]:
    """Flag rates are counts per ICS: for that ICS's own staff and national staff."""
    grants = grants_for(user)
    rates = FlagRate.objects.select_related("cycle", "ics")
    if grants.sees_everything:
        return rates
    return rates.filter(ics_id__in=list(grants.at_ics))


# Publication.


def results_visible_to(user: Any) -> QuerySet[Assessment]:
    """Assessments whose results the user may see as (provisionally) published: VIEW_RESULTS."""
    return Assessment.objects.filter(visible_results_q(user))


@dataclass(frozen=True)
class PublishedDomain:
    measure_key: str
    key: str
    name: str
    level: int


@dataclass(frozen=True)
class PublishedMeasure:
    key: str
    name: str
    value: Decimal
    domains: list[PublishedDomain]


@dataclass(frozen=True)
class PublishedFigures:
    """What is (or will be) published about one organisation: its current score whole."""

    overall: Decimal | None
    method_version: str
    scored_at: Any
    measures: list[PublishedMeasure]


def published_figures(assessment: Assessment) -> PublishedFigures | None:
    """The organisation's figures as the national files carry them (its current score: overall,
    each measure, each domain's level), in framework order; None while scoring is pending."""
    score = current_scores().filter(assessment=assessment).first()
    if score is None:
        return None
    domains: dict[str, list[PublishedDomain]] = defaultdict(list)
    rows = (
        DomainScore.objects.filter(score=score)
        .order_by("domain__measure__position", "domain__position")
        .values_list("measure_key", "domain_key", "domain__name", "level")
    )
    for measure_key, key, name, level in rows:
        domains[measure_key].append(PublishedDomain(measure_key, key, name, level))
    measures = [
        PublishedMeasure(m.measure_key, m.measure_name, m.value, domains.get(m.measure_key, []))
        for m in score.measures.order_by("position")
    ]
    return PublishedFigures(score.overall, score.method_version, score.scored_at, measures)


def assessment_queries(assessment: Assessment) -> QuerySet[ProvisionalQuery]:
    return ProvisionalQuery.objects.filter(assessment=assessment).select_related("raised_by", "responded_by")


def cycle_queries(cycle: Cycle, status: str = "") -> QuerySet[ProvisionalQuery]:
    queries = ProvisionalQuery.objects.filter(assessment__cycle=cycle).select_related(
        "assessment__organisation", "raised_by", "responded_by"
    )
    return queries.filter(status=status) if status else queries


def query_counts(cycle: Cycle) -> dict[str, int]:
    counts = dict(
        ProvisionalQuery.objects.filter(assessment__cycle=cycle)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {value: counts.get(value, 0) for value in ProvisionalQuery.Status.values}


def pre_release_list(cycle: Cycle) -> QuerySet[PreReleaseAccess]:
    return PreReleaseAccess.objects.filter(cycle=cycle).select_related("user", "recorded_by")


def cycle_events(cycle: Cycle) -> QuerySet[CycleEvent]:
    return CycleEvent.objects.filter(cycle=cycle).select_related("actor").order_by("-created_at", "-pk")


def announced_publications() -> list[Cycle]:
    """Cycles with a publication time announced and not yet reached: shown on the portal."""
    return _announced_publications()


_announced_publications = PreparedQuery(
    lambda: Cycle.objects.filter(release=Cycle.Release.PROVISIONAL, publication_at__isnull=False).order_by(
        "publication_at"
    )
)


def notifications_of(user: Any) -> QuerySet[Notification]:
    """The e-mails the portal sent `user`, newest first: their own, nobody else's."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class PulseComparison:
    """A measure's leaders' score (the assessment's current score) beside how many staff agree."""

    measure_key: str
    measure_name: str
    leaders_level: Decimal | None
    staff_agree_percent: int | None
    statements: tuple


def pulse_of(assessment: Assessment) -> StaffPulse | None:
    return StaffPulse.objects.filter(assessment=assessment).first()


def pulse_fingerprints(assessment_ids: Iterable[int]) -> dict[int, str]:
    """Each assessment's pulse as its board report shows it, as a short text (absent when it has
    no pulse): a part of the report's fingerprint. A closed pulse is its closing time and how many
    answered (answers are never changed, so that fixes its figures); an open one is just "open",
    so a report is made again when a pulse opens and when it closes, not at every answer. One query."""
    rows = (
        StaffPulse.objects.filter(assessment_id__in=list(assessment_ids))
        .annotate(answered=Count("responses"))
        .values_list("assessment_id", "closed_at", "answered")
    )
    return {
        assessment_id: f"closed:{closed_at.isoformat()}:{answered}" if closed_at else "open"
        for assessment_id, closed_at, answered in rows
    }


def pulse_comparison(assessment: Assessment, pulse: StaffPulse) -> tuple[PulseResult, list[PulseComparison]]:
    """The pulse's results (empty of figures while too few have answered) beside each measure's
    score: what leaders say, and how many staff agree."""
    names = measure_names(assessment.cycle.framework_id)
    order = sorted(names, key=lambda key: names[key][0])
    result = pulse_result(pulse.responses.values_list("answers", flat=True), order)
    score = assessment_current_score(assessment)
    levels = {m.measure_key: m.value for m in score.measures.all()} if score else {}
    rows = [
        PulseComparison(
            measure_key=m.measure_key,
            measure_name=names[m.measure_key][1],
            leaders_level=levels.get(m.measure_key),
            staff_agree_percent=m.agree_percent,
            statements=m.statements,
        )
        for m in result.measures
    ]
    return result, rows


def polls_of(response: DomainResponse) -> list[PollRequest]:
    """Who was asked about the domain, newest last, with their views once they answered."""
    requests = _polls_of_response(response.pk)
    for request in requests:
        request.response = response
    return requests


_polls_of_response = PreparedQuery(
    lambda response_id: PollRequest.objects.filter(response_id=response_id).select_related("asked_by")
)


def poll_tallies(requests: Iterable[PollRequest]) -> dict[str, Counter]:
    """Per criterion key, how many colleagues said met, not met or don't know, from the domain's
    requests as polls_of gives them (answered ones count)."""
    tallies: dict[str, Counter] = defaultdict(Counter)
    for request in requests:
        if request.answered_at:
            for key, view in request.views.items():
                tallies[key][view] += 1
    return dict(tallies)
