"""E-mails to the people who need to act next, sent only once the change has committed.

Every link in an e-mail is absolute, built from settings.SITE_URL: a relative link means
nothing in a mail client, and notifications are sent after commit or from workers, with no
request whose host could be used.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from assessments.models import Notification

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    """The full address of a path of the portal (as reverse() gives it), for use outside a page."""
    return f"{settings.SITE_URL.rstrip('/')}/{path.lstrip('/')}"


def assessment_url(assessment: Any) -> str:
    """The full address of an assessment's overview, where every e-mail about it points."""
    return absolute_url(reverse("assessments:overview", args=[assessment.cycle.slug, assessment.organisation.ods_code]))


def notify(*, recipients: Iterable[Any], subject: str, body: str) -> None:
    """E-mail the people who need to act, once the change has committed; each is recorded for
    their notifications page in the same transaction as the change."""
    people = {person.pk: person for person in recipients if person and person.is_active and person.email}
    addresses = sorted({person.email for person in people.values()})
    if not addresses:
        return
    today = timezone.localdate()
    Notification.objects.bulk_create(
        Notification(recipient=person, kind=Notification.Kind.MESSAGE, subject=subject[:300], body=body, sent_on=today)
        for person in people.values()
    )

    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, addresses)
        except Exception:
            logger.exception("Could not send %r to %s", subject, addresses)

    transaction.on_commit(send)
