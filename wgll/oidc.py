"""The single sign-on pages: start, callback, linking to an existing account, back-channel logout
and our public key. Thin: the checks are in wgll/sso.py, the account matching in
organisations/identity.py.

Every URL is routed whatever the settings and answers 404 for a provider that is not configured,
so with no single sign-on settings the portal is exactly the e-mail and password portal.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from organisations.identity import (
    IdentityRefused,
    VerifiedIdentity,
    identity_for_logout,
    identity_link,
    identity_sign_in,
)
from organisations.services import sessions_end
from wgll import sso
from wgll.forms import SignInForm

logger = logging.getLogger(__name__)

NEXT_KEY = "_wgll_sso_next"
PENDING_KEY = "_wgll_sso_pending"
# How long a verified identity waits in the session for its account's password.
PENDING_SECONDS = 600
# Sessions made by single sign-on are checked on each request like any other (wgll.User's hash).
BACKEND = "organisations.backends.PortalModelBackend"


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    """The sign-in page: a button for each configured provider above the password form."""

    template_name = "account/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        next_path = context.get("next") or ""
        query = f"?{urlencode({'next': next_path})}" if next_path else ""
        context["sso_providers"] = [
            {"text": provider.button_text, "href": reverse("oidc-start", args=[provider.key]) + query}
            for provider in sso.configured_providers()
        ]
        return context


def _provider(key: str) -> sso.Provider:
    provider = sso.provider_named(key)
    if provider is None:
        raise Http404("No such sign-in provider.")
    return provider


def _safe_next(request: HttpRequest, value: str) -> str:
    hosts = {request.get_host()}
    safe = url_has_allowed_host_and_scheme(value, allowed_hosts=hosts, require_https=request.is_secure())
    return value if safe else ""


# What each kind of failure says to the person, and its status: the protocol failures are the
# request's fault (400); an identity the portal will not accept is a refusal (403).
FAILURES = {
    "state": (
        400,
        "This sign-in has expired or was already used",
        [
            "Go back to the sign-in page and start again.",
            "If you started signing in from more than one tab or window, use only the newest one.",
        ],
    ),
    "provider": (
        400,
        "{provider} did not sign you in",
        [
            "You may have cancelled signing in, or {provider} could not sign you in.",
            "Go back to the sign-in page and try again.",
        ],
    ),
    "token": (
        400,
        "We could not check your sign-in with {provider}",
        [
            "This can happen when signing in took too long or your device's clock is wrong.",
            "Go back to the sign-in page and try again. If it happens again, contact the national service "
            "desk and tell them the time it happened.",
        ],
    ),
    "subject": (
        400,
        "We could not confirm who you are",
        [
            "{provider} gave us details about more than one person, so you have not been signed in.",
            "Go back to the sign-in page and try again. If it happens again, contact the national service desk.",
        ],
    ),
    "unavailable": (
        400,
        "{provider} is not answering",
        [
            "Try again in a few minutes.",
            "If you have a password for the portal, you can sign in with your email address and password instead.",
        ],
    ),
    "identity_assurance": (
        403,
        "Your identity has not been checked to the level this service needs",
        [
            "This service accepts NHS Care Identity accounts whose identity was checked in person by a "
            "Registration Authority (identity assurance level 3).",
            "Contact your organisation's Registration Authority to have your identity checked, then sign in again.",
        ],
    ),
    "authentication_assurance": (
        403,
        "Sign in with a stronger way of signing in",
        [
            "The way you signed in to NHS Care Identity is not strong enough for this service.",
            "Sign in again with your smartcard, a security key, Windows Hello or another authenticator at "
            "assurance level {minimum} or above. Your Registration Authority can set one up for you.",
        ],
    ),
}
REFUSALS_STATUS = 403


def _failure_page(request: HttpRequest, provider: sso.Provider, title: str, paragraphs: list[str], status: int):
    values = {"provider": provider.display_name, "minimum": provider.minimum_authentication_level}
    context = {
        "title": title.format(**values),
        "paragraphs": [paragraph.format(**values) for paragraph in paragraphs],
    }
    return render(request, "account/sso_failed.html", context, status=status)


def _failed(request: HttpRequest, provider: sso.Provider, failure: sso.SignInFailed) -> HttpResponse:
    logger.warning("Single sign-on with %s refused (%s): %s", provider.key, failure.kind, failure.reason)
    status, title, paragraphs = FAILURES[failure.kind]
    return _failure_page(request, provider, title, paragraphs, status)


def _refused(request: HttpRequest, provider: sso.Provider, refusal: IdentityRefused) -> HttpResponse:
    logger.warning("Single sign-on with %s refused (%s): %s", provider.key, refusal.reason, refusal.message)
    paragraphs = [refusal.message, "Contact the national service desk, who can check your account."]
    return _failure_page(request, provider, "You cannot sign in with {provider}", paragraphs, REFUSALS_STATUS)


def _signed_in(request: HttpRequest, user, provider: sso.Provider, backend: str | None = BACKEND) -> HttpResponse:
    next_path = _safe_next(request, request.session.pop(NEXT_KEY, ""))
    # Django's login: a new session key, the session hash, and the user_logged_in signal (the
    # session's activity stamp and axes' access log) exactly as for a password sign-in.
    login(request, user, backend=backend)
    logger.info("Signed in with %s: user %s", provider.key, user.pk)
    return redirect(next_path or settings.LOGIN_REDIRECT_URL)


@login_not_required
@require_GET
def start(request: HttpRequest, provider: str) -> HttpResponse:
    chosen = _provider(provider)
    next_path = _safe_next(request, request.GET.get("next", ""))
    if request.user.is_authenticated:
        return redirect(next_path or settings.LOGIN_REDIRECT_URL)
    request.session[NEXT_KEY] = next_path
    # The address registered with the provider: SITE_URL, not whatever Host the request named.
    redirect_uri = settings.SITE_URL + reverse("oidc-callback", args=[chosen.key])
    try:
        return sso.authorisation_redirect(request, chosen, redirect_uri)
    except sso.SignInFailed as failure:
        return _failed(request, chosen, failure)


@login_not_required
@require_GET
def callback(request: HttpRequest, provider: str) -> HttpResponse:
    chosen = _provider(provider)
    try:
        verified = sso.complete_sign_in(request, chosen)
        match = identity_sign_in(verified=verified)
    except sso.SignInFailed as failure:
        return _failed(request, chosen, failure)
    except IdentityRefused as refusal:
        return _refused(request, chosen, refusal)
    if match.link_to_email:
        request.session[PENDING_KEY] = {"identity": verified.as_session(), "at": time.time()}
        return redirect("oidc-link", provider=chosen.key)
    return _signed_in(request, match.user, chosen)


@login_not_required
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, provider: str) -> HttpResponse:
    """A new identity whose e-mail address has an account already: the account's password, once,
    proves the person holds both before they are linked."""
    chosen = _provider(provider)
    pending = request.session.get(PENDING_KEY) or {}
    identity = pending.get("identity") or {}
    if identity.get("provider") != chosen.key or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return _failed(request, chosen, sso.SignInFailed("state", "no verified identity waiting to be linked"))
    verified = VerifiedIdentity.from_session(identity)
    # The address is the one the provider vouched for, never one typed here.
    data = {"username": verified.email, "password": request.POST.get("password", "")}
    form = SignInForm(request, data=data if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        try:
            identity_link(user=user, verified=verified)
        except IdentityRefused as refusal:
            return _refused(request, chosen, refusal)
        request.session.pop(PENDING_KEY, None)
        return _signed_in(request, user, chosen, backend=None)
    context = {"form": form, "provider": chosen, "email": verified.email}
    return render(request, "account/sso_link.html", context)


def _never_cached(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


@csrf_exempt  # posted by the provider's server, which has no session or CSRF token of ours
@login_not_required
@require_POST
def back_channel_logout(request: HttpRequest, provider: str) -> HttpResponse:
    """The provider says a person has signed out there: end every session they have here."""
    chosen = _provider(provider)
    try:
        named = sso.logout_named(chosen, request.POST.get("logout_token", ""))
    except sso.LogoutTokenInvalid as error:
        logger.warning("Back-channel logout from %s refused: %s", chosen.key, error)
        body = {"error": "invalid_request", "error_description": str(error)}
        return _never_cached(JsonResponse(body, status=400))
    # A session id alone finds the person who signed in with it; every session they have here
    # ends (the portal does not tie its sessions to the provider's, and ending more is the safe side).
    identity = identity_for_logout(provider=chosen.key, subject=named.subject, session_id=named.session_id)
    if identity is not None:
        sessions_end(identity.user)
        logger.info("Back-channel logout from %s: ended the sessions of user %s", chosen.key, identity.user_id)
    # Someone who never signed in here has no session to end: that is still a successful logout.
    return _never_cached(HttpResponse(status=200))


@login_not_required
@require_GET
def jwks(request: HttpRequest, provider: str) -> JsonResponse:
    """The public half of the key our client assertions are signed with, for the provider to
    verify them (CIS2 asks for this address when the client is registered)."""
    chosen = _provider(provider)
    if chosen.token_auth_method != "private_key_jwt":
        raise Http404("This provider uses no key of ours.")
    return JsonResponse(sso.public_key_set(chosen))
