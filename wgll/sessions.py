"""Signing people out after a spell of doing nothing, with a warning first.

A signed-in page left open on a shared ward or office computer is anyone's: after
SESSION_IDLE_MINUTES without a request the session ends, whatever its absolute age
(SESSION_COOKIE_AGE caps that too). Pages warn SESSION_WARNING_SECONDS before, in a dialog that can
keep the session (static/js/session-timeout.mjs); without JavaScript the timed-out page explains.

Activity is stamped in the session at most once a minute, so an ordinary page costs no session
write. Background requests that are not the person's doing (the status check the warning makes,
a page polling for a report) carry the `X-Portal-Background` header and neither count as activity
nor are refused: they read the state without extending it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from organisations import backends

SEEN_KEY = "_wgll_seen"
BACKGROUND_HEADER = "HTTP_X_PORTAL_BACKGROUND"
STAMP_EVERY_SECONDS = 60


def idle_limit_seconds() -> int:
    return settings.SESSION_IDLE_MINUTES * 60


def seconds_left(request: HttpRequest, now: float | None = None) -> int:
    """How long this session has before it ends for want of activity (0: it has ended)."""
    seen = request.session.get(SEEN_KEY)
    if seen is None:
        return idle_limit_seconds()
    return max(0, int(seen + idle_limit_seconds() - (now or time.time())))


def mark_active(request: HttpRequest, *, now: float | None = None, force: bool = False) -> None:
    now = now or time.time()
    seen = request.session.get(SEEN_KEY)
    if force or seen is None or now - seen >= STAMP_EVERY_SECONDS:
        request.session[SEEN_KEY] = int(now)


def stamp_sign_in(sender, request: HttpRequest, user, **kwargs) -> None:
    """Signing in is activity, stamped as Django saves the new session anyway: the first page
    after sign-in then costs no session write of its own."""
    if request is not None and hasattr(request, "session"):
        mark_active(request, force=True)


class IdleTimeoutMiddleware:
    """Ends a session idle for longer than SESSION_IDLE_MINUTES, sending the person to a page that
    says so; otherwise stamps the activity. Runs after authentication, before sign-in is required."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # No session cookie, no session to time out (and no query for the bare pages).
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            if request.session.get(BACKEND_SESSION_KEY) in backends.LEGACY_PATHS:
                request.session[BACKEND_SESSION_KEY] = backends.PATH  # before the person is read
            if request.user.is_authenticated:
                now = time.time()
                if seconds_left(request, now) == 0:
                    return self._timed_out(request)
                if BACKGROUND_HEADER not in request.META:
                    mark_active(request, now=now)
        return self.get_response(request)

    @staticmethod
    def _timed_out(request: HttpRequest) -> HttpResponse:
        was_posting = request.method not in ("GET", "HEAD")
        logout(request)
        if request.path.startswith("/api/") or BACKGROUND_HEADER in request.META:
            return JsonResponse({"signed_in": False, "seconds_left": 0}, status=401)
        query = {"next": request.get_full_path()} if not was_posting else {"next": request.path, "unsaved": "1"}
        return redirect(f"{reverse('session-timed-out')}?{urlencode(query)}")
