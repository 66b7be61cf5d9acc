import re

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNED_IN_PAGES = ["/", "/organisations/", "/organisations/RAL/", "/framework/", "/framework/2025-26/", "/sign-out/"]


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_pages_require_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("path", ["/api/schema/", "/api/v1/organisations/", "/api/v1/frameworks/"])
def test_the_api_refuses_anonymous_callers(client, path):
    # 401, naming the scheme to use: the API takes a personal token (or the browser's session).
    response = client.get(path)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"


def test_health_and_sign_in_are_open(client):
    assert client.get(reverse("health")).json() == {"status": "ok", "database": "ok", "templates": "ok"}
    assert client.get(reverse("login")).status_code == 200


def test_health_fails_when_the_page_layout_cannot_be_rendered(client, settings, tmp_path):
    # The production storage with no collected manifest: every static() lookup raises, as a
    # lookup of something the manifest does not hold does, so every page would answer 500.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "templates": "unavailable",
        "reason": "templates check failed; the web log has the error",
    }


def test_sign_in_with_email_and_password_then_sign_out(client):
    UserFactory(email="cio@trust.nhs.uk")
    response = client.post(reverse("login"), {"username": "cio@trust.nhs.uk", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response.url == reverse("home")

    confirm = client.get(reverse("sign-out"))
    assert confirm.status_code == 200 and b"Sign out" in confirm.content
    assert client.get(reverse("home")).status_code == 200  # a GET does not sign anyone out

    client.post(reverse("sign-out"))
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_shows_an_error_summary(client):
    UserFactory(email="cio@trust.nhs.uk")
    page = client.post(reverse("login"), {"username": "cio@trust.nhs.uk", "password": "wrong"}).content.decode()
    assert "There is a problem" in page
    assert "Enter a correct email address and password." in page
    assert "case-sensitive" not in page  # the address is not; only the password is


@pytest.mark.parametrize("typed", ["Lead@Demo.NHS.uk", "LEAD@DEMO.NHS.UK", "  lead@demo.nhs.uk "])
def test_sign_in_matches_the_email_address_whatever_its_case(client, typed):
    person = UserFactory(email="lead@demo.nhs.uk")
    response = client.post(reverse("login"), {"username": typed, "password": "correct-horse-battery"})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).wsgi_request.user == person


def test_failures_in_any_case_count_against_the_one_address_and_lock_it(client):
    UserFactory(email="cio@trust.nhs.uk")
    for typed in ["CIO@trust.nhs.uk", "cio@TRUST.nhs.uk", "Cio@Trust.Nhs.Uk", "CIO@TRUST.NHS.UK", "cio@trust.nhs.uk"]:
        client.post(reverse("login"), {"username": typed, "password": "wrong"})

    # One count, on the stored address: no phantom account per casing collects failures of its own.
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [("cio@trust.nhs.uk", 5)]
    response = client.post(reverse("login"), {"username": "cio@trust.nhs.uk", "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert client.get(reverse("home")).status_code == 302


def test_a_lockout_cannot_be_dodged_by_changing_case(client):
    UserFactory(email="cio@trust.nhs.uk")
    for _ in range(5):
        client.post(reverse("login"), {"username": "cio@trust.nhs.uk", "password": "wrong"})

    response = client.post(reverse("login"), {"username": "CIO@Trust.NHS.uk", "password": "correct-horse-battery"})

    assert response.status_code == 429
    assert client.get(reverse("home")).status_code == 302


def test_the_admin_sign_in_counts_failures_against_the_normalised_address(client):
    UserFactory(email="desk@nhs.net", is_staff=True, is_superuser=True)
    client.post(reverse("admin:login"), {"username": "Desk@NHS.net", "password": "wrong"})
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["desk@nhs.net"]


def test_repeated_failures_lock_the_account_for_a_while(client):
    UserFactory(email="cio@trust.nhs.uk")
    for _ in range(5):
        client.post(reverse("login"), {"username": "cio@trust.nhs.uk", "password": "wrong"})

    response = client.post(reverse("login"), {"username": "cio@trust.nhs.uk", "password": "correct-horse-battery"})

    assert response.status_code == 429
    assert b"too many unsuccessful attempts" in response.content
    assert client.get(reverse("home")).status_code == 302


def nav_texts(page: str) -> list[str]:
    nav = page.split('class="nhsuk-header__navigation-list"', 1)[1].split("</ul>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", text).strip()
        for text in re.findall(r'class="nhsuk-header__navigation-link"[^>]*>(.*?)</a>', nav, re.S)
    ]


def test_home_for_someone_without_a_role_explains_how_to_get_access(client):
    client.force_login(UserFactory())
    page = client.get(reverse("home")).content.decode()
    assert "You do not have access to any organisation yet" in page
    assert nav_texts(page) == ["Home", "Framework", "Knowledge base"]


def test_home_for_an_organisation_role(client, world, person):
    client.force_login(person("contributor", world.trust_a))
    page = client.get(reverse("home")).content.decode()
    assert "Your organisation" in page and "Trust A" in page and "Your role: Contributor" in page
    assert "Trust B" not in page and "National picture" not in page
    assert nav_texts(page) == ["Home", "Your organisation", "Framework", "Knowledge base"]


def test_home_for_an_ics_role(client, world, person):
    client.force_login(person("ics_reviewer", world.ics_1))
    page = client.get(reverse("home")).content.decode()
    assert "Your integrated care system" in page and world.ics_1.short_name in page
    assert "Your role: ICS reviewer" in page
    assert nav_texts(page) == ["Home", "Organisations", "Assessments", "Framework", "Knowledge base"]


def test_home_for_national_staff(client, world, person):
    client.force_login(person("national_analyst"))
    page = client.get(reverse("home")).content.decode()
    assert "National picture" in page and "Your role: National analyst" in page
    assert nav_texts(page) == ["Home", "Organisations", "Assessments", "Framework", "Knowledge base"]


def test_service_desk_sees_the_admin_link(client, world):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("home")).content.decode()
    assert nav_texts(page)[-1] == "Admin"
    assert client.get(reverse("admin:index")).status_code == 200


def test_page_shell_is_the_nhs_design_system(client):
    client.force_login(UserFactory())
    page = client.get(reverse("home")).content.decode()
    assert '<a class="nhsuk-skip-link"' in page or 'class="nhsuk-skip-link"' in page
    assert "Digital maturity assessment" in page
    assert "/static/nhsuk-portal.css" in page
    assert 'class="nhsuk-footer"' in page
    assert '<html lang="en"' in page


def test_unknown_page_is_a_designed_404(client):
    client.force_login(UserFactory())
    response = client.get("/organisations/NOPE/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_framework_pages_show_guidance_levels_and_crosswalk(client, world):
    from django.core.management import call_command

    call_command("load_framework", verbosity=0)
    client.force_login(UserFactory())
    version = client.get(reverse("framework:version", args=["2025-26"])).content.decode()
    assert "Healthy populations" in version and "Replaces infrastructure_hosting" in version
    domain = client.get(reverse("framework:domain", args=["2025-26", "cloud_hosting"])).content.decode()
    assert "What good looks like" in domain and "Level 5" in domain
    assert "In 2024/25 this was" in domain and "Infrastructure and hosting" in domain
    assert client.get(reverse("framework:domain", args=["2025-26", "no_such_domain"])).status_code == 404
    assert client.get(reverse("framework:version", args=["1999-00"])).status_code == 404


def test_framework_api_serves_a_version_by_its_slug(client):
    from django.core.management import call_command

    call_command("load_framework", verbosity=0)
    client.force_login(UserFactory())
    body = client.get("/api/v1/frameworks/2025-26/").json()
    assert body["version"] == "2025/26" and body["supersedes"] == "2024/25"
    cloud = next(d for d in body["domains"] if d["key"] == "cloud_hosting")
    assert cloud["replaces"] == ["infrastructure_hosting"]
    assert [level["number"] for level in cloud["levels"]] == [1, 2, 3, 4, 5]


def test_links_in_tables_are_links_and_names_are_escaped(client, world, person):
    world.trust_a.name = "Trust <b>A</b> & Partners"
    world.trust_a.save()
    client.force_login(person("national_analyst"))
    page = client.get(reverse("organisations:list")).content.decode()
    assert f'<a href="/organisations/{world.trust_a.ods_code}/">Trust &lt;b&gt;A&lt;/b&gt; &amp; Partners</a>' in page
    assert "&lt;a href" not in page


def test_the_pages_call_no_third_party_host(client):
    """The design system's published CSS loads fonts from an external host; ours must not."""
    from pathlib import Path

    from django.contrib.staticfiles import finders

    css = Path(finders.find("nhsuk-portal.css")).read_text()
    assert "nhsuk-header" in css
    assert 'font-family:"Frutiger W01",arial,sans-serif' in css  # falls back to Arial, never to serif
    assert "assets.nhs.uk" not in css and "https://" not in css
    client.force_login(UserFactory())
    page = client.get(reverse("home")).content.decode()
    assert "https://" not in page.split("<body", 1)[0]
