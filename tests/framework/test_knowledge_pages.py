"""The knowledge base's pages: for everyone signed in, whatever their role; anonymous people are
sent to sign in; the search is a GET form whose bad filters are reported, never guessed."""

import pytest
from django.urls import reverse

from framework.models import KnowledgeEntry

pytestmark = pytest.mark.django_db

ROLES = [
    ("assessment_lead", "trust_a"),
    ("contributor", "trust_a"),
    ("approver", "trust_a"),
    ("viewer", "trust_a"),
    ("ics_reviewer", "ics_1"),
    ("ics_board_viewer", "ics_1"),
    ("national_analyst", None),
    ("framework_admin", None),
    (None, None),  # signed in, no role anywhere
]
ENTRY = "closed-loop-medicines-administration-epma-barcode"


@pytest.mark.parametrize("url", [reverse("knowledge:search"), reverse("knowledge:entry", args=[ENTRY])])
def test_anonymous_people_are_sent_to_sign_in(client, knowledge_base, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("role", "where"), ROLES)
def test_everyone_signed_in_searches_and_reads_entries(client, knowledge_base, world, person, role, where):
    client.force_login(person(role, getattr(world, where) if where else None))
    search = client.get(reverse("knowledge:search"), {"q": "barcode scanning"})
    assert search.status_code == 200
    assert b"Closed-loop medicines administration with EPMA and barcode scanning" in search.content
    page = client.get(reverse("knowledge:entry", args=[ENTRY]))
    assert page.status_code == 200
    assert b"Reviewed blueprint" in page.content and b"Medication safety team" in page.content
    assert b"Barcoding and closed-loop administration" in page.content  # its domain, by name


def test_the_search_page_filters_and_counts_each_choice(client, knowledge_base, person):
    client.force_login(person())
    page = client.get(reverse("knowledge:search"), {"measure": "safe_practice", "care_setting": "ambulance"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Joining the national cyber security operations centre" in text
    assert "Virtual wards" not in text
    assert "Clear the search and filters" in text
    assert ">Safe practice (" in text


def test_a_bad_filter_is_reported_and_left_out(client, knowledge_base, person):
    client.force_login(person())
    page = client.get(reverse("knowledge:search"), {"q": "virtual wards", "measure": "made_up"})
    text = page.content.decode()
    assert "There is a problem" in text and "Select one of the success measure options" in text
    assert "Virtual wards with remote monitoring" in text


def test_the_results_are_paged(client, knowledge_base, person):
    client.force_login(person())
    first = client.get(reverse("knowledge:search")).content.decode()
    assert "Showing 1 to 20 of" in first and "page=2" in first


@pytest.mark.parametrize("status", ["unpublished", "withdrawn", "removed"])
def test_an_entry_not_published_is_not_found(client, knowledge_base, person, status):
    KnowledgeEntry.objects.filter(key=ENTRY).update(status=status)
    client.force_login(person())
    assert client.get(reverse("knowledge:entry", args=[ENTRY])).status_code == 404
    assert b"barcode scanning" not in client.get(reverse("knowledge:search"), {"q": "barcode"}).content


def test_the_header_links_to_the_knowledge_base(client, world, person):
    client.force_login(person("viewer", world.trust_a))
    assert f'href="{reverse("knowledge:search")}"'.encode() in client.get(reverse("home")).content
