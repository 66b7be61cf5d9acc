"""Publishing a cycle's results: provisional release, review queries, an announced date, then
publication by the beat task at that time, each step audited (CycleEvent) with actor and time.

The order follows official statistics practice (assessments/rules/publication.py): validated
results go to each organisation and its ICS for a review window; the publication time is
announced at least four weeks ahead; at that time the results are published to every signed-in
user and the national files are made. Higher layers (reports) register for the published hook to
make the files; their own sweep finds a published cycle without files, so a lost hook loses nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from assessments.access import AssessmentAction
from assessments.models import Assessment, Cycle, CycleEvent, DomainScore, PreReleaseAccess, ProvisionalQuery
from assessments.rules.dates import announced_datetime, long_date
from assessments.rules.publication import (
    in_review_window,
    publication_time_problems,
    review_window_problems,
)
from assessments.selectors import national_people, people_with_role
from assessments.services.hooks import AfterCommit
from assessments.services.notifications import absolute_url, assessment_url, notify
from assessments.services.workflow import _move
from organisations.access import may
from organisations.models import Role

Status = Assessment.Status

PublishedListener = Callable[[int], Any]
published = AfterCommit("publishing (cycle)")


def on_published(name: str, listener: PublishedListener) -> None:
    """Register `listener(cycle_id)` to run once a cycle's publication has committed."""
    published.register(name, listener)


def results_url(assessment: Assessment) -> str:
    """The full address of the page showing what is (or will be) published about an organisation."""
    return absolute_url(reverse("assessments:results", args=[assessment.cycle.slug, assessment.organisation.ods_code]))


def _event(cycle: Cycle, actor: Any, kind: str, summary: str, *, before=None, after=None, comment="") -> CycleEvent:
    return CycleEvent.objects.create(
        cycle=cycle,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        summary=summary,
        before=before,
        after=after,
        comment=comment,
    )


