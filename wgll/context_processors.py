"""Header navigation, which depends on the roles the signed-in user holds."""

from django.conf import settings

from organisations.access import Action, grants_for, may
from wgll.reversing import url


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation_items": [], "account_items": []}
    grants = grants_for(user)
    items = [("Home", url("home"))]
    if grants.sees_everything or len(grants.at_organisation) + len(grants.at_ics) > 1 or grants.at_ics:
        items.append(("Organisations", url("organisations:list")))
    elif grants.at_organisation:
        code = grants.organisation_codes[next(iter(grants.at_organisation))]
        items.append(("Your organisation", url("organisations:detail", code)))
    if grants.sees_everything or grants.at_ics:
        items.append(("Assessments", url("assessments:list")))
    items.append(("Framework", url("framework:versions")))
    items.append(("Knowledge base", url("knowledge:search")))
    if user.is_staff and (grants.superuser or may(user, Action.MANAGE_ROLES)):
        items.append(("Admin", url("admin:index")))
    path = request.path
    navigation_items = [
        {"text": text, "href": href, "current": path == href, "active": href != "/" and path.startswith(href)}
        for text, href in items
    ]
    account_items = [
        {"text": user.get_full_name() or user.email, "icon": True},
        {"text": "Notifications", "href": url("notifications")},
        {"text": "API tokens", "href": url("api-tokens")},
        {"text": "Sign out", "href": url("sign-out")},
    ]
    return {"navigation_items": navigation_items, "account_items": account_items}


def content_security(request) -> dict:
    """The design system's page template runs one inline line of script (marking the body as
    JavaScript-enabled); the Content Security Policy allows it by this response's nonce alone."""
    nonce = getattr(request, "csp_nonce", None)
    return {"cspNonce": str(nonce) if nonce is not None else None}


def session_timeout(request) -> dict:
    """When the idle-timeout warning appears (layouts/_session_timeout.html)."""
    return {
        "session_idle_seconds": settings.SESSION_IDLE_MINUTES * 60,
        "session_warning_seconds": settings.SESSION_WARNING_SECONDS,
    }
