"""Response headers every page of the portal carries, beside Django's own security middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

# The portal uses no camera, microphone, location, payment or USB: no page (nor anything injected
# into one) may ask for them.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


class PortalHeadersMiddleware:
    """Pages and files seen in a session are someone's organisation's data: no shared cache or browser
    history may keep a copy for the next person at a shared ward computer (`private, no-store`,
    unless the view chose its own caching). And the Permissions-Policy, on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # Judged by the session cookie, not request.user: looking the user up would cost the bare
        # pages (health checks) a query; a visitor with a session is treated as signed in.
        if settings.SESSION_COOKIE_NAME in request.COOKIES and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
