"""Personal API tokens: made and revoked by their owner on the API tokens page.

A token acts for its owner with exactly their access (the API's endpoints ask the same access
module as the pages), so it needs no scopes of its own; it is shown once, stored as a hash
(django-rest-knox), and expires after the number of days its owner chose."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from organisations.models import ApiToken, User

EXPIRY_CHOICES = (30, 90, 365)
TOKENS_PER_PERSON = 10


@transaction.atomic
def api_token_create(*, user: User, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token itself, which is never stored."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "Enter a name for the token, such as the system that will use it"
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = "The name must be 100 characters or fewer"
    elif ApiToken.objects.filter(user=user, name__iexact=name).exists():
        errors["name"] = f"You already have a token called {name!r}: choose another name"
    allowed = [d for d in EXPIRY_CHOICES if d <= settings.API_TOKEN_MAX_DAYS] or [settings.API_TOKEN_MAX_DAYS]
    if days not in allowed:
        errors["days"] = f"Choose when the token expires: after {', '.join(map(str, allowed))} days"
    # Locking the person's row serialises two tabs making tokens at once, so the limit holds.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user).count() >= TOKENS_PER_PERSON:
        errors["name"] = f"You have {TOKENS_PER_PERSON} tokens, the most allowed: revoke one you no longer use"
    if errors:
        raise ValidationError(errors)
    return ApiToken.objects.create(user=user, expiry=datetime.timedelta(days=days), name=name)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    """Revoking deletes the token: the next request that carries it is refused (401)."""
    if token.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied("You can revoke only your own tokens.")
    ApiToken.objects.filter(digest=token.digest).delete()
