"""Single sign-on with OpenID Connect: the configured providers, their Authlib clients, and the
checks every token must pass before anyone is signed in or out (decision 0014).

Two profiles, each on when its client id is set (wgll/settings.py):

* ``cis2``, NHS Care Identity Service 2: authorisation code flow with PKCE (S256), the client
  authenticated by a JWT signed with our private key (private_key_jwt), the ACR values asked for,
  and the ID token's identity assurance level (3: verified in person by a Registration
  Authority) and authentication assurance level (at least CIS2_MINIMUM_AUTHENTICATION_LEVEL)
  checked, because CIS2 may sign in people below what the portal asked for.
* ``oidc``, any other provider (Microsoft Entra ID for NHSmail): the same flow with a client secret.

Authlib checks the state (bound to this browser's session, used once), the code exchange with the
PKCE verifier, and the ID token's signature (provider JWKS), issuer, audience, expiry and nonce.
Then the user info is fetched and must be about the same subject as the ID token (OpenID Connect
Core 5.3.2: a user info response for someone else must not be used).

Back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0, section 2.6) are checked
here too, with joserfc, the JOSE library Authlib itself is built on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from django.conf import settings
from django.core.cache import cache as django_cache
from django.http import HttpRequest
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, RSAKey
from joserfc.jws import JWSRegistry

from organisations.identity import VerifiedIdentity, assurance_level, claimed_ods_codes

logger = logging.getLogger(__name__)

CIS2 = "cis2"
OIDC = "oidc"
CIS2_SCOPES = "openid profile email nhsperson associatedorgs"
OIDC_SCOPES = "openid profile email"
# Identity assurance level 3: the person's identity was checked face to face (NHS RA policy).
MINIMUM_IDENTITY_ASSURANCE = 3
CLIENT_ASSERTION_ALGORITHM = "RS256"
# Clock difference tolerated between us and a provider, in seconds.
LEEWAY_SECONDS = 60
# A logout token is acted on only within this many seconds of being issued; its id is remembered
# for as long, so within that window a replay is refused and after it the token is stale anyway.
LOGOUT_TOKEN_MAX_AGE_SECONDS = 300
BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


@dataclass(frozen=True)
class Provider:
    key: str
    display_name: str
    button_text: str
    discovery_url: str
    client_id: str
    scopes: str
    token_auth_method: str
    client_secret: str = ""
    private_key_file: str = ""
    key_id: str = ""
    acr_values: str = ""
    minimum_authentication_level: int | None = None

    @property
    def checks_assurance(self) -> bool:
        return self.minimum_authentication_level is not None


def configured_providers() -> list[Provider]:
    """The providers whose client id is set, in the order the sign-in page offers them."""
    providers = []
    if settings.CIS2_CLIENT_ID:
        providers.append(
            Provider(
                key=CIS2,
                display_name="NHS Care Identity",
                button_text="Sign in with NHS Care Identity",
                discovery_url=settings.CIS2_DISCOVERY_URL,
                client_id=settings.CIS2_CLIENT_ID,
                scopes=CIS2_SCOPES,
                token_auth_method="private_key_jwt",
                private_key_file=settings.CIS2_PRIVATE_KEY_FILE,
                key_id=settings.CIS2_KEY_ID,
                acr_values=settings.CIS2_ACR_VALUES,
                minimum_authentication_level=settings.CIS2_MINIMUM_AUTHENTICATION_LEVEL,
            )
        )
    if settings.OIDC_CLIENT_ID:
        providers.append(
            Provider(
                key=OIDC,
                display_name=settings.OIDC_DISPLAY_NAME,
                button_text=f"Sign in with {settings.OIDC_DISPLAY_NAME}",
                discovery_url=settings.OIDC_DISCOVERY_URL,
                client_id=settings.OIDC_CLIENT_ID,
                scopes=OIDC_SCOPES,
                token_auth_method=settings.OIDC_TOKEN_AUTH_METHOD,
                client_secret=settings.OIDC_CLIENT_SECRET,
            )
        )
    return providers


def provider_named(key: str) -> Provider | None:
    return next((provider for provider in configured_providers() if provider.key == key), None)


class SignInFailed(Exception):
    """A sign-in that must not go ahead. `reason` is for the log; the page explains `kind`."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@cache
