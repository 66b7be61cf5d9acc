"""A small OpenID Connect provider for the single sign-on tests, served over real HTTP on
127.0.0.1 (a WSGI app on wsgiref's server, in a thread, on a free port).

It does what CIS2 and Entra ID do that the portal depends on, and checks what they check:
discovery, its JWKS, an authorisation endpoint that signs in one configured test user without
asking (PKCE S256 required, the redirect address registered), a token endpoint that verifies the
code (once), the PKCE verifier and the client's authentication (a private_key_jwt assertion checked
against the client's public key, its audience, expiry and jti; or a client secret), and user info.
Tests change what it answers through `id_token_claims`, `userinfo_claims` and the other
attributes, and mint back-channel logout tokens with `logout_token`.

The JOSE work (keys, signing, verifying) is joserfc's, the library Authlib is built on.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


@dataclass
class Client:
    client_id: str
    redirect_uris: list[str]
    public_keys: KeySet | None = None  # private_key_jwt
    secret: str = ""  # client_secret_post / client_secret_basic


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str
    claims: dict[str, Any]


@dataclass
class TestUser:
    sub: str = "cis2-user-0001"
    email: str = "ada.lovelace@nhs.net"
    given_name: str = "Ada"
    family_name: str = "Lovelace"
    id_assurance_level: str = "3"
    authentication_assurance_level: str = "3"
    orgs: list[dict[str, str]] = field(
        default_factory=lambda: [{"org_code": "RAL", "org_name": "ROYAL FREE LONDON NHS FOUNDATION TRUST"}]
    )
    roles: list[dict[str, str]] = field(
        default_factory=lambda: [
            {"org_code": "RAL", "person_orgid": "5550001", "person_roleid": "5550002", "role_code": "S0010:G0020:R8000"}
        ]
    )


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # the test output is not a web log
        pass


class Provider:
    """One provider, its keys generated for the test session."""

    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "provider-key-1", "use": "sig", "alg": "RS256"})
        self.server: WSGIServer = make_server("127.0.0.1", 0, self, handler_class=_QuietHandler)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.clients: dict[str, Client] = {}
        self.reset()

    def reset(self) -> None:
        """Back to answering honestly, for the next test."""
        self.user = TestUser()
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.seen_assertion_ids: set[str] = set()
        self.authorisation_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, Any]] = []
        self.issued_id_tokens: list[str] = []
        self.session_ids: list[str] = []  # the provider session (sid) each ID token named
        self.id_token_claims: dict[str, Any] = {}  # overrides of the next ID tokens' claims
        self.userinfo_claims: dict[str, Any] = {}  # overrides of the user info
        self.replay_id_token: str | None = None  # answer with this ID token instead of a new one
        self.authorisation_error: str | None = None  # e.g. "access_denied"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # Endpoints

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/token"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def register(self, client: Client) -> None:
        self.clients[client.client_id] = client

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        method = environ["REQUEST_METHOD"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        form: dict[str, str] = {}
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        routes = {
            ("GET", "/.well-known/openid-configuration"): lambda: self._discovery(),
            ("GET", "/jwks"): lambda: (200, {"keys": [self.key.as_dict(private=False)]}),
            ("GET", "/authorize"): lambda: self._authorize(query),
            ("POST", "/token"): lambda: self._token(form, environ),
            ("GET", "/userinfo"): lambda: self._userinfo(environ),
        }
        handler = routes.get((method, path))
        if handler is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        status, body = handler()
        if status == 302:
            start_response("302 Found", [("Location", body)])
            return [b""]
        start_response(f"{status} {'OK' if status == 200 else 'Error'}", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    def _discovery(self):
        return 200, {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": self.token_endpoint,
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_post", "client_secret_basic"],
            "backchannel_logout_supported": True,
            "acr_values_supported": ["AAL3_ANY", "AAL2_OR_AAL3_ANY", "AAL2_ANY"],
        }

    def _authorize(self, query: dict[str, str]):
        self.authorisation_requests.append(query)
        client = self.clients.get(query.get("client_id", ""))
        redirect_uri = query.get("redirect_uri", "")
        if client is None or redirect_uri not in client.redirect_uris:
            return 400, {"error": "invalid_request", "error_description": "unknown client or redirect_uri"}
        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            return 400, {"error": "invalid_request"}
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {"error": "invalid_request", "error_description": "PKCE with S256 is required"}
        state = query.get("state", "")
        if self.authorisation_error:
            return 302, f"{redirect_uri}?{urlencode({'error': self.authorisation_error, 'state': state})}"
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            code_challenge=query["code_challenge"],
            nonce=query.get("nonce", ""),
            claims=self._user_claims(),
        )
        return 302, f"{redirect_uri}?{urlencode({'code': code, 'state': state})}"

    def _user_claims(self) -> dict[str, Any]:
        user = self.user
        return {
            "sub": user.sub,
            "email": user.email,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "name": f"{user.given_name} {user.family_name}",
            "nhsid_user_orgs": user.orgs,
            "nhsid_nrbac_roles": user.roles,
            "id_assurance_level": user.id_assurance_level,
            "authentication_assurance_level": user.authentication_assurance_level,
        }

    def _authenticate_client(self, form: dict[str, str], environ) -> Client | None:
        if form.get("client_assertion_type") == ASSERTION_TYPE:
            return self._check_assertion(form.get("client_assertion", ""))
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        client = self.clients.get(client_id)
        if client is None or not client.secret or not secrets.compare_digest(client.secret, secret):
            return None
        return client

    def _check_assertion(self, assertion: str) -> Client | None:
        """RFC 7523 section 3: signed by the client's key, iss and sub its id, aud our token
        endpoint, not expired, and a jti never seen before."""
        try:
            unverified = json.loads(base64.urlsafe_b64decode(assertion.split(".")[1] + "=="))
            client = self.clients.get(unverified.get("iss", ""))
            if client is None or client.public_keys is None:
                return None
            claims = jwt.decode(assertion, client.public_keys, algorithms=["RS256", "RS512"]).claims
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": client.client_id},
                sub={"essential": True, "value": client.client_id},
                aud={"essential": True, "value": self.token_endpoint},
                exp={"essential": True},
                jti={"essential": True},
            ).validate(claims)
        except (JoseError, ValueError, IndexError):  # any failure is an unauthenticated client
            return None
        if claims["jti"] in self.seen_assertion_ids:
            return None
        self.seen_assertion_ids.add(claims["jti"])
        return client

    def _token(self, form: dict[str, str], environ):
        client = self._authenticate_client(form, environ)
        self.token_requests.append({"form": form, "client": client.client_id if client else None})
        if client is None:
            return 401, {"error": "invalid_client"}
        grant = self.grants.pop(form.get("code", ""), None)  # a code works once
        if grant is None or grant.client_id != client.client_id or grant.redirect_uri != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or challenge != grant.code_challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = grant.claims
        now = int(time.time())
        identity = {
            key: grant.claims[key]
            for key in ("sub", "id_assurance_level", "authentication_assurance_level", "given_name", "family_name")
        }
        claims = {
            "iss": self.issuer,
            "aud": client.client_id,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "nonce": grant.nonce,
            "acr": "AAL3_ANY",
            "sid": f"op-session-{len(self.session_ids) + 1}",
            **identity,
            **self.id_token_claims,
        }
        self.session_ids.append(claims["sid"])
        id_token = self.replay_id_token or self.sign(claims)
        self.issued_id_tokens.append(id_token)
        return 200, {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}

    def _userinfo(self, environ):
        header = environ.get("HTTP_AUTHORIZATION", "")
        claims = self.access_tokens.get(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None
        if claims is None:
            return 401, {"error": "invalid_token"}
        info = {key: value for key, value in claims.items() if key not in ("id_assurance_level",)}
        return 200, {**info, **self.userinfo_claims}

    # Tokens

    def sign(self, claims: dict[str, Any], key: RSAKey | None = None, header: dict | None = None) -> str:
        key = key or self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid, **(header or {})}, claims, key)

    def logout_token(self, *, client_id: str, key: RSAKey | None = None, **changes) -> str:
        """A back-channel logout token as the spec describes it; `changes` replace or (None)
        remove claims, to make the bad ones."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": client_id,
            "iat": now,
            "exp": now + 120,
            "jti": secrets.token_urlsafe(16),
            "sub": self.user.sub,
            "events": {LOGOUT_EVENT: {}},
        }
        claims.update(changes)
        claims = {name: value for name, value in claims.items() if value is not None}
        return self.sign(claims, key=key, header={"typ": "logout+jwt"})


