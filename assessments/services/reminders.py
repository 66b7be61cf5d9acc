"""The daily reminders: to assignees (and, for what nobody was given, the lead) with unfinished
domains before the closing date; to approvers while an assessment waits for sign-off; to leads
while a returned one waits for changes; to reviewers while submissions wait for review.

Each person gets at most one e-mail of each kind a day, listing everything of that kind due for
them (the database's unique key on person, kind and day makes a second sweep, or a second beat,
send nothing more). What a reminder was about is kept with it, so nothing is reminded twice
(deadline points) or more than weekly (waits). People who turned reminders off get none; the
messages sent as things happen (assigned, ready, returned, validated) are not reminders and still go.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, AuditEvent, DomainResponse, Notification
from assessments.rules.dates import long_date
from assessments.rules.reminders import deadline_milestone, waiting_reminder_due
from assessments.selectors import people_with_role_in, reviewers_of_each
from assessments.services.notifications import absolute_url, assessment_url
from organisations.models import Role, User

logger = logging.getLogger(__name__)

Kind = Notification.Kind
HISTORY_DAYS = 400  # far enough back to cover any cycle's deadline points


@dataclass(frozen=True)
class Item:
    """One thing a reminder is about: `key` names it for "already reminded?", `line` says it."""

    key: str
    line: str
    # When the wait began, for a reminder repeated weekly while it lasts; None for one sent once
    # ever (a deadline point).
    waiting_since: datetime.date | None = None


SUBJECTS = {
    Kind.DEADLINE: "Digital maturity assessment: domains to finish before the closing date",
    Kind.SIGN_OFF_WAITING: "Digital maturity assessment waiting for your board sign-off",
    Kind.RETURNED_WAITING: "Your returned digital maturity assessment is waiting for changes",
    Kind.REVIEW_WAITING: "Digital maturity assessments waiting for your review",
}


def reminders_send(*, today: datetime.date | None = None) -> Counter:
    """Send every reminder due `today` (default: the local date); returns e-mails sent by kind."""
    today = today or timezone.localdate()
    due: dict[tuple[int, str], list[Item]] = defaultdict(list)
    people: dict[int, User] = {}
    for person, kind, item in (*_deadline_items(today), *_waiting_items(today)):
        if person.is_active and person.wants_reminders:
            people[person.pk] = person
            due[(person.pk, kind)].append(item)
    last_sent = _last_sent(today, {pk for pk, _ in due})
    sent: Counter = Counter()
    for (person_id, kind), items in sorted(due.items()):
        fresh = [item for item in items if _due(item, today, last_sent.get((person_id, kind, item.key)))]
        if fresh and _send(people[person_id], kind, fresh, today):
            sent[kind] += 1
    return sent


def _due(item: Item, today: datetime.date, previous: datetime.date | None) -> bool:
    if item.waiting_since is None:
        return previous is None
    return waiting_reminder_due(item.waiting_since, today, previous)


def _deadline_items(today: datetime.date):
    """Unfinished domains of assessments still open for answers, at a deadline point."""
    responses = (
        DomainResponse.objects.filter(assessment__status__in=sorted(Assessment.EDITABLE))
        .exclude(status=DomainResponse.Status.COMPLETED)
        .select_related("assessment__cycle", "assessment__organisation", "assignee")
        .order_by("assessment_id", "pk")
    )
    by_assessment: dict[int, tuple[Assessment, dict[int | None, int]]] = {}
    assignees: dict[int, User] = {}
    for response in responses:
        assessment = response.assessment
        if deadline_milestone(assessment.editing_deadline, today) is None:
            continue
        _, counts = by_assessment.setdefault(assessment.pk, (assessment, Counter()))
        counts[response.assignee_id] += 1
        if response.assignee_id:
            assignees[response.assignee_id] = response.assignee
    leads = people_with_role_in((a.organisation_id for a, _ in by_assessment.values()), Role.ASSESSMENT_LEAD)
    for assessment, counts in by_assessment.values():
        deadline = assessment.editing_deadline
        milestone = deadline_milestone(deadline, today)
        key = f"deadline:{assessment.pk}:{deadline.isoformat()}:{milestone}"
        days_left = (deadline - today).days
        for assignee_id, count in counts.items():
            # What nobody was given is the lead's to finish or hand out.
            recipients = [assignees[assignee_id]] if assignee_id else leads.get(assessment.organisation_id, [])
            whose = "assigned to you" if assignee_id else "not assigned to anyone"
            line = (
                f"{assessment.organisation.name}: {count} domain{'' if count == 1 else 's'} {whose} "
                f"to finish by {long_date(deadline)} ({days_left} day{'' if days_left == 1 else 's'} left)\n"
                f"  {assessment_url(assessment)}"
            )
            for person in recipients:
                yield person, Kind.DEADLINE, Item(key=key, line=line)


def _waiting_items(today: datetime.date):
    entered = Subquery(
        AuditEvent.objects.filter(assessment=OuterRef("pk"), kind=AuditEvent.Kind.TRANSITION)
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    waiting = (
        Assessment.objects.filter(
            status__in=[Assessment.Status.READY, Assessment.Status.RETURNED, Assessment.Status.SUBMITTED]
        )
        .annotate(entered_at=entered)
        .select_related("cycle", "organisation__ics")
        .order_by("pk")
    )
    rows = [a for a in waiting if a.entered_at]
    leads = people_with_role_in(
        (a.organisation_id for a in rows if a.status == Assessment.Status.RETURNED), Role.ASSESSMENT_LEAD
    )
    approvers = people_with_role_in(
        (a.organisation_id for a in rows if a.status == Assessment.Status.READY), Role.APPROVER
    )
    reviewers = reviewers_of_each(a for a in rows if a.status == Assessment.Status.SUBMITTED)
    for assessment in rows:
        since = timezone.localdate(assessment.entered_at)
        if not waiting_reminder_due(since, today, None):
            continue
        days = (today - since).days
        where = f"{assessment.organisation.name}, {assessment.cycle.name}"
        if assessment.status == Assessment.Status.READY:
            kind, recipients = Kind.SIGN_OFF_WAITING, approvers.get(assessment.organisation_id, [])
            line = f"{where}: ready for board sign-off for {days} days"
        elif assessment.status == Assessment.Status.RETURNED:
            kind, recipients = Kind.RETURNED_WAITING, leads.get(assessment.organisation_id, [])
            line = f"{where}: returned for changes {days} days ago"
        else:
            kind, recipients = Kind.REVIEW_WAITING, reviewers[assessment.pk]
            line = f"{where}: submitted {days} days ago, waiting for review"
        item = Item(
            key=f"{kind}:{assessment.pk}:{since.isoformat()}",
            line=f"{line}\n  {assessment_url(assessment)}",
            waiting_since=since,
        )
        for person in recipients:
            yield person, kind, item


def _last_sent(today: datetime.date, person_ids: set[int]) -> dict[tuple[int, str, str], datetime.date]:
    """When each person was last reminded of each item, read once for the whole sweep."""
    last: dict[tuple[int, str, str], datetime.date] = {}
    for person_id, kind, sent_on, items in (
        Notification.objects.filter(recipient_id__in=person_ids, sent_on__gte=today - datetime.timedelta(HISTORY_DAYS))
        .exclude(kind=Kind.MESSAGE)
        .order_by("sent_on")
        .values_list("recipient_id", "kind", "sent_on", "items")
    ):
        for key in items:
            last[(person_id, kind, key)] = sent_on
    return last


def _send(person: User, kind: str, items: list[Item], today: datetime.date) -> bool:
    subject = SUBJECTS[kind]
    lines = "\n\n".join(item.line for item in items)
    body = (
        f"{lines}\n\n"
        "This is a reminder. You can turn reminders off, and see every e-mail the portal has sent you, on your "
        f"notifications page:\n{absolute_url(reverse('notifications'))}\n"
    )
    try:
        with transaction.atomic():
            # The unique key (person, kind, day) makes this the one reminder of its kind today,
            # whichever sweep gets here first.
            Notification.objects.create(
                recipient=person, kind=kind, subject=subject, body=body, items=[i.key for i in items], sent_on=today
            )
            address = person.email
            transaction.on_commit(lambda: _deliver(subject, body, address))
    except IntegrityError:
        return False
    return True


def _deliver(subject: str, body: str, address: str) -> None:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    except Exception:
        logger.exception("Could not send the reminder %r to %s", subject, address)
