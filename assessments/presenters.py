"""What the assessment pages show, computed from data: tags and colours, read-only reasons, task
list items, descriptions of changes, and the rows of the check-answers and history pages.

No request and no form here: pages pass the signed-in user where what is shown depends on it,
and this module asks the access module, never decides access itself.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import prefetch_related_objects
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from assessments import selectors
from assessments.access import AssessmentAction, is_open_for_editing
from assessments.flag_inputs import draft_flags
from assessments.models import Assessment, AuditEvent, DomainResponse, ValidationFlag
from assessments.rules.carry_forward import LIKE_FOR_LIKE_METHOD, cause_text
from assessments.rules.dates import closing_text, long_date, long_datetime
from assessments.rules.flags import EVIDENCE_EXPECTED_FROM_LEVEL
from framework.selectors import domain_outline, framework_criteria
from organisations.access import holds_any_role_at_organisation, may
from organisations.models import Organisation

Status = DomainResponse.Status

# How each answer status looks in the task list (NHS task list pattern: a finished task is plain text).
RESPONSE_STATUS_TAGS: dict[str, dict[str, Any] | None] = {
    Status.NOT_STARTED: {"text": "Not started", "colour": "white"},
    Status.IN_PROGRESS: {"text": "In progress"},
    Status.COMPLETED: None,
    Status.CARRIED_FORWARD: {"text": "Carried forward – needs review", "colour": "yellow"},
}
ASSESSMENT_STATUS_COLOURS = {
    Assessment.Status.DRAFT: "white",
    Assessment.Status.READY: "blue",
    Assessment.Status.SUBMITTED: "purple",
    Assessment.Status.RETURNED: "red",
    Assessment.Status.VALIDATED: "green",
    Assessment.Status.PROVISIONAL: "aqua-green",
    Assessment.Status.PUBLISHED: "green",
}


def assessment_url_args(assessment: Assessment) -> list[str]:
    return [assessment.cycle.slug, assessment.organisation.ods_code]


def overview_url(assessment: Assessment) -> str:
    return reverse("assessments:overview", args=assessment_url_args(assessment))


# A domain's key is a slug (the framework loader's rule); anything else is reversed in full.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")
_KEY_PLACE = "0domain0key0"


@functools.lru_cache(maxsize=256)
def _domain_url_parts(cycle_slug: str, ods_code: str, script_prefix: str, urlconf: Any) -> tuple[str, str]:
    url = reverse("assessments:domain", args=[cycle_slug, ods_code, _KEY_PLACE], urlconf=urlconf)
    before, _, after = url.partition(_KEY_PLACE)
    return before, after


def domain_url(assessment: Assessment, domain_key: str) -> str:
    """The domain page's address. The task list and check your answers link every domain (a
    hundred or more reversals a page), so the address around the key is reversed once per
    assessment and process and the key, a slug that needs no quoting, put in its place."""
    if not _PLAIN_KEY.fullmatch(domain_key):
        return reverse("assessments:domain", args=[*assessment_url_args(assessment), domain_key])
    before, after = _domain_url_parts(*assessment_url_args(assessment), get_script_prefix(), get_urlconf())
    return f"{before}{domain_key}{after}"


def person_name(user: Any, viewer: Any) -> str:
    if user is None:
        return "Someone"
    return "you" if user.pk == getattr(viewer, "pk", None) else str(user)


def read_only_reason(assessment: Assessment) -> str | None:
    """Why nobody can change the answers now, in words; None while they can."""
    if is_open_for_editing(assessment):
        return None
    status = assessment.status
    if status == Assessment.Status.READY:
        return (
            "This assessment is ready for board sign-off, so its answers cannot be changed. "
            "The assessment lead can reopen it for changes."
        )
    if status == Assessment.Status.SUBMITTED:
        return (
            "This assessment has been signed off and submitted for ICS review, so its answers cannot be changed. "
            "If the ICS returns it for changes, it can be edited again."
        )
    if status == Assessment.Status.VALIDATED:
        return "This assessment has been validated by the ICS, so its answers can no longer be changed."
    if status in (Assessment.Status.PROVISIONAL, Assessment.Status.PUBLISHED):
        return "The results of this assessment have been published, so its answers can no longer be changed."
    return (
        f"The closing date for this assessment, {long_date(assessment.editing_deadline)}, has passed, so its "
        "answers can no longer be changed. National staff can grant an extension."
    )


def deadline_text(assessment: Assessment, today: datetime.date | None = None) -> str:
    """The closing date and the days left in words (assessments.rules.dates.closing_text), from
    the editing deadline, so an extension national staff granted is shown wherever the date is."""
    return closing_text(assessment.cycle.closes_on, assessment.editing_deadline, today or timezone.localdate())


# The task list.


def task_items(section: selectors.MeasureSection, assessment: Assessment, user: Any) -> list[dict[str, Any]]:
    """The NHS task list items of one measure's domains."""
    items = []
    for response in section.responses:
        tag = RESPONSE_STATUS_TAGS.get(response.status)
        hint = None
        if response.assignee_id:
            hint = "Assigned to you" if response.assignee_id == user.pk else f"Assigned to {response.assignee}"
        items.append(
            {
                "heading": {"text": response.domain.name},
                "href": domain_url(assessment, response.domain.key),
                "hint": {"text": hint} if hint else None,
                "status": {"tag": tag} if tag else {"text": response.get_status_display()},
            }
        )
    return items