def signing_key(path: str, key_id: str) -> RSAKey:
    """Our CIS2 private key, read once per process; its public half is what CIS2 verifies our
    client assertions with (published at /sign-in/cis2/jwks/)."""
    pem = Path(path).read_bytes()
    return RSAKey.import_key(pem, parameters={"kid": key_id, "use": "sig", "alg": CLIENT_ASSERTION_ALGORITHM})


def public_key_set(provider: Provider) -> dict[str, Any]:
    key = signing_key(provider.private_key_file, provider.key_id)
    return {"keys": [key.as_dict(private=False)]}


@cache
def client_for(provider: Provider):
    """One Authlib client per provider configuration and process: it keeps the provider's
    discovery document and keys, so they are fetched once rather than on every sign-in."""
    client_kwargs = {
        "scope": provider.scopes,
        "code_challenge_method": "S256",
        "token_endpoint_auth_method": provider.token_auth_method,
        "default_timeout": settings.SSO_TIMEOUT_SECONDS,
    }
    options: dict[str, Any] = {}
    if provider.token_auth_method == "private_key_jwt":
        options["client_secret"] = signing_key(provider.private_key_file, provider.key_id)
        # The audience of the assertion is the token endpoint it is sent to (RFC 7523 3).
        options["client_auth_methods"] = [
            PrivateKeyJWT(headers={"kid": provider.key_id}, alg=CLIENT_ASSERTION_ALGORITHM)
        ]
    else:
        options["client_secret"] = provider.client_secret
    oauth = OAuth()
    return oauth.register(
        name=provider.key,
        client_id=provider.client_id,
        server_metadata_url=provider.discovery_url,
        client_kwargs=client_kwargs,
        **options,
    )


def authorisation_redirect(request: HttpRequest, provider: Provider, redirect_uri: str):
    """Send the browser to the provider. Authlib keeps the state, nonce and PKCE verifier in this
    session; the callback accepts only that state, once."""
    extra = {"acr_values": provider.acr_values} if provider.acr_values else {}
    try:
        return client_for(provider).authorize_redirect(request, redirect_uri, **extra)
    except (requests.RequestException, ValueError) as error:
        raise SignInFailed("unavailable", f"discovery failed: {error}") from error


def complete_sign_in(request: HttpRequest, provider: Provider) -> VerifiedIdentity:
    """Check the provider's answer at the callback and return who it vouches for."""
    client = client_for(provider)
    try:
        metadata = client.load_server_metadata()
        claims_options = {
            "iss": {"essential": True, "values": [metadata.get("issuer")]},
            "sub": {"essential": True},
        }
        token = client.authorize_access_token(request, claims_options=claims_options, leeway=LEEWAY_SECONDS)
    except MismatchingStateError as error:
        raise SignInFailed("state", "state missing, unknown or already used") from error
    except OAuthError as error:
        raise SignInFailed("provider", f"provider error: {error.error} {error.description or ''}".strip()) from error
    except JoseError as error:
        raise SignInFailed("token", f"ID token refused: {type(error).__name__}: {error}") from error
    except requests.RequestException as error:
        raise SignInFailed("unavailable", f"provider unreachable: {error}") from error
    id_token = token.get("userinfo")
    if not id_token:
        raise SignInFailed("token", "no ID token in the token response")
    try:
        userinfo = client.userinfo(token=token)
    except requests.RequestException as error:
        raise SignInFailed("unavailable", f"user info failed: {error}") from error
    if userinfo.get("sub") != id_token["sub"]:
        raise SignInFailed("subject", f"user info is about {userinfo.get('sub')!r}, the ID token {id_token['sub']!r}")
    verified = VerifiedIdentity(
        provider=provider.key,
        subject=str(id_token["sub"]),
        email=str(userinfo.get("email") or id_token.get("email") or ""),
        given_name=str(userinfo.get("given_name") or id_token.get("given_name") or "")[:150],
        family_name=str(userinfo.get("family_name") or id_token.get("family_name") or "")[:150],
        ods_codes=claimed_ods_codes(userinfo),
        id_assurance_level=assurance_level(id_token.get("id_assurance_level")),
        authentication_assurance_level=assurance_level(id_token.get("authentication_assurance_level")),
        session_id=id_token["sid"] if isinstance(id_token.get("sid"), str) else "",
    )
    if provider.checks_assurance:
        _check_assurance(provider, verified)
    return verified


