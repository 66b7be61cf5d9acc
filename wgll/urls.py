from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from assessments.views import notifications, peers, polls, pulse
from organisations import token_views
from wgll import oidc, views

admin.site.site_header = "Digital maturity assessment: administration"
admin.site.site_title = "Digital maturity assessment"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", oidc.SignInView.as_view(), name="login"),
    # Single sign-on: routed always, 404 for a provider that is not configured (wgll/oidc.py).
    path("sign-in/<slug:provider>/", oidc.start, name="oidc-start"),
    path("sign-in/<slug:provider>/callback/", oidc.callback, name="oidc-callback"),
    path("sign-in/<slug:provider>/link/", oidc.link, name="oidc-link"),
    path("sign-in/<slug:provider>/back-channel-logout/", oidc.back_channel_logout, name="oidc-back-channel-logout"),
    path("sign-in/<slug:provider>/jwks/", oidc.jwks, name="oidc-jwks"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("session/", views.session_status, name="session"),
    path("session/timed-out/", views.session_timed_out, name="session-timed-out"),
    path("health/", views.health, name="health"),
    # An organisation's peer requests sit with its other pages; they are the assessments app's.
    path("organisations/<str:ods_code>/peer-requests/", peers.peer_requests, name="peer-requests"),
    path(
        "organisations/<str:ods_code>/peer-requests/<int:request_id>/",
        peers.peer_request_decide,
        name="peer-request-decide",
    ),
    path("organisations/", include("organisations.urls")),
    path("framework/", include("framework.urls")),
    path("knowledge/", include("framework.knowledge_urls")),
    path("assessments/", include("assessments.urls")),
    path("reports/", include("reports.urls")),
    path("systems/", include("reports.system_urls")),
    path("national/", include("reports.national_urls")),
    path("publications/", include("reports.publication_urls")),
    path("api/v1/", include("wgll.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI with its start-up script as a file of its own, so the Content Security Policy
    # needs no inline script; its assets come from drf-spectacular-sidecar, not a CDN.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("account/api-tokens/", token_views.api_tokens, name="api-tokens"),
    path("account/notifications/", notifications.notifications, name="notifications"),
    path("pulse/<str:code>/", pulse.pulse_answer_page, name="pulse-answer"),
    path("poll/<str:token>/", polls.poll_answer_page, name="poll-answer"),
    path("account/api-tokens/revoke/", token_views.api_token_revoke_view, name="api-token-revoke"),
    path("admin/", admin.site.urls),
]

handler404 = "wgll.views.not_found"
