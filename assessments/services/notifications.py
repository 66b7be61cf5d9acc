"""E-mails to the people who need to act next, sent only once the change has committed."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

logger = logging.getLogger(__name__)


def notify(*, recipients: Iterable[Any], subject: str, body: str) -> None:
    addresses = sorted({person.email for person in recipients if person and person.is_active and person.email})
    if not addresses:
        return

    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, addresses)
        except Exception:
            logger.exception("Could not send %r to %s", subject, addresses)

    transaction.on_commit(send)