def may_edit_any(sections: list[selectors.MeasureSection], user: Any) -> bool:
    """Whether the user may change at least one answer: the lead while the assessment is open, a
    contributor with work assigned. Everyone else reads, and is not told to check or confirm."""
    return any(may(user, AssessmentAction.EDIT_RESPONSE, r) for section in sections for r in section.responses)


def work_groups(responses: Iterable[DomainResponse]) -> list[dict[str, Any]]:
    """The home page's "Your work": the domains assigned to someone, as NHS task list items, one
    group per assessment (the responses come ordered by assessment, as
    `selectors.responses_assigned_in` gives them)."""
    groups: list[dict[str, Any]] = []
    for response in responses:
        assessment = response.assessment
        if not groups or groups[-1]["assessment"].pk != assessment.pk:
            groups.append(
                {
                    "assessment": assessment,
                    "heading": f"{assessment.cycle.name} assessment: {assessment.organisation.name}",
                    "deadline": deadline_text(assessment),
                    "items": [],
                }
            )
        tag = RESPONSE_STATUS_TAGS.get(response.status)
        groups[-1]["items"].append(
            {
                "heading": {"text": response.domain.name},
                "href": domain_url(assessment, response.domain.key),
                "hint": {"text": response.domain.measure.name},
                "status": {"tag": tag} if tag else {"text": response.get_status_display()},
            }
        )
    return groups


def sign_off_due(assessments: Iterable[Assessment], user: Any) -> list[dict[str, Any]]:
    """The assessments the user, as their organisation's approver, may sign off now, each with
    the address of its sign-off page, for the home page's call to action."""
    return [
        {"assessment": a, "href": reverse("assessments:sign-off", args=assessment_url_args(a))}
        for a in assessments
        if may(user, AssessmentAction.SIGN_OFF, a)
    ]


def confirmable_counts(sections: list[selectors.MeasureSection], user: Any) -> dict[str, int]:
    """Carried-forward answers the user may confirm, by measure key (measures with none left out)."""
    counts = {
        section.measure.key: sum(
            r.status == Status.CARRIED_FORWARD and may(user, AssessmentAction.EDIT_RESPONSE, r)
            for r in section.responses
        )
        for section in sections
    }
    return {key: count for key, count in counts.items() if count}


# Validation flags.

SEVERITY_TAGS: dict[str, dict[str, str]] = {
    ValidationFlag.Severity.HIGH: {"text": "High severity", "colour": "red"},
    ValidationFlag.Severity.MEDIUM: {"text": "Medium severity", "colour": "orange"},
    ValidationFlag.Severity.LOW: {"text": "Low severity", "colour": "grey"},
}


def severity_tag(severity: str) -> dict[str, str]:
    """The severity as a tag whose words say it (the colour only repeats them)."""
    return SEVERITY_TAGS.get(severity, {"text": f"{str(severity).capitalize()} severity", "colour": "grey"})


def flag_url(assessment: Assessment, flag_id: int) -> str:
    return reverse("assessments:flag-detail", args=[*assessment_url_args(assessment), flag_id])


@dataclass(frozen=True)
class FlagSection:
    """The stored flags of an assessment as one person may see them: `rows` they may read, and
    how many pattern flags are withheld from them, with the neutral line that says so."""

    rows: list[dict[str, Any]]
    withheld: int = 0
    withheld_text: str = ""


def withheld_flags_text(count: int, assessment: Assessment, user: Any, *, others_shown: bool) -> str:
    """The neutral line that stands for pattern flags someone may not see: how many, never what
    they say (they name other organisations and quote their notes and files)."""
    if not count:
        return ""
    further = " further" if others_shown else ""
    noun = f"1{further} flag compares" if count == 1 else f"{count}{further} flags compare"
    organisation = assessment.organisation
    if holds_any_role_at_organisation(user, organisation):
        contact = "the national team" if organisation.kind == Organisation.Kind.ICB else "your ICS reviewer"
        return f"{noun} this assessment with others; {contact} will contact you if they need anything."
    return f"{noun} this assessment with others; only the assessment’s reviewers see {'it' if count == 1 else 'them'}."


