"""A session ends after SESSION_IDLE_MINUTES of doing nothing, with a warning first, and after
SESSION_MAX_HOURS whatever happens."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory
from wgll import sessions

pytestmark = pytest.mark.django_db

BACKGROUND = {"HTTP_X_PORTAL_BACKGROUND": "1"}


class Clock:
    def __init__(self, monkeypatch):
        self.now = 1_800_000_000.0
        monkeypatch.setattr(sessions.time, "time", lambda: self.now)

    def wait(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def signed_in(client, clock):
    client.force_login(UserFactory())
    assert client.get(reverse("home")).status_code == 200
    return client


def idle_limit() -> int:
    return settings.SESSION_IDLE_MINUTES * 60


def test_a_session_idle_past_the_limit_ends_and_says_why(signed_in, clock):
    clock.wait(idle_limit() + 1)
    response = signed_in.get("/organisations/")

    assert response.status_code == 302
    assert response.url == reverse("session-timed-out") + "?next=%2Forganisations%2F"
    page = signed_in.get(response.url).content.decode()
    assert f"you had not done anything for {settings.SESSION_IDLE_MINUTES} minutes" in page
    assert "Everything you saved is kept." in page
    assert 'href="/sign-in/?next=%2Forganisations%2F"' in page
    # Ended, not paused: going back is a sign-in.
    assert signed_in.get(reverse("home")).url.startswith(reverse("login"))


def test_activity_keeps_the_session_and_is_stamped_at_most_once_a_minute(signed_in, clock):
    for _ in range(4):
        clock.wait(idle_limit() - 5)
        assert signed_in.get(reverse("home")).status_code == 200

    stamped = signed_in.session[sessions.SEEN_KEY]
    clock.wait(30)
    signed_in.get(reverse("home"))
    assert signed_in.session[sessions.SEEN_KEY] == stamped  # no session write for this page


def test_a_post_after_the_limit_is_refused_and_the_page_says_it_was_not_saved(signed_in, clock):
    clock.wait(idle_limit() + 1)
    response = signed_in.post(reverse("sign-out"))
    assert response.url == reverse("session-timed-out") + "?next=%2Fsign-out%2F&unsaved=1"
    assert "What you sent just now was not saved" in signed_in.get(response.url).content.decode()


def test_background_requests_read_the_time_left_without_extending_it(signed_in, clock):
    clock.wait(idle_limit() - 100)
    status = signed_in.get(reverse("session"), **BACKGROUND)
    assert status.json() == {"signed_in": True, "seconds_left": 100}

    clock.wait(101)
    status = signed_in.get(reverse("session"), **BACKGROUND)
    assert status.status_code == 401 and status.json() == {"signed_in": False, "seconds_left": 0}


def test_staying_signed_in_extends_the_session_and_returns_to_the_page(signed_in, clock):
    clock.wait(idle_limit() - 10)
    response = signed_in.post(reverse("session"), {"next": "/organisations/"})
    assert response.status_code == 302 and response.url == "/organisations/"

    clock.wait(idle_limit() - 10)
    assert signed_in.get(reverse("home")).status_code == 200


def test_staying_signed_in_never_sends_anyone_to_another_site(signed_in):
    response = signed_in.post(reverse("session"), {"next": "https://evil.example/"})
    assert response.url == reverse("home")
    page = signed_in.get(reverse("session-timed-out"), {"next": "https://evil.example/"}).content.decode()
    assert 'href="/sign-in/"' in page and "/sign-in/?next=https" not in page


def test_the_warning_is_on_signed_in_pages_only(client, signed_in):
    page = signed_in.get(reverse("home")).content.decode()
    assert 'id="session-timeout"' in page
    assert f'data-idle-seconds="{idle_limit()}"' in page
    assert f'data-warning-seconds="{settings.SESSION_WARNING_SECONDS}"' in page
    signed_in.logout()
    assert 'id="session-timeout"' not in client.get(reverse("login")).content.decode()


def test_session_cookies_last_a_working_day_and_are_kept_from_scripts_and_other_sites():
    assert settings.SESSION_COOKIE_AGE <= 10 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
