"""Who a single sign-on is for: matching a provider's verified identity to a portal account.

The rules, each closing a way into someone else's account:

* An identity is matched on the provider's subject identifier alone, never on its e-mail address:
  addresses are reassigned when people move on, and some providers let people set their own.
* A new identity whose address belongs to an existing account is linked to it only after a
  sign-in with that account's password, so whoever controls the address at the provider does not
  thereby control the portal account.
* A new identity with no such account gets a new account with no password and no roles. The
  organisations its provider names are stored for the service desk to read when it grants roles
  (Django admin); they are claims, never a role.

The protocol checks (signatures, audience, nonce, assurance levels) are done before any of this,
in the portal's wiring (wgll/sso.py): what arrives here is verified.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from organisations.models import Identity, Organisation, ProviderSession, User, normalise_email


class IdentityRefused(Exception):
    """A verified identity that cannot be signed in, with the reason shown to the person."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class VerifiedIdentity:
    """What a provider has vouched for, after its tokens were checked."""

    provider: str
    subject: str
    email: str = ""
    given_name: str = ""
    family_name: str = ""
    ods_codes: tuple[str, ...] = field(default_factory=tuple)
    id_assurance_level: int | None = None
    authentication_assurance_level: int | None = None
    session_id: str = ""  # the provider's session (`sid`), when its ID token names one

    def as_session(self) -> dict[str, Any]:
        return {**asdict(self), "ods_codes": list(self.ods_codes)}

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> VerifiedIdentity:
        return cls(**{**data, "ods_codes": tuple(data.get("ods_codes", ()))})


@dataclass(frozen=True)
class SignInMatch:
    """Either the account to sign in (`user`), or the address of the existing account whose
    password must be given once before the identity is linked to it (`link_to_email`)."""

    user: User | None = None
    created: bool = False
    link_to_email: str = ""


def claimed_ods_codes(claims: dict[str, Any]) -> tuple[str, ...]:
    """The ODS codes of the organisations a CIS2 user works for: those of their national RBAC roles
    (`nhsid_nrbac_roles`, with the nationalrbacaccess scope) and of their associated organisations
    (`nhsid_user_orgs`, with the associatedorgs scope), each `{"org_code": ..., ...}`. Anything
    malformed is skipped: these are shown to a person, not trusted for access."""
    codes = set()
    for claim in ("nhsid_nrbac_roles", "nhsid_user_orgs"):
        entries = claims.get(claim)
        if not isinstance(entries, list):
            continue
        for entry in entries:
            code = entry.get("org_code") if isinstance(entry, dict) else None
            if isinstance(code, str) and code.strip():
                codes.add(code.strip().upper())
    return tuple(sorted(codes))


def assurance_level(value: Any) -> int | None:
    """CIS2 sends its assurance levels as strings ("3"); anything else unreadable counts as none."""
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _record(identity: Identity, verified: VerifiedIdentity, now) -> None:
    identity.email = normalise_email(verified.email)
    identity.claimed_ods_codes = list(verified.ods_codes)
    identity.id_assurance_level = verified.id_assurance_level
    identity.authentication_assurance_level = verified.authentication_assurance_level
    identity.last_signed_in_at = now


def _save_sign_in(identity: Identity, verified: VerifiedIdentity, now) -> None:
    """Store what this sign-in said (_record), and keep the provider's session id for a logout
    that names it alone, forgetting this identity's ones older than any portal session can be."""
    _record(identity, verified, now)
    identity.save()
    ProviderSession.objects.filter(
        identity=identity, signed_in_at__lt=now - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    ).delete()
    if verified.session_id:
        ProviderSession.objects.update_or_create(
            identity=identity, session_id=verified.session_id, defaults={"signed_in_at": now}
        )


def _known(verified: VerifiedIdentity) -> Identity | None:
    return (
        Identity.objects.select_for_update()
        .select_related("user")
        .filter(provider=verified.provider, subject=verified.subject)
        .first()
    )