@pytest.fixture(scope="session")
def oidc_server():
    provider = Provider()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def cis2_client_key(tmp_path_factory):
    """The portal's CIS2 key pair: the private half in a PEM file as deployed, the public half
    registered with the provider (CIS2 reads it from the portal's JWKS address)."""
    key = RSAKey.generate_key(2048, parameters={"kid": "portal-2026-1"})
    path = tmp_path_factory.mktemp("cis2") / "portal-key.pem"
    path.write_bytes(key.as_pem(private=True))
    return key, path


CIS2_CLIENT_ID = "wgll-portal.apps.cis2"
OIDC_CLIENT_ID = "wgll-portal-entra"
OIDC_CLIENT_SECRET = "entra-client-secret-for-tests"


@pytest.fixture
def oidc_provider(oidc_server, cis2_client_key, settings):
    """The provider, reset, with both profiles of the portal configured against it."""
    key, path = cis2_client_key
    oidc_server.reset()
    site = settings.SITE_URL
    oidc_server.register(
        Client(
            client_id=CIS2_CLIENT_ID,
            redirect_uris=[f"{site}/sign-in/cis2/callback/"],
            public_keys=KeySet([RSAKey.import_key(key.as_dict(private=False))]),
        )
    )
    oidc_server.register(
        Client(client_id=OIDC_CLIENT_ID, redirect_uris=[f"{site}/sign-in/oidc/callback/"], secret=OIDC_CLIENT_SECRET)
    )
    settings.CIS2_CLIENT_ID = CIS2_CLIENT_ID
    settings.CIS2_DISCOVERY_URL = oidc_server.discovery_url
    settings.CIS2_PRIVATE_KEY_FILE = str(path)
    settings.CIS2_KEY_ID = key.kid
    settings.CIS2_ACR_VALUES = "AAL2_OR_AAL3_ANY"
    settings.CIS2_MINIMUM_AUTHENTICATION_LEVEL = 2
    settings.OIDC_CLIENT_ID = OIDC_CLIENT_ID
    settings.OIDC_DISCOVERY_URL = oidc_server.discovery_url
    settings.OIDC_CLIENT_SECRET = OIDC_CLIENT_SECRET
    settings.OIDC_TOKEN_AUTH_METHOD = "client_secret_post"
    settings.OIDC_DISPLAY_NAME = "NHSmail"
    return oidc_server
