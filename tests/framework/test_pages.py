"""Framework pages are the same for everyone: their bodies are rendered once and kept, so a page
costs one query for the versions besides the session, whoever asks; and a version whose file
changes is never shown from the old copy."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from framework.services import framework_load
from tests.factories import UserFactory
from tests.framework.test_load_framework import minimal, write

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_a_framework_page_is_rendered_once_for_everyone(client, tmp_path):
    framework_load(path=write(tmp_path, minimal()))
    pages = [
        reverse("framework:version", args=["2030-31"]),
        reverse("framework:domain", args=["2030-31", "well_led_domain"]),
    ]
    client.force_login(UserFactory())
    first = [queries(client, url) for url in pages]
    client.force_login(UserFactory())  # someone else: same bodies, fewer queries
    again = [queries(client, url) for url in pages]
    for (cold, cold_page), (warm, warm_page) in zip(first, again, strict=True):
        assert warm < cold
        assert main(warm_page) == main(cold_page) and "Well led domain" in main(warm_page)
    # Besides the session and the user: the versions, nothing else.
    baseline, _ = queries(client, reverse("framework:versions"))
    assert [count for count, _ in again] == [baseline, baseline]


def test_a_changed_version_is_shown_changed(client, tmp_path):
    document = minimal()
    framework_load(path=write(tmp_path, document))
    client.force_login(UserFactory())
    url = reverse("framework:domain", args=["2030-31", "well_led_domain"])
    assert "Well led domain" in client.get(url).content.decode()
    document["measures"][0]["domains"][0]["name"] = "Corrected name"
    document["measures"][0]["domains"][0]["levels"][1]["criteria"][0]["text"] = "A clearer criterion."
    framework_load(path=write(tmp_path, document))
    page = client.get(url).content.decode()
    assert "Corrected name" in page and "A clearer criterion." in page and "Well led domain" not in page
    version = client.get(reverse("framework:version", args=["2030-31"])).content.decode()
    assert "Corrected name" in version


def test_an_unknown_domain_or_version_is_still_a_404(client, tmp_path):
    framework_load(path=write(tmp_path, minimal()))
    client.force_login(UserFactory())
    assert client.get(reverse("framework:domain", args=["2030-31", "nope"])).status_code == 404
    assert client.get(reverse("framework:domain", args=["2030-31", "nope"])).status_code == 404
    assert client.get(reverse("framework:version", args=["1999-00"])).status_code == 404