@transaction.atomic
def identity_sign_in(*, verified: VerifiedIdentity) -> SignInMatch:
    """Match a verified identity to the account it signs in to, creating one for a newcomer.

    The identity's latest claims (organisations, assurance levels) are recorded on every sign-in,
    so the service desk reads what the provider said most recently.
    """
    now = timezone.now()
    identity = _known(verified)
    if identity is None:
        email = normalise_email(verified.email)
        if not email:
            raise IdentityRefused(
                "no_email", "Your account at the identity provider has no e-mail address, which the portal needs."
            )
        if User.objects.filter(email=email).exists():
            return SignInMatch(link_to_email=email)
        try:
            with transaction.atomic():
                # No password: this person signs in through their provider only.
                user = User.objects.create_user(
                    email=email, password=None, first_name=verified.given_name, last_name=verified.family_name
                )
                identity = Identity(user=user, provider=verified.provider, subject=verified.subject)
                identity.first_signed_in_at = now
                _save_sign_in(identity, verified, now)
            return SignInMatch(user=user, created=True)
        except IntegrityError:
            # The same person's first sign-in finishing twice at once (two tabs): the other won.
            identity = _known(verified)
            if identity is None:
                raise
    if not identity.user.is_active:
        raise IdentityRefused("inactive", "Your account in the portal has been closed.")
    _save_sign_in(identity, verified, now)
    return SignInMatch(user=identity.user)


@transaction.atomic
def identity_link(*, user: User, verified: VerifiedIdentity) -> Identity:
    """Link a verified identity to `user`, who has just signed in with their password.

    Only the account whose address the provider claimed can be linked (the caller signs in to
    that address alone), and an account keeps one identity per provider.
    """
    if normalise_email(verified.email) != user.email:
        raise IdentityRefused("link_mismatch", "That identity belongs with a different account.")
    now = timezone.now()
    existing = _known(verified)
    if existing is not None:
        if existing.user_id != user.pk:
            raise IdentityRefused("linked_elsewhere", "That identity is already linked to another account.")
        _save_sign_in(existing, verified, now)
        return existing
    if Identity.objects.filter(user=user, provider=verified.provider).exists():
        raise IdentityRefused(
            "already_linked", "Your portal account is already linked to a different account at this provider."
        )
    identity = Identity(user=user, provider=verified.provider, subject=verified.subject, first_signed_in_at=now)
    _save_sign_in(identity, verified, now)
    return identity


def identity_for_subject(*, provider: str, subject: str) -> Identity | None:
    """The identity a provider's logout or sign-in names, if it has ever signed in here."""
    return Identity.objects.select_related("user").filter(provider=provider, subject=subject).first()


def identity_for_logout(*, provider: str, subject: str = "", session_id: str = "") -> Identity | None:
    """Whom a back-channel logout signs out: the subject it names, or, when it names only the
    provider's session, the identity that signed in here with that session (None when neither
    was ever seen here)."""
    if subject:
        return identity_for_subject(provider=provider, subject=subject)
    if not session_id:
        return None
    session = (
        ProviderSession.objects.select_related("identity__user")
        .filter(identity__provider=provider, session_id=session_id)
        .order_by("-signed_in_at")
        .first()
    )
    return session.identity if session else None


def claimed_organisations_of(user: Any) -> list[dict[str, str]]:
    """The organisations a person's providers say they work for, each with its name where the
    portal knows the code: shown on their home page while they have no role, to tell the
    service desk which organisation to add them to."""
    if not getattr(user, "is_authenticated", False):
        return []
    codes = sorted({code for codes in user.identities.values_list("claimed_ods_codes", flat=True) for code in codes})
    names = dict(Organisation.objects.filter(ods_code__in=codes).values_list("ods_code", "name"))
    return [{"ods_code": code, "name": names.get(code, "")} for code in codes]