def stored_flag_rows(assessment: Assessment, user: Any) -> FlagSection:
    """The stored validation flags of a submitted assessment, for the overview and review pages:
    answer flags for everyone who may see the assessment; pattern flags only for those who may
    see the evidence behind them (AssessmentAction.VIEW_FLAG_EVIDENCE), the others getting a
    neutral line with their number."""
    flags = selectors.assessment_flags(assessment)
    if may(user, AssessmentAction.VIEW_FLAG_EVIDENCE, assessment):
        shown = flags
    else:
        shown = [flag for flag in flags if not flag.is_pattern]
    withheld = len(flags) - len(shown)
    rows = [
        {
            "flag": flag,
            "severity": severity_tag(flag.severity),
            "href": domain_url(assessment, flag.domain.key) if flag.domain_id else None,
            "detail_href": flag_url(assessment, flag.pk),
            "resolved_on": long_date(flag.resolved_at) if flag.resolved_at else None,
        }
        for flag in shown
    ]
    return FlagSection(rows, withheld, withheld_flags_text(withheld, assessment, user, others_shown=bool(shown)))


def signed_change(value: float | None) -> str:
    """+0.4, −0.3 or 0.0 (to one decimal; a true minus sign)."""
    if value is None:
        return "not known"
    rounded = round(float(value), 1) + 0.0  # no "-0.0"
    if rounded == 0:
        return "0.0"
    return f"+{rounded:.1f}" if rounded > 0 else f"\u2212{-rounded:.1f}"


def distribution_rows(
    values: Iterable[float], own: float | None, centre: float | None, *, signed: bool
) -> list[dict[str, Any]]:
    """The peers' values as a grouped count (to one decimal, highest first), with the rows of the
    organisation's own value and of the peers' median marked in words; a row is shown for each
    of those even when no peer has that value."""

    def key(value: float) -> float:
        return round(float(value), 1) + 0.0

    counts = Counter(key(value) for value in values)
    own_key = key(own) if own is not None else None
    centre_key = key(centre) if centre is not None else None
    keys = sorted(set(counts) | {k for k in (own_key, centre_key) if k is not None}, reverse=True)
    rows = []
    for value in keys:
        marks = []
        if value == own_key:
            marks.append("This organisation")
        if value == centre_key:
            marks.append("Median of the peers")
        rows.append(
            {
                "value": signed_change(value) if signed else f"{value:.1f}",
                "peers": counts.get(value, 0),
                "marks": marks,
            }
        )
    return rows


def _bytes(size: int | None) -> str:
    return f"{size:,} bytes" if size else "not known"


