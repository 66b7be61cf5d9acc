"""The idle-timeout warning in Chromium: shortly before the session would end a dialog counts down,
"Stay signed in" keeps the session, and at zero the page goes to the timed-out page signed out."""

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from tests.factories import UserFactory
from tests.journeys.test_assessment_journeys import PASSWORD

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]


# A one-minute session warned after 3 seconds, so the test sees both ends in seconds.
@override_settings(SESSION_IDLE_MINUTES=1, SESSION_WARNING_SECONDS=57)
def test_the_warning_keeps_the_session_or_ends_it(browser, live_server):
    person = UserFactory(password=PASSWORD)
    page = browser.new_context(bypass_csp=False).new_page()
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Email address").fill(person.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()

    dialog = page.get_by_role("dialog", name="You will be signed out soon")
    expect(dialog).to_be_visible(timeout=10_000)
    expect(dialog).to_contain_text("You will be signed out in")
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    assert page.url == live_server.url + "/"  # still on the page, not sent anywhere

    # The page waits for its next check; meanwhile the server's minute passes (no request came).
    with override_settings(SESSION_IDLE_MINUTES=0):
        page.wait_for_url("**/session/timed-out/**", timeout=10_000)
    expect(page.get_by_role("heading", name="You have been signed out")).to_be_visible()
    assert page.goto(live_server.url + "/organisations/").url.startswith(live_server.url + "/sign-in/")