def _check_assurance(provider: Provider, verified: VerifiedIdentity) -> None:
    if verified.id_assurance_level is None or verified.id_assurance_level < MINIMUM_IDENTITY_ASSURANCE:
        raise SignInFailed("identity_assurance", f"identity assurance level {verified.id_assurance_level}")
    minimum = provider.minimum_authentication_level or 0
    if verified.authentication_assurance_level is None or verified.authentication_assurance_level < minimum:
        raise SignInFailed(
            "authentication_assurance",
            f"authentication assurance level {verified.authentication_assurance_level}, below {minimum}",
        )


class LogoutTokenInvalid(Exception):
    pass


def _key_set(client, *, refresh: bool) -> KeySet:
    return KeySet.import_key_set(client.fetch_jwk_set(force=refresh))


@dataclass(frozen=True)
class LogoutOf:
    """Whom a checked logout token names: the provider's subject, its session (`sid`), or both."""

    subject: str = ""
    session_id: str = ""


def logout_named(provider: Provider, logout_token: str) -> LogoutOf:
    """Whom a back-channel logout token signs out, once its every check has passed.

    Its id (jti) is remembered last, so a token refused for another reason cannot use up the id
    of a genuine one.
    """
    if not logout_token:
        raise LogoutTokenInvalid("no logout_token in the request")
    client = client_for(provider)
    try:
        metadata = client.load_server_metadata()
        algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        registry = JWSRegistry(algorithms=[alg for alg in algorithms if alg != "none"])
        try:
            decoded = jwt.decode(logout_token, _key_set(client, refresh=False), registry=registry)
        except InvalidKeyIdError:
            # The provider may have rotated its keys since we last fetched them.
            decoded = jwt.decode(logout_token, _key_set(client, refresh=True), registry=registry)
    except requests.RequestException as error:
        raise LogoutTokenInvalid(f"the provider's keys could not be fetched: {error}") from error
    except (JoseError, ValueError) as error:
        raise LogoutTokenInvalid(f"not a valid signed token: {type(error).__name__}") from error
    claims = decoded.claims
    try:
        jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": metadata.get("issuer")},
            aud={"essential": True, "value": provider.client_id},
            iat={"essential": True},
            jti={"essential": True},
        ).validate(claims)
    except JoseError as error:
        raise LogoutTokenInvalid(f"claim check failed: {error}") from error
    if not isinstance(claims["iat"], int | float) or claims["iat"] < time.time() - LOGOUT_TOKEN_MAX_AGE_SECONDS:
        raise LogoutTokenInvalid("issued too long ago")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise LogoutTokenInvalid("not a back-channel logout event")
    if "nonce" in claims:
        # A nonce would make it an ID token, which must never be accepted as a logout token.
        raise LogoutTokenInvalid("a logout token must not carry a nonce")
    subject, session_id = claims.get("sub"), claims.get("sid")
    named = LogoutOf(
        subject=subject if isinstance(subject, str) else "",
        session_id=session_id if isinstance(session_id, str) else "",
    )
    if not named.subject and not named.session_id:
        raise LogoutTokenInvalid("names no one: neither a subject (sub) nor a session id (sid)")
    try:
        first_use = django_cache.add(
            f"wgll:sso:logout-jti:{provider.key}:{claims['jti']}", 1, LOGOUT_TOKEN_MAX_AGE_SECONDS + LEEWAY_SECONDS
        )
    except Exception:
        # The shared cache is down. A replay of a signed, fresh logout token can only sign its
        # subject out again, so signing them out now beats refusing the provider's logout.
        logger.warning("Logout token replay check skipped: the cache is unavailable", exc_info=True)
        first_use = True
    if not first_use:
        raise LogoutTokenInvalid("token already used (jti seen)")
    return named