def _evidence_rows(items: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [
        {
            "title": item.get("title") or "Untitled",
            "kind": "Link" if item.get("kind") == "link" else "File",
            "what": item.get("url") or "" if item.get("kind") == "link" else _bytes(item.get("size")),
        }
        for item in items
    ]


def _level(value: Any) -> str:
    return "not known" if value is None else f"Level {value}"


def _score(value: Any) -> str:
    return "not known" if value is None else f"{float(value):.1f}"


def _change_against_peers(details: Mapping[str, Any]) -> dict[str, Any]:
    change, centre = details.get("change"), details.get("peer_median")
    peers = [float(value) for value in details.get("peer_changes") or []]
    label = details.get("peer_label") or "peers"
    rising = change is not None and centre is not None and change > centre
    beyond = 0 if change is None else sum(1 for v in peers if (v >= change if rising else v <= change))
    return {
        "summary": [
            ("This organisation’s change since last year", signed_change(change)),
            (f"Median change of the {len(peers)} other {label}", signed_change(centre)),
            (f"Other {label} that {'rose' if rising else 'fell'} as far or further", str(beyond)),
            ("How unusual (robust z-score; 3.5 or more is flagged)", f"{details.get('z', 0):.1f}"),
        ],
        "distribution": distribution_rows(peers, change, centre, signed=True),
        "distribution_caption": f"Change since last year of the {len(peers)} other {label}",
        "value_header": "Change since last year (to one decimal)",
        "domains": [
            {
                "name": domain.get("name") or domain.get("domain_key", ""),
                "from": _level(domain.get("from_level")),
                "to": _level(domain.get("to_level")),
            }
            for domain in details.get("domains") or []
        ],
    }


def _peer_outlier(details: Mapping[str, Any]) -> dict[str, Any]:
    value, centre = details.get("value"), details.get("peer_median")
    peers = [float(score) for score in details.get("peer_scores") or []]
    label = details.get("peer_label") or "peers"
    return {
        "summary": [
            ("This organisation’s score", _score(value)),
            (f"Median score of the {len(peers)} other {label}", _score(centre)),
            (f"Other {label} that score as high", str(sum(1 for p in peers if value is not None and p >= value))),
            ("How unusual (robust z-score; above 3.5 is flagged)", f"{details.get('z', 0):.1f}"),
        ],
        "distribution": distribution_rows(peers, value, centre, signed=False),
        "distribution_caption": f"Scores of the {len(peers)} other {label}",
        "value_header": "Score out of 5 (to one decimal)",
    }


def _evidence_reused(details: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "within": [
            {
                "title": item.get("title") or "Untitled",
                "kind": "Link" if item.get("kind") == "link" else "File",
                "size": "" if item.get("kind") == "link" else _bytes(item.get("size")),
                "domains": list(item.get("domains") or []),
                "sole_backing": list(item.get("sole_backing") or []),
            }
            for item in details.get("within") or []
        ],
        "across": [
            {"title": item.get("title") or "Untitled", "organisations": list(item.get("organisations") or [])}
            for item in details.get("across") or []
        ],
    }


def _copied_notes(details: Mapping[str, Any]) -> dict[str, Any]:
    pairs = []
    for pair in details.get("side_by_side") or []:
        left, right = pair.get("left") or {}, pair.get("right") or {}
        pairs.append({"similarity": pair.get("similarity"), "left": left, "right": right})
    across = details.get("cross_organisation") or 0
    return {"summary": [("Notes almost word for word the same as another organisation’s", str(across))], "pairs": pairs}


def _icb_inconsistent(details: Mapping[str, Any]) -> dict[str, Any]:
    members = details.get("members") or []
    return {
        "summary": [
            ("The system’s overall score", _score(details.get("value"))),
            (f"Median overall score of its {len(members)} member organisations", _score(details.get("member_median"))),
            ("Difference allowed for the number and spread of its members", _score(details.get("tolerance"))),
        ],
        "members": [
            {
                "organisation": member.get("organisation", ""),
                "ods_code": member.get("ods_code", ""),
                "overall": _score(member.get("overall")),
            }
            for member in members
        ],
    }


def _level_jump(details: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "summary": [
            ("Last year’s answers, scored against this year’s criteria", _level(details.get("from_level"))),
            ("Last year’s level, on last year’s criteria", _level(details.get("last_year_level"))),
            ("This year’s level", _level(details.get("to_level"))),
        ]
    }


def _high_level_without_evidence(details: Mapping[str, Any]) -> dict[str, Any]:
    return {"evidence": _evidence_rows(details.get("evidence") or [])}


def _fall_with_evidence_unchanged(details: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "summary": [
            ("Last year’s level", _level(details.get("from_level"))),
            ("This year’s level", _level(details.get("to_level"))),
        ],
        "evidence": _evidence_rows(details.get("evidence") or []),
    }


def _prerequisite_unmet(details: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "summary": [("Level claimed", _level(details.get("level")))],
        "prerequisites": [
            {"name": item.get("name") or item.get("domain_key", ""), "level": _level(item.get("level"))}
            for item in details.get("prerequisites") or []
        ],
    }


_EVIDENCE_OF_KIND = {
    ValidationFlag.Kind.CHANGE_AGAINST_PEERS: _change_against_peers,
    ValidationFlag.Kind.PEER_OUTLIER: _peer_outlier,
    ValidationFlag.Kind.EVIDENCE_REUSED: _evidence_reused,
    ValidationFlag.Kind.COPIED_NOTES: _copied_notes,
    ValidationFlag.Kind.ICB_INCONSISTENT_WITH_MEMBERS: _icb_inconsistent,
    ValidationFlag.Kind.LEVEL_JUMP_WITHOUT_NOTE: _level_jump,
    ValidationFlag.Kind.HIGH_LEVEL_WITHOUT_EVIDENCE: _high_level_without_evidence,
    ValidationFlag.Kind.FALL_WITH_EVIDENCE_UNCHANGED: _fall_with_evidence_unchanged,
    ValidationFlag.Kind.PREREQUISITE_UNMET: _prerequisite_unmet,
}


def flag_evidence(flag: ValidationFlag) -> dict[str, Any]:
    """ "The evidence behind it": the figures a flag was raised on (`details`, whose shape each
    rule in assessments/rules/flags.py and patterns.py sets), ready for the flag page's tables:
    `summary` (label and value pairs) and, by kind, `distribution` (the peers' values as a
    grouped count), `domains`, `within` and `across` (reused files), `pairs` (copied notes side
    by side), `members`, `evidence` or `prerequisites`. A flag stored without its figures has
    `empty` set. Only pages that may show the flag call this (selectors.flags_visible_to)."""
    details = flag.details or {}
    evidence: dict[str, Any] = {"kind": flag.kind, "empty": not details, "summary": []}
    build = _EVIDENCE_OF_KIND.get(flag.kind)
    if details and build is not None:
        evidence.update(build(details))
    return evidence


def flag_status_tag(flag: ValidationFlag) -> dict[str, str]:
    return {"text": "Resolved", "colour": "green"} if flag.is_resolved else {"text": "Not resolved", "colour": "white"}


def triage_rows(flags: Iterable[ValidationFlag], back: str) -> list[dict[str, Any]]:
    """The rows of the reviewers' list of flags (flags from selectors.flag_listing), each linking
    to the flag's page, which returns to `back` (this page of the list, with its filters)."""
    query = urlencode({"from": "triage", "next": back})
    return [
        {
            "flag": flag,
            "href": f"{flag_url(flag.assessment, flag.pk)}?{query}",
            "label": flag.get_kind_display(),
            "subject": selectors.listed_subject(flag),
            "organisation": flag.assessment.organisation,
            "ics": flag.assessment.organisation.ics.short_name,
            "cycle": flag.assessment.cycle.name,
            "severity": severity_tag(flag.severity),
            "status": flag_status_tag(flag),
        }
        for flag in flags
    ]


@dataclass
class RateRow:
    """Flagged organisations among those that submitted, for one ICS or a sum of them."""

    name: str
    code: str
    submitted: int = 0
    flagged: int = 0
    unresolved: int = 0
    region: str = ""

    def add(self, rate: Any) -> None:
        self.submitted += rate.submitted
        self.flagged += rate.flagged
        self.unresolved += rate.unresolved

    @property
    def percent(self) -> str:
        return f"{round(100 * self.flagged / self.submitted)}%" if self.submitted else "–"


@dataclass(frozen=True)
class RateTables:
    regions: list[RateRow]
    systems: list[RateRow]
    total: RateRow
    earliest: str | None
    latest: str | None


def flag_rate_tables(rates: Iterable[Any]) -> RateTables:
    """Per ICS and per region (the sum of its ICSs' rows), from the precomputed FlagRate rows of
    one cycle and kind (selectors.flag_rates, ordered by region and ICS); with when the oldest
    and newest of those rows were counted, since each ICS is recounted on its own when one of
    its flags is resolved."""
    regions: dict[int, RateRow] = {}
    systems: list[RateRow] = []
    total = RateRow("England", "")
    moments = []
    for rate in rates:
        ics, region = rate.ics, rate.ics.region
        row = RateRow(ics.short_name, ics.icb_ods_code, region=region.name)
        row.add(rate)
        systems.append(row)
        regions.setdefault(region.pk, RateRow(region.name, region.ods_code)).add(rate)
        total.add(rate)
        moments.append(rate.computed_at)
    return RateTables(
        regions=list(regions.values()),
        systems=systems,
        total=total,
        earliest=long_datetime(min(moments)) if moments else None,
        latest=long_datetime(max(moments)) if moments else None,
    )


# One domain.


@dataclass
class ChangeByOther:
    """One save someone else made while this person was editing, in words."""

    actor: str
    when: str
    ticked: list[str] = field(default_factory=list)
    unticked: list[str] = field(default_factory=list)
    level: tuple[int, int] | None = None
    notes_changed: bool = False
    status: str | None = None
    summary: str = ""


def _texts_of(keys: set[str], texts: dict[str, str]) -> list[str]:
    """Criterion texts in framework order, then any keys no longer in the framework."""
    return [text for key, text in texts.items() if key in keys] + sorted(key for key in keys if key not in texts)


def describe_changes(events: list[AuditEvent], texts: dict[str, str], viewer: Any) -> list[ChangeByOther]:
    described = []
    for event in events:
        before, after = event.before or {}, event.after or {}
        old, new = set(before.get("met_criteria") or []), set(after.get("met_criteria") or [])
        status = after.get("status")
        described.append(
            ChangeByOther(
                actor=person_name(event.actor, viewer),
                when=long_datetime(event.created_at),
                ticked=_texts_of(new - old, texts),
                unticked=_texts_of(old - new, texts),
                level=(before.get("level"), after.get("level")) if before.get("level") != after.get("level") else None,
                notes_changed=before.get("notes") != after.get("notes"),
                status=Status(status).label if status in Status.values and status != before.get("status") else None,
                summary=event.summary,
            )
        )
    return described


def criteria_groups(
    response: DomainResponse,
    chosen: set[str],
    new_keys: set[str] = frozenset(),
    tallies: Mapping[str, Counter] | None = None,
) -> list[dict]:
    """The domain's criteria grouped by level, for the checkboxes of the domain page; criteria
    new this year say so, and, while unticked, that nobody has answered them yet; and what the
    colleagues polled said of each, for the person answering to weigh."""
    tallies = tallies or {}

    def item(c) -> dict[str, Any]:
        entry: dict[str, Any] = {"value": c.key, "text": c.text, "checked": c.key in chosen}
        hints = []
        if c.key in new_keys:
            hints.append("New this year" + ("" if c.key in chosen else ": not yet answered"))
        if c.key in tallies:
            hints.append(poll_tally_text(tallies[c.key]))
        if hints:
            entry["hint"] = {"text": ". ".join(hints)}
        return entry

    return [
        {"number": level.number, "name": level.name, "items": [item(c) for c in level.criteria]}
        for level in domain_outline(response.domain)
    ]


@dataclass(frozen=True)
class PersonProgress:
    name: str
    completed: int
    total: int


def people_progress(sections: Iterable[Any]) -> list[PersonProgress]:
    """How much each person assigned domains has done, and what nobody was given, for the task
    list's "who is doing what"; empty when nothing is assigned (the overall progress says it all)."""
    done: Counter = Counter()
    total: Counter = Counter()
    names: dict[int | None, str] = {None: "Not assigned"}
    for section in sections:
        for response in section.responses:
            who = response.assignee_id
            if who is not None:
                names[who] = response.assignee.get_full_name() or response.assignee.email
            total[who] += 1
            done[who] += response.status == DomainResponse.Status.COMPLETED
    if set(total) <= {None}:
        return []
    people = sorted((who for who in total if who is not None), key=lambda who: names[who].lower())
    return [PersonProgress(names[who], done[who], total[who]) for who in [*people, *([None] if None in total else [])]]


def waiting_on(assessment: Assessment, today: datetime.date | None = None) -> str:
    """For the home page's card: days left and what the assessment is waiting for, from what the
    card already has (status, counts, dates), so the page costs no query more."""
    today = today or timezone.localdate()
    status = assessment.status
    if status in Assessment.EDITABLE:
        left = (assessment.editing_deadline - today).days
        remaining = getattr(assessment, "total", 0) - getattr(assessment, "completed", 0)
        when = (
            f"{left} day{'' if left == 1 else 's'} left, until {long_date(assessment.editing_deadline)}"
            if left >= 0
            else f"closed for changes on {long_date(assessment.editing_deadline)}"
        )
        if status == Assessment.Status.RETURNED:
            return f"Returned for changes: waiting on your team to make them. {when.capitalize()}."
        if remaining:
            domains = f"{remaining} domain{'' if remaining == 1 else 's'}"
            return f"Waiting on your team: {domains} to finish. {when.capitalize()}."
        return f"Every domain is answered: waiting on the lead to mark it ready for sign-off. {when.capitalize()}."
    if status == Assessment.Status.READY:
        return "Waiting on the approver to record the board's sign-off and submit."
    if status == Assessment.Status.SUBMITTED:
        reviewer = "national staff" if assessment.organisation.kind == "icb" else "the ICS reviewer"
        return f"Submitted: waiting on {reviewer} to review it."
    if status == Assessment.Status.VALIDATED:
        return "Validated: waiting for the national release of results."
    return ""


def poll_tally_text(tally: Counter) -> str:
    """'Colleagues: 2 met, 1 not met, 1 don't know'."""
    return "Colleagues: " + ", ".join(
        f"{tally.get(view, 0)} {label}"
        for view, label in (("met", "met"), ("not_met", "not met"), ("dont_know", "don't know"))
    )


def predecessor_names(domain: Any, previous: list[DomainResponse]) -> list[str]:
    """Last year's domain names when this one was renamed, split off or merged; empty when it is the same."""
    return [p.domain.name for p in previous if p.domain.key != domain.key or p.domain.name != domain.name]


def last_year_summary(response: DomainResponse, texts: dict[str, str]) -> dict[str, Any] | None:
    """Last year's level, why the level changed, and what changed since, for the domain page;
    None without a last year. Criteria are compared through the framework's crosswalk, so a
    renamed or merged criterion met last year is not shown as newly met or no longer met."""
    row = selectors.domain_year_on_year(response)
    if row is None:
        return None
    carried = set(selectors.carried_criteria(row))
    new = set(row.new_criteria)
    now = set(response.met_criteria)
    change = row.level_change
    return {
        "cycle": response.assessment.previous.cycle.name,
        "level": change.previous,
        "like_for_like": change.like_for_like,
        "framework_changed": change.framework_change != 0 or bool(new),
        "cause": cause_text(change),
        "newly_met": [text for key, text in texts.items() if key in now - carried - new],
        # Only this domain's criteria: a split domain no longer asks what its other half does.
        "no_longer_met": [text for key, text in texts.items() if key in carried - now],
        "new_criteria": [text for key, text in texts.items() if key in new],
        "new_keys": new,
        "predecessors": predecessor_names(response.domain, row.previous),
    }


# Check your answers, and what changed since last year.


def draft_flag_rows(
    assessment: Assessment,
    domain_names: dict[str, str] | None = None,
    loaded: list[DomainResponse] | None = None,
) -> list[dict[str, Any]]:
    """The validation flags the answers raise as they stand, each with its label and a link to
    its domain, for the check-answers and sign-off pages (`domain_names` by key when the page
    has them loaded already, else one query; `loaded`, the answers with their evidence, likewise)."""
    flags = draft_flags(assessment, loaded)
    if domain_names is None:
        domain_names = dict(assessment.responses.values_list("domain__key", "domain__name"))
    return [
        {
            "flag": flag,
            "label": ValidationFlag.Kind(flag.kind).label,
            "severity": severity_tag(flag.severity),
            "domain_name": domain_names.get(flag.domain_key, flag.domain_key),
            "href": domain_url(assessment, flag.domain_key),
        }
        for flag in flags
    ]


def check_answers_context(assessment: Assessment, user: Any) -> dict[str, Any]:
    """Everything the check-your-answers page shows (the mark-ready page re-renders it with
    `incomplete` added when the lead tries too early)."""
    sections = selectors.assessment_task_list(assessment)
    responses = [r for s in sections for r in s.responses]
    prefetch_related_objects(responses, "evidence")
    # Counted from the version's criteria maps (kept per process), not by loading every criterion.
    criteria = framework_criteria(assessment.cycle.framework_id)
    # The answers just loaded, not a second read of them.
    year_rows = selectors.year_on_year(assessment, responses)
    last_year = {row.response.pk: row.previous_level for row in year_rows}
    measures = []
    for section in sections:
        rows = []
        for response in section.responses:
            evidence = list(response.evidence.all())
            rows.append(
                {
                    "response": response,
                    "criteria_total": sum(len(keys) for keys in criteria.get(response.domain_id, {}).values()),
                    "last_year_level": last_year.get(response.pk),
                    "evidence": evidence,
                    "evidence_missing": not evidence and response.level >= EVIDENCE_EXPECTED_FROM_LEVEL,
                    "can_edit": may(user, AssessmentAction.EDIT_RESPONSE, response),
                }
            )
        measures.append({"measure": section.measure, "rows": rows})
    # Before submission, the answer-based validation flags are shown so they can be put right
    # (or explained) first; after it, the stored flags are on the overview and review pages.
    draft_flags = []
    if assessment.status not in Assessment.SUBMITTED_OR_LATER:
        draft_flags = draft_flag_rows(assessment, {r.domain.key: r.domain.name for r in responses}, responses)
    return {
        "assessment": assessment,
        "args": assessment_url_args(assessment),
        "domain_urls": {r.domain.key: domain_url(assessment, r.domain.key) for r in responses},
        "measures": measures,
        "draft_flags": draft_flags,
        "missing": [r for r in responses if not r.is_complete],
        "total": len(responses),
        "has_previous": assessment.previous_id is not None,
        "like_for_like": like_for_like_context(selectors.year_on_year_summary(assessment, year_rows)),
        "can_mark_ready": may(user, AssessmentAction.MARK_READY, assessment),
        "can_edit_any": any(row["can_edit"] for measure in measures for row in measure["rows"]),
        "read_only_reason": read_only_reason(assessment),
        "deadline": deadline_text(assessment),
        "evidence_from_level": EVIDENCE_EXPECTED_FROM_LEVEL,
    }


def change_text(change: int | None) -> str:
    if change is None:
        return "Not compared"
    if change == 0:
        return "No change"
    return f"+{change}" if change > 0 else f"\u2212{-change}"


def year_on_year_sections(assessment: Assessment, rows: list[selectors.YearOnYearRow] | None = None) -> list[dict]:
    """Each measure's domains beside last year's levels and why they changed, for the "what
    changed" and sign-off pages (`rows` from selectors.year_on_year when the caller has them)."""
    measures: list[dict[str, Any]] = []
    if not assessment.previous_id:
        return measures
    for row in selectors.year_on_year(assessment) if rows is None else rows:
        measure = row.response.domain.measure
        if not measures or measures[-1]["measure"].pk != measure.pk:
            measures.append({"measure": measure, "rows": []})
        measures[-1]["rows"].append(
            {
                "row": row,
                "change": change_text(row.change),
                "cause": cause_text(row.level_change),
                "new_criteria": len(row.new_criteria),
                "predecessors": predecessor_names(row.response.domain, row.previous),
            }
        )
    return measures


def changes_since_last_year(assessment: Assessment) -> dict[str, Any] | None:
    """The domains whose level changed since last year, as the rows of the "what changed" page
    (so whatever those rows carry shows here too), with how many kept their level and how many
    are new; None without a previous assessment."""
    if not assessment.previous_id:
        return None
    year_rows = selectors.year_on_year(assessment)
    rows = [item for block in year_on_year_sections(assessment, year_rows) for item in block["rows"]]
    return {
        "like_for_like": like_for_like_context(selectors.year_on_year_summary(assessment, year_rows)),
        "previous_cycle": assessment.previous.cycle.name,
        "changed": [item for item in rows if item["row"].change],
        "unchanged": sum(item["row"].change == 0 for item in rows),
        "new": sum(item["row"].change is None for item in rows),
    }


def sign_off_context(assessment: Assessment, sections: list[selectors.MeasureSection]) -> dict[str, Any]:
    """What the approver sees before recording board sign-off, so the board signs off with its
    eyes open: each measure's domains completed beside the score its answers reach now, and the
    overall score (provisional: the portal scores the assessment again after submission); what
    changed since last year; and the validation flags the answers raise."""
    provisional = selectors.provisional_scores(assessment)
    scores = {measure.key: measure.score for measure in provisional.measures}
    return {
        "measure_rows": [
            {
                "measure": section.measure,
                "completed": section.completed,
                "total": len(section.responses),
                "score": scores.get(section.measure.key),
            }
            for section in sections
        ],
        "provisional_overall": provisional.overall,
        "changes": changes_since_last_year(assessment),
        "draft_flags": draft_flag_rows(assessment),
    }


# The history.


@dataclass(frozen=True)
class HistoryEntry:
    event: AuditEvent
    when: str
    actor: str
    changes: list[str]


def _status_label(choices: type, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _iso_date_text(value: str | None) -> str:
    return long_date(datetime.date.fromisoformat(value)) if value else "none"


def describe_event(event: AuditEvent) -> list[str]:
    """Before and after in words: what a reader of the trail needs, not the raw JSON."""
    before, after = event.before or {}, event.after or {}
    lines: list[str] = []
    if event.kind in (AuditEvent.Kind.ANSWER_SAVED, AuditEvent.Kind.ANSWER_CONFIRMED):
        old, new = set(before.get("met_criteria") or []), set(after.get("met_criteria") or [])
        lines.append(f"Criteria: {len(new - old)} added, {len(old - new)} removed")
        if before.get("level") != after.get("level"):
            lines.append(f"Level: {before.get('level', 0)} to {after.get('level', 0)}")
        else:
            lines.append(f"Level: unchanged ({after.get('level', 0)})")
        lines.append(f"Notes changed: {'yes' if before.get('notes') != after.get('notes') else 'no'}")
        if before.get("status") != after.get("status"):
            lines.append(
                f"Status: {_status_label(DomainResponse.Status, before.get('status'))} to "
                f"{_status_label(DomainResponse.Status, after.get('status'))}"
            )
    elif event.kind == AuditEvent.Kind.TRANSITION and before.get("status") != after.get("status"):
        lines.append(
            f"Status: {_status_label(Assessment.Status, before.get('status'))} to "
            f"{_status_label(Assessment.Status, after.get('status'))}"
        )
        if "open_flags" in after:
            lines.append(f"Unresolved validation flags at the decision: {after['open_flags']}")
    elif event.kind == AuditEvent.Kind.ASSIGNED:
        lines.append(f"Assignee: {before.get('assignee') or 'nobody'} to {after.get('assignee') or 'nobody'}")
    elif event.kind == AuditEvent.Kind.EXTENSION:
        old, new = before.get("extension_until"), after.get("extension_until")
        lines.append(f"Extension: {_iso_date_text(old)} to {_iso_date_text(new)}")
    return lines


def history_entries(events: list[AuditEvent]) -> list[HistoryEntry]:
    return [
        HistoryEntry(
            event=event,
            when=long_datetime(event.created_at),
            actor=str(event.actor) if event.actor_id else "The portal",
            changes=describe_event(event),
        )
        for event in events
    ]


# Publication of a cycle's results.


def like_for_like_context(summary: selectors.YearOnYearSummary | None) -> dict[str, Any] | None:
    """The like-for-like comparison and whether the question set changed, for pages and reports."""
    if summary is None:
        return None
    figures = summary.like_for_like
    return {
        "summary": summary,
        "method": LIKE_FOR_LIKE_METHOD,
        "question_set_changed": summary.question_set_changed,
        "question_set_note": (
            f"The questions changed between {summary.previous_cycle} (framework {summary.previous_framework}) "
            f"and this year (framework {summary.framework}): domains were renamed, split or merged and some "
            "criteria are new or raised, so last year's score and this year's are not directly comparable."
            if summary.question_set_changed
            else ""
        ),
        "domains": figures.domains,
        "last_year": figures.last_year,
        "this_year": figures.this_year,
    }
