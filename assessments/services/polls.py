"""Polling colleagues on a domain: whoever may answer the domain (its assignee, or the lead) sends
its criteria to named colleagues, who say met, not met or don't know for each through a link that
needs no account, works once and expires. Their views are tallied beside each criterion on the
domain page for the person answering to weigh; a poll never changes an answer by itself.

Each link carries a random secret of 256 bits; only its SHA-256 digest is stored, as for team
invitations (organisations/services/team.py)."""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from assessments.access import AssessmentAction, is_open_for_editing
from assessments.models import DomainResponse, PollRequest
from assessments.rules.dates import long_date
from assessments.selectors import criterion_texts
from assessments.services.notifications import absolute_url
from organisations.access import may
from organisations.models import normalise_email

logger = logging.getLogger(__name__)

MAX_COLLEAGUES = 20
POLL_DAYS = 14
COMMENT_MAX = 1000
VIEWS = frozenset(PollRequest.View.values)


class PollUnusable(Exception):
    """The link cannot be used; the message says why, for the page to show."""

    def __init__(self, message: str, status: int = 410) -> None:
        super().__init__(message)
        self.status = status


def poll_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_colleagues(text: str) -> list[tuple[str, str]]:
    """'Ada Okafor <ada.okafor@nhs.net>' or a bare address, one a line, as (name, address);
    ValidationError naming every line that is neither."""
    colleagues, wrong = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip().strip(",;")
        if not line:
            continue
        name, _, rest = line.rpartition("<")
        address = normalise_email(rest.rstrip(">") if rest and line.endswith(">") else line)
        try:
            validate_email(address)
        except ValidationError:
            wrong.append(str(number))
            continue
        colleagues.append((name.strip().strip('"'), address))
    if wrong:
        raise ValidationError(
            {"colleagues": f"Line {', '.join(wrong)}: enter an e-mail address, like ada.okafor@nhs.net"}
        )
    if not colleagues:
        raise ValidationError({"colleagues": "Enter the e-mail address of at least one colleague"})
    unique = list({address: (name, address) for name, address in colleagues}.values())
    if len(unique) > MAX_COLLEAGUES:
        raise ValidationError({"colleagues": f"Ask at most {MAX_COLLEAGUES} colleagues at a time"})
    return unique


@transaction.atomic
def poll_send(*, response: DomainResponse, colleagues: Iterable[tuple[str, str]], actor: Any) -> list[PollRequest]:
    """Ask each colleague for their view of the domain's criteria (asking someone again replaces
    their unanswered link)."""
    if not may(actor, AssessmentAction.EDIT_RESPONSE, response):
        raise PermissionDenied("You cannot ask colleagues about this domain.")
    now = timezone.now()
    colleagues = list(colleagues)
    # Asking someone again replaces their unanswered link: one delete for everyone asked now.
    PollRequest.objects.filter(
        response=response, email__in=[address for _, address in colleagues], answered_at__isnull=True
    ).delete()
    sent = []
    for name, address in colleagues:
        token = secrets.token_urlsafe(32)
        request = PollRequest.objects.create(
            response=response,
            asked_by=actor,
            name=name[:150],
            email=address,
            token_digest=poll_digest(token),
            expires_at=now + datetime.timedelta(days=POLL_DAYS),
        )
        _send(request, token, actor)
        sent.append(request)
    return sent


def poll_for_token(token: str, *, lock: bool = False) -> PollRequest:
    requests = PollRequest.objects.select_related("response__domain", "response__assessment__organisation")
    if lock:
        requests = requests.select_for_update(of=("self",))
    request = requests.filter(token_digest=poll_digest(token)).first()
    if request is None:
        raise PollUnusable("This link is not valid. Check that you copied the whole link from the e-mail.", 404)
    if request.answered_at:
        raise PollUnusable("You have already answered. Thank you: the person who asked can see your views.")
    if timezone.now() >= request.expires_at:
        raise PollUnusable(f"This request expired on {long_date(request.expires_at)}.")
    if not is_open_for_editing(request.response.assessment):
        raise PollUnusable("This assessment is no longer taking answers, so your views are no longer needed.")
    return request


@transaction.atomic
def poll_answer(*, token: str, views: Mapping[str, str], comments: Mapping[str, str]) -> PollRequest:
    request = poll_for_token(token, lock=True)
    keys = list(criterion_texts(request.response))
    errors = {}
    for key in keys:
        if views.get(key) not in VIEWS:
            errors[f"view_{key}"] = "Choose met, not met or don't know"
        if len(comments.get(key, "")) > COMMENT_MAX:
            errors[f"comment_{key}"] = f"The comment must be {COMMENT_MAX} characters or fewer"
    if errors:
        raise ValidationError(errors)
    request.views = {key: views[key] for key in keys}
    request.comments = {key: text.strip() for key in keys if (text := comments.get(key, "").strip())}
    request.answered_at = timezone.now()
    request.save(update_fields=["views", "comments", "answered_at"])
    return request


def _send(request: PollRequest, token: str, actor: Any) -> None:
    response = request.response
    organisation = response.assessment.organisation
    link = absolute_url(reverse("poll-answer", args=[token]))
    subject = f"{actor} would like your view: {response.domain.name} at {organisation.name}"
    body = (
        f"{actor} is answering the '{response.domain.name}' part of {organisation.name}'s digital maturity "
        "assessment and would like your view: for each of its criteria, is it met here, not met, or don't you "
        f"know? It takes a few minutes and needs no account.\n\n{link}\n\n"
        f"The link works once, until {long_date(request.expires_at)}. Your views are shown to the people "
        "answering the assessment; they do not change the answer by themselves.\n"
    )
    address = request.email

    def deliver() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        except Exception:
            logger.exception("Could not send the poll request to %s", address)

    transaction.on_commit(deliver)
