"""What the flag rules are fed: stored answers, evidence and scores turned into the plain data of
assessments/rules/flags.py and patterns.py. Reads only.

`submissions` builds a whole cycle in a fixed number of queries (about a dozen, whatever the
number of organisations), so a worker can judge every submitted assessment of a cycle against the
same yardstick at once; `draft_answers` builds one assessment's answers the same way, for the
answer flags shown before sign-off. Both go through `_answers`, so a flag seen on a draft is the
flag stored after submission.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count

from assessments.models import Assessment, AssessmentScore, Cycle, DomainResponse, Evidence, MeasureScore
from assessments.rules.carry_forward import carried_notes, level_change
from assessments.rules.flags import DomainAnswer, EvidenceItem, Flag, answer_flags, vocabulary_of
from assessments.rules.patterns import MeasureValue, Submission
from assessments.selectors import current_score_q
from framework.models import Criterion, Domain
from framework.selectors import framework_criteria, framework_crosswalks, framework_prerequisites, kept_for_version
from organisations.models import CareSetting, Organisation
from organisations.prepared import PreparedQuery

# Evidence carried forward keeps last year's moment of attaching, which the copy does not store:
# any time before this year's, so an organisation's own carried file is always "first".
CARRIED_FORWARD_AT = 1.0
ICB_PEER_GROUP = "icb"


@dataclass(frozen=True)
class FrameworkFacts:
    """What the rules need of a framework version, read once per cycle."""

    domains: dict[str, Domain]  # by key
    criteria: dict
    crosswalks: dict
    vocabulary: dict[str, frozenset[str]]  # by domain key
    prerequisites: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, framework_id: int) -> FrameworkFacts:
        """Kept per process while the version is unchanged (every criterion's text is read to
        build it, and the check-answers page builds it on every view); read-only."""
        return kept_for_version("flag-facts", framework_id, lambda: cls._read(framework_id))

    @classmethod
    def _read(cls, framework_id: int) -> FrameworkFacts:
        domains = {d.key: d for d in Domain.objects.filter(framework_id=framework_id).select_related("measure")}
        texts: dict[int, list[str]] = defaultdict(list)
        for domain_id, text in Criterion.objects.filter(domain__framework_id=framework_id).values_list(
            "domain_id", "text"
        ):
            texts[domain_id].append(text)
        return cls(
            domains=domains,
            criteria=framework_criteria(framework_id),
            crosswalks=framework_crosswalks(framework_id),
            vocabulary={key: _vocabulary(d.name, tuple(texts[d.pk])) for key, d in domains.items()},
            prerequisites=framework_prerequisites(framework_id),
        )


@functools.lru_cache(maxsize=1024)
def _vocabulary(name: str, texts: tuple[str, ...]) -> frozenset[str]:
    """A domain's words, kept per text: the words of a question never change, and every scoring
    would otherwise read the whole framework's criteria again."""
    return vocabulary_of(name, *texts)


def _evidence_items(response_ids: Iterable[int]) -> dict[int, list[EvidenceItem]]:
    items: dict[int, list[EvidenceItem]] = defaultdict(list)
    for row in (
        Evidence.objects.filter(response_id__in=list(response_ids))
        .order_by("added_at", "pk")
        .values("response_id", "kind", "title", "digest", "size", "url", "carried_forward", "added_at")
    ):
        items[row.pop("response_id")].append(_evidence_item(**row))
    return items


def _evidence_item(kind, title, digest, size, url, carried_forward, added_at) -> EvidenceItem:
    return EvidenceItem(
        kind=kind,
        title=title,
        digest=digest,
        size=size,
        url=url,
        carried_forward=carried_forward,
        added_at=CARRIED_FORWARD_AT if carried_forward else added_at.timestamp(),
    )


def _loaded_evidence_items(responses: Iterable[DomainResponse]) -> dict[int, list[EvidenceItem]]:
    """The same items as _evidence_items, from answers whose evidence is prefetched."""
    return {
        response.pk: [
            _evidence_item(e.kind, e.title, e.digest, e.size, e.url, e.carried_forward, e.added_at)
            for e in sorted(response.evidence.all(), key=lambda e: (e.added_at, e.pk))
        ]
        for response in responses
    }


