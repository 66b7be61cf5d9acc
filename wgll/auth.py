"""Whom a sign-in attempt is for, as django-axes counts failures and locks out.

Axes keys its counts on the username it is given. People sign in with an e-mail address typed
in any case, so the key is the normalised address: otherwise "CIO@trust.nhs.uk" would collect
failures of its own, and a guesser could dodge the lockout of "cio@trust.nhs.uk" by changing
case. Used for every sign-in (portal and admin alike) through AXES_USERNAME_CALLABLE.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from organisations.models import normalise_email


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    # Where axes itself would look: the credentials given to authenticate(), else the form post.
    source = credentials or getattr(request, "data", request.POST)
    username = source.get(settings.AXES_USERNAME_FORM_FIELD)
    return normalise_email(username) if username else username