def _lock_cycle(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update().get(pk=cycle.pk)


def _require(actor: Any, action: str, target: Any, refusal: str) -> None:
    if not may(actor, action, target):
        raise PermissionDenied(refusal)


def _window(cycle: Cycle) -> dict[str, str | None]:
    return {
        "review_opens_on": cycle.review_opens_on.isoformat() if cycle.review_opens_on else None,
        "review_closes_on": cycle.review_closes_on.isoformat() if cycle.review_closes_on else None,
    }


def _locked_assessments(cycle: Cycle, status: str) -> list[Assessment]:
    return list(
        Assessment.objects.select_for_update(of=("self",))
        .filter(cycle=cycle, status=status)
        .select_related("organisation", "cycle")
        .order_by("organisation__ods_code")
    )


def _move_and_tell(
    assessments: list[Assessment], to: str, actor: Any, summary: str, *, subject: str, opening: str
) -> None:
    """Move each assessment (audited) and e-mail its lead the results page and the assessment."""
    for assessment in assessments:
        _move(assessment, to, actor, summary)
        notify(
            recipients=people_with_role(assessment.organisation, Role.ASSESSMENT_LEAD),
            subject=subject,
            body=f"{opening}\n\n{results_url(assessment)}\n\nYour assessment:\n{assessment_url(assessment)}\n",
        )


@transaction.atomic
def cycle_release_provisionally(
    *,
    cycle: Cycle,
    actor: Any,
    opens_on: datetime.date | None,
    closes_on: datetime.date | None,
    expected_count: int | None = None,
) -> int:
    """Release the validated assessments provisionally, for review from `opens_on` to `closes_on`.

    Run again before publication it releases the assessments validated since (and can move the
    window's end; its start stays once it has begun). `expected_count` is the number the person
    confirmed: if it no longer matches, nothing is released, so nobody releases more or fewer
    results than they checked. Returns the number of assessments released.
    """
    locked = _lock_cycle(cycle)
    _require(actor, AssessmentAction.PUBLISH_CYCLE, locked, "You cannot publish this cycle.")
    if locked.release == Cycle.Release.FINAL:
        raise ValidationError({"release": f"The {locked.name} results have already been published"})
    today = timezone.localdate()
    begun = locked.review_opens_on is not None and locked.review_opens_on <= today
    if begun:
        opens_on = locked.review_opens_on
    problems = review_window_problems(opens_on, closes_on, today=today, opened=begun)
    if locked.publication_at and closes_on and closes_on >= timezone.localtime(locked.publication_at).date():
        problems.setdefault("closes_on", "The review window must close before the announced publication date")
    if problems:
        raise ValidationError(problems)
    assessments = _locked_assessments(locked, Status.VALIDATED)
    if expected_count is not None and len(assessments) != expected_count:
        raise ValidationError(
            {
                "expected": f"The number of assessments to release has changed to {len(assessments)} since you "
                "checked. Check the figures again, then confirm"
            }
        )
    if not assessments and locked.release == Cycle.Release.UNPUBLISHED:
        raise ValidationError({"expected": "No assessment of this cycle has been validated by its ICS yet"})
    before = _window(locked)
    locked.review_opens_on, locked.review_closes_on = opens_on, closes_on
    first = locked.release == Cycle.Release.UNPUBLISHED
    locked.release = Cycle.Release.PROVISIONAL
    locked.save(update_fields=["release", "review_opens_on", "review_closes_on"])
    window = f"{long_date(opens_on)} to {long_date(closes_on)}"
    _move_and_tell(
        assessments,
        Status.PROVISIONAL,
        actor,
        "Provisionally released for review",
        subject=f"{locked.name} digital maturity results: check them before publication",
        opening=(
            f"Your organisation's {locked.name} results are released provisionally. Check what will be "
            f"published about your organisation and raise any query from {window}:"
        ),
    )
    after = {**_window(locked), "released": len(assessments)}
    if first or assessments:
        noun = "assessment" if len(assessments) == 1 else "assessments"
        _event(
            locked,
            actor,
            CycleEvent.Kind.PROVISIONAL_RELEASE,
            f"{len(assessments)} {noun} released provisionally; review window {window}",
            before=before,
            after=after,
        )
    elif before != _window(locked):
        _event(locked, actor, CycleEvent.Kind.REVIEW_WINDOW, f"Review window now {window}", before=before, after=after)
    return len(assessments)


@transaction.atomic
def cycle_announce_publication(
    *, cycle: Cycle, actor: Any, publication_at: datetime.datetime | None, reason: str = ""
) -> Cycle:
    """Announce (or change, with a reason) when the cycle's results will be published."""
    locked = _lock_cycle(cycle)
    _require(actor, AssessmentAction.PUBLISH_CYCLE, locked, "You cannot publish this cycle.")
    if locked.release == Cycle.Release.FINAL:
        raise ValidationError({"publication_date": f"The {locked.name} results have already been published"})
    if locked.release != Cycle.Release.PROVISIONAL:
        raise ValidationError(
            {"publication_date": "Release the results provisionally before announcing their publication date"}
        )
    announced = timezone.localtime(locked.publication_at) if locked.publication_at else None
    at = timezone.localtime(publication_at) if publication_at else None
    problems = publication_time_problems(
        at, now=timezone.localtime(), review_closes_on=locked.review_closes_on, announced=announced, reason=reason
    )
    if problems:
        raise ValidationError(problems)
    if announced == at:
        return locked
    locked.publication_at = publication_at
    locked.publication_announced_at = timezone.now()
    locked.save(update_fields=["publication_at", "publication_announced_at"])
    when = announced_datetime(at)
    if announced is None:
        summary = f"Publication announced for {when}"
        _event(locked, actor, CycleEvent.Kind.ANNOUNCED, summary, after={"at": at.isoformat()})
    else:
        _event(
            locked,
            actor,
            CycleEvent.Kind.RESCHEDULED,
            f"Publication moved from {announced_datetime(announced)} to {when}",
            before={"at": announced.isoformat()},
            after={"at": at.isoformat()},
            comment=reason.strip(),
        )
    return locked


def publication_when(cycle: Cycle) -> str | None:
    """The announced publication time in words, e.g. "Tuesday 2 March 2027 at 9:30am"."""
    return announced_datetime(cycle.publication_at) if cycle.publication_at else None


def cycle_publish(*, cycle: Cycle, now: datetime.datetime | None = None) -> int:
    """Publish the provisionally released results, if the announced time has come; the beat task
    calls this (there is no button: results appear at the time announced, never earlier).
    Idempotent: a cycle already published, or not yet due, publishes nothing. Returns the number
    of assessments published."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_cycle(cycle)
        if locked.release != Cycle.Release.PROVISIONAL or locked.publication_at is None or locked.publication_at > now:
            return 0
        assessments = _locked_assessments(locked, Status.PROVISIONAL)
        _move_and_tell(
            assessments,
            Status.PUBLISHED,
            None,
            "Published at the announced time",
            subject=f"{locked.name} digital maturity results published",
            opening=f"Your organisation's {locked.name} results are published:",
        )
        locked.release = Cycle.Release.FINAL
        locked.published_at = now
        locked.save(update_fields=["release", "published_at"])
        noun = "assessment" if len(assessments) == 1 else "assessments"
        _event(
            locked,
            None,
            CycleEvent.Kind.PUBLISHED,
            f"{len(assessments)} {noun} published at the announced time, {announced_datetime(locked.publication_at)}",
            after={"published": len(assessments), "at": now.isoformat()},
        )
        published.after_commit(locked.pk)
    return len(assessments)


def cycles_publish_due(now: datetime.datetime | None = None) -> list[str]:
    """Publish every cycle whose announced time has come; the names of those published."""
    now = now or timezone.now()
    due = Cycle.objects.filter(release=Cycle.Release.PROVISIONAL, publication_at__lte=now)
    published = []
    for cycle in due:
        cycle_publish(cycle=cycle, now=now)
        published.append(cycle.name)
    return published


# Queries about provisional results.


@transaction.atomic
def query_raise(*, assessment: Assessment, actor: Any, text: str, domain_key: str = "") -> ProvisionalQuery:
    locked = (
        Assessment.objects.select_for_update(of=("self",)).select_related("cycle", "organisation").get(pk=assessment.pk)
    )
    if not may(actor, AssessmentAction.RAISE_QUERY, locked):
        if locked.status == Status.PROVISIONAL and not in_review_window(
            locked.cycle.review_opens_on, locked.cycle.review_closes_on, timezone.localdate()
        ):
            raise ValidationError({"text": "Queries can be raised only during the review window"})
        raise PermissionDenied("You cannot raise a query about these results.")
    text = text.strip()
    problems = {}
    if not text:
        problems["text"] = "Enter your query: say which figure you think is wrong and why"
    elif len(text) > 4000:
        problems["text"] = "Your query must be 4,000 characters or fewer"
    if domain_key and not DomainScore.objects.filter(score__assessment=locked, domain_key=domain_key).exists():
        problems["domain_key"] = "Choose a domain of this assessment, or none"
    if problems:
        raise ValidationError(problems)
    query = ProvisionalQuery.objects.create(assessment=locked, raised_by=actor, text=text, domain_key=domain_key)
    notify(
        recipients=national_people(Role.NATIONAL_ANALYST),
        subject=f"Query on the provisional {locked.cycle.name} results of {locked.organisation.name}",
        body=(
            f"{locked.organisation.name} raised a query about its provisional results:\n\n{text}\n\n"
            f"{absolute_url(reverse('assessments:publish-query', args=[locked.cycle.slug, query.pk]))}\n"
        ),
    )
    return query


@transaction.atomic
def query_respond(*, query: ProvisionalQuery, actor: Any, status: str, response: str) -> ProvisionalQuery:
    """A national analyst answers a query: "answered" (the figures stand, and why) or "accepted"
    (they will be corrected before publication)."""
    locked = (
        ProvisionalQuery.objects.select_for_update(of=("self",))
        .select_related("assessment__cycle", "assessment__organisation", "raised_by")
        .get(pk=query.pk)
    )
    _require(actor, AssessmentAction.ANSWER_QUERY, locked, "You cannot answer this query.")
    problems = {}
    if locked.status != ProvisionalQuery.Status.OPEN:
        problems["status"] = f"This query was already {locked.get_status_display().lower()}"
    elif status not in (ProvisionalQuery.Status.ANSWERED, ProvisionalQuery.Status.ACCEPTED):
        problems["status"] = "Choose whether the figures stand (answered) or will be corrected (accepted)"
    response = response.strip()
    if not response:
        problems["response"] = "Enter your response: it is shown to the organisation"
    if problems:
        raise ValidationError(problems)
    locked.status, locked.response = status, response
    locked.responded_by, locked.responded_at = actor, timezone.now()
    locked.save()
    outcome = locked.get_status_display().lower()
    notify(
        recipients=[locked.raised_by],
        subject=f"Your query on the provisional {locked.assessment.cycle.name} results was {outcome}",
        body=f"{response}\n\n{results_url(locked.assessment)}\n",
    )
    return locked


# The pre-release access list.


PRE_RELEASE_SEEN_PRECISION = datetime.timedelta(minutes=1)


def pre_release_access_note(*, user: Any, cycle: Cycle, what: str) -> None:
    """Record that `user` saw `cycle`'s figures before publication (`what`: the page or file),
    once per person with the first and last time; nothing once the cycle is published."""
    if cycle.release == Cycle.Release.FINAL or not getattr(user, "pk", None):
        return
    now = timezone.now()
    mine = PreReleaseAccess.objects.filter(cycle=cycle, user=user, recorded_by__isnull=True)
    # The last time is kept to the minute: a page view reads the row, and writes only if a minute has
    # passed, so browsing the dashboard (its chart CSVs, its tabs) is not a write per request.
    if mine.filter(last_seen_at__lte=now - PRE_RELEASE_SEEN_PRECISION).update(last_seen_at=now) or mine.exists():
        return
    name = user.get_full_name() or user.get_username()
    with transaction.atomic():
        _, created = PreReleaseAccess.objects.get_or_create(
            cycle=cycle,
            user=user,
            recorded_by=None,
            defaults={
                "name": name,
                "capacity": _capacity(user),
                "reason": f"Opened {what} in the portal",
                "first_seen_at": now,
                "last_seen_at": now,
            },
        )
        if created:
            _event(cycle, user, CycleEvent.Kind.PRE_RELEASE_ACCESS, f"{name} first saw the figures ({what})")


def _capacity(user: Any) -> str:
    roles = sorted({a.get_role_display() for a in user.role_assignments.all()})
    return ", ".join(roles) or "No role"


@transaction.atomic
def pre_release_access_add(
    *, cycle: Cycle, actor: Any, name: str, capacity: str, reason: str, seen_on: datetime.date | None
) -> PreReleaseAccess:
    """Record someone given the figures outside the portal (a briefing, a minister's office)."""
    locked = _lock_cycle(cycle)
    _require(actor, AssessmentAction.PUBLISH_CYCLE, locked, "You cannot record pre-release access for this cycle.")
    problems = {}
    required = (("name", name, "name"), ("capacity", capacity, "role and organisation"), ("reason", reason, "reason"))
    for field, value, words in required:
        if not value.strip():
            problems[field] = f"Enter the {words}"
    today = timezone.localdate()
    if seen_on is None:
        problems["seen_on"] = "Enter the date they were given the figures"
    elif seen_on > today:
        problems["seen_on"] = "The date they were given the figures must be today or in the past"
    elif locked.published_at and seen_on > timezone.localtime(locked.published_at).date():
        problems["seen_on"] = "Pre-release access is access before publication: the date must be before it"
    if problems:
        raise ValidationError(problems)
    at = timezone.make_aware(datetime.datetime.combine(seen_on, datetime.time(12)))
    entry = PreReleaseAccess.objects.create(
        cycle=locked,
        name=name.strip(),
        capacity=capacity.strip(),
        reason=reason.strip(),
        first_seen_at=at,
        last_seen_at=at,
        recorded_by=actor,
    )
    _event(locked, actor, CycleEvent.Kind.PRE_RELEASE_ACCESS, f"{entry.name} given the figures on {long_date(seen_on)}")
    return entry