@dataclass(frozen=True)
class _DomainRef:
    key: str
    name: str


@dataclass(frozen=True)
class _LastYear:
    """Last year's answer to a domain, as the carry-forward rules read it (without a model
    instance each: a national cycle has tens of thousands)."""

    domain: _DomainRef
    domain_id: int
    level: int
    notes: str
    met_criteria: list
    evidence_count: int


RESPONSE_FIELDS = ("id", "assessment_id", "domain_id", "level", "notes", "met_criteria", "updated_at")


# A page's draft flags compare with last year's answers: written as SQL once (prepared.py) for
# the one or few assessments a page or a cycle's batch asks about.
_last_years_answers = PreparedQuery(
    lambda assessment_ids: (
        DomainResponse.objects.filter(assessment_id__in=assessment_ids)
        .annotate(evidence_count=Count("evidence"))
        .values(
            "assessment_id",
            "domain_id",
            "domain__key",
            "domain__name",
            "level",
            "notes",
            "met_criteria",
            "evidence_count",
        )
    )
)


def _answers(
    assessments: list[Assessment],
    facts: FrameworkFacts,
    earlier_criteria: Mapping[int, Mapping],
    loaded: list[DomainResponse] | None = None,
) -> dict[int, list[DomainAnswer]]:
    """Each assessment's answers beside last year's, by assessment id: three queries in all; one
    when `loaded` holds the (one) assessment's answers with their evidence prefetched, as a page
    that shows them has them already."""
    by_id = {domain.pk: domain for domain in facts.domains.values()}
    if loaded is None:
        rows = DomainResponse.objects.filter(assessment__in=assessments).values(*RESPONSE_FIELDS)
    else:
        rows = [{name: getattr(response, name) for name in RESPONSE_FIELDS} for response in loaded]
    responses = sorted(
        rows, key=lambda r: (by_id[r["domain_id"]].measure.position, by_id[r["domain_id"]].position, r["id"])
    )
    previous_ids = sorted({a.previous_id for a in assessments if a.previous_id})
    last_year: dict[int, dict[str, _LastYear]] = defaultdict(dict)
    for row in _last_years_answers(previous_ids) if previous_ids else ():
        last_year[row["assessment_id"]][row["domain__key"]] = _LastYear(
            domain=_DomainRef(row["domain__key"], row["domain__name"]),
            domain_id=row["domain_id"],
            level=row["level"],
            notes=row["notes"],
            met_criteria=row["met_criteria"],
            evidence_count=row["evidence_count"],
        )
    evidence = _evidence_items(r["id"] for r in responses) if loaded is None else _loaded_evidence_items(loaded)
    previous_of = {a.pk: a.previous_id for a in assessments}
    answers: dict[int, list[DomainAnswer]] = defaultdict(list)
    for response in responses:
        domain = by_id[response["domain_id"]]
        sources = domain.predecessors_in(last_year.get(previous_of[response["assessment_id"]], {}))
        change = level_change(
            criteria=facts.criteria.get(domain.pk, {}),
            crosswalk=facts.crosswalks.get(domain.pk, {}),
            sources=sources,
            earlier_keys=[
                key for s in sources for keys in earlier_criteria.get(s.domain_id, {}).values() for key in keys
            ],
            met=response["met_criteria"],
            current_level=response["level"],
        )
        answers[response["assessment_id"]].append(
            DomainAnswer(
                domain_key=domain.key,
                domain_name=domain.name,
                measure_key=domain.measure.key,
                level=response["level"],
                notes=response["notes"],
                evidence=tuple(evidence.get(response["id"], ())),
                previous_levels=tuple(source.level for source in sources),
                like_for_like_level=change.like_for_like if change else None,
                # The text the cycle's opening carried in, by the very rule that carried it, so
                # "unchanged from last year" means exactly that.
                carried_notes=carried_notes(domain.key, sources),
                previous_evidence_count=sum(source.evidence_count for source in sources),
                vocabulary=facts.vocabulary.get(domain.key, frozenset()),
                written_at=response["updated_at"].timestamp() if response["updated_at"] else 0.0,
            )
        )
    return answers


