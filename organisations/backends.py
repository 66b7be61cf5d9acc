"""The portal's sign-in backend: Django's ModelBackend, with the signed-in person read on every
request by SQL written once per process (prepared.py): building that one-row query through the
ORM cost twice what running it does, on every signed-in page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from organisations.models import User
from organisations.prepared import PreparedQuery

PATH = "organisations.backends.PortalModelBackend"
# Sessions signed in before the portal had a backend of its own name Django's, which this one
# extends: they carry over (wgll/sessions.py) rather than everyone being signed out at a release.
LEGACY_PATHS = frozenset({"django.contrib.auth.backends.ModelBackend"})

_user_by_pk = PreparedQuery(lambda pk: User._default_manager.filter(pk=pk))


class PortalModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = _user_by_pk.one_or_none(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
