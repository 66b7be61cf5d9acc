"""The portal's pages work under their own Content Security Policy, in Debian's Chromium: the
policy is enforced (not bypassed, as the other journeys do to inject axe-core), and no page kind
reports a violation: no inline script, no resource from elsewhere, and the pages' own scripts
(the design system's tabs on a dashboard's chart cards) still run."""

import pytest

from tests.journeys.test_assessment_journeys import PASSWORD
from tests.journeys.test_national_publication_journey import validated_country  # noqa: F401  (fixture)

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]

WATCH = """window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"""


def test_pages_run_under_the_policy_without_violations(browser, live_server, validated_country):  # noqa: F811
    from reports.refresh import cycle_figures_refresh

    cycle, analyst, lead = validated_country
    cycle_figures_refresh(cycle_id=cycle.pk)
    mine = f"/assessments/{cycle.slug}/RAL/"
    seen = {}
    for person, paths in (
        (lead, ["/", mine, f"{mine}check/", "/framework/", "/organisations/"]),
        (analyst, ["/", f"/national/{cycle.slug}/", f"/assessments/cycles/{cycle.slug}/publish/", "/assessments/"]),
    ):
        context = browser.new_context(bypass_csp=False)
        context.add_init_script(WATCH)
        page = context.new_page()
        page.goto(live_server.url + "/sign-in/")
        page.get_by_label("Email address").fill(person.email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_load_state()
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response.status < 400, path
            assert "script-src 'self'" in response.headers["content-security-policy"]
            seen[f"{person.email} {path}"] = page.evaluate("() => window.__violations")
        # The pages' own scripts ran: the design system's marks the page as JavaScript-enabled.
        assert page.evaluate("() => document.body.classList.contains('js-enabled')")
        context.close()
    assert all(not found for found in seen.values()), seen