def _earlier_criteria(assessments: Iterable[Assessment]) -> dict[int, Mapping]:
    """The criteria maps of last year's framework versions (usually one), by domain id."""
    earlier: dict[int, Mapping] = {}
    for framework_id in {a.previous.cycle.framework_id for a in assessments if a.previous_id}:
        earlier.update(framework_criteria(framework_id))
    return earlier


def draft_answers(
    assessment: Assessment, loaded: list[DomainResponse] | None = None
) -> tuple[list[DomainAnswer], FrameworkFacts]:
    """One assessment's answers as the answer flags take them, and its framework's facts (from
    `loaded`, its answers with their evidence prefetched, when the caller has them)."""
    facts = FrameworkFacts.of(assessment.cycle.framework_id)
    answers = _answers([assessment], facts, _earlier_criteria([assessment]), loaded)
    return answers.get(assessment.pk, []), facts


def draft_flags(assessment: Assessment, loaded: list[DomainResponse] | None = None) -> list[Flag]:
    """The answer flags of an assessment as it stands (computed, not stored), so the organisation
    can put them right, or explain them, before it submits. Pattern flags are never shown here.
    `loaded`: its answers with their evidence prefetched, when the caller has them."""
    answers, facts = draft_answers(assessment, loaded)
    return answer_flags(answers, facts.prerequisites)


def peer_group(organisation: Organisation) -> tuple[str, str]:
    """The group an organisation is compared with, and its name in words: ICBs with ICBs, trusts
    with trusts of the same main care setting."""
    if organisation.kind == Organisation.Kind.ICB:
        return ICB_PEER_GROUP, "ICBs"
    setting = organisation.main_care_setting or ""
    if not setting:
        return "", ""
    label = CareSetting(setting).label.lower() if setting in CareSetting.values else setting
    return setting, f"{label} trusts"


def _scores(assessment_ids: list[int]) -> tuple[dict[int, Decimal | None], dict[int, list[MeasureValue]]]:
    overall = dict(
        AssessmentScore.objects.filter(current_score_q(), assessment_id__in=assessment_ids).values_list(
            "assessment_id", "overall"
        )
    )
    measures: dict[int, list[MeasureValue]] = defaultdict(list)
    for assessment_id, key, name, value in (
        MeasureScore.objects.filter(current_score_q("score__"), score__assessment_id__in=assessment_ids)
        .order_by("position")
        .values_list("score__assessment_id", "measure_key", "measure_name", "value")
    ):
        measures[assessment_id].append(MeasureValue(key, name, value))
    return overall, measures


def submitted_in(cycle: Cycle) -> list[Assessment]:
    return list(
        Assessment.objects.filter(cycle=cycle, status__in=Assessment.SUBMITTED_OR_LATER)
        .select_related("organisation__ics", "previous__cycle")
        .order_by("pk")
    )


def submissions(cycle: Cycle) -> tuple[list[Submission], FrameworkFacts]:
    """Every submitted assessment of the cycle as the pattern rules take them, and the framework's
    facts. Only assessments with a current score carry scores (the others are still being scored
    and are judged on their answers alone)."""
    assessments = submitted_in(cycle)
    facts = FrameworkFacts.of(cycle.framework_id)
    answers = _answers(assessments, facts, _earlier_criteria(assessments))
    overall, measures = _scores([a.pk for a in assessments])
    previous_ids = [a.previous_id for a in assessments if a.previous_id]
    previous_overall, previous_measures = _scores(previous_ids)
    built = []
    for assessment in assessments:
        organisation = assessment.organisation
        group, label = peer_group(organisation)
        built.append(
            Submission(
                ref=str(assessment.pk),
                name=organisation.name,
                ods_code=organisation.ods_code,
                ics=organisation.ics.icb_ods_code,
                peer_group=group,
                peer_label=label,
                is_icb=organisation.kind == Organisation.Kind.ICB,
                answers=tuple(answers.get(assessment.pk, ())),
                measures=tuple(measures.get(assessment.pk, ())),
                overall=overall.get(assessment.pk),
                previous_measures={m.key: m.value for m in previous_measures.get(assessment.previous_id, ())},
                previous_overall=previous_overall.get(assessment.previous_id),
            )
        )
    return built, facts
