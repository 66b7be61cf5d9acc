"""The list of assessments: one cycle at a time, filtered by status, name or ODS code, region,
ICS and main care setting, in pages that keep the filters; a bad value is named, never a 500; its
query count does not grow with the number of organisations."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment
from assessments.services.cycles import cycle_open
from assessments.views.cycles import LIST_PAGE_SIZE
from organisations.models import Organisation

pytestmark = pytest.mark.django_db

URL = reverse("assessments:list")


def names(page: str) -> list[str]:
    return re.findall(r'<a href="/assessments/[^/]+/[^/]+/">([^<]+)</a>', page)


@pytest.fixture
def analyst(client, team):
    client.force_login(team["analyst"])
    return client


def test_filters_narrow_the_chosen_cycle(analyst, cycle, last_year_cycle, world):
    Assessment.objects.filter(cycle=cycle, organisation=world.trust_c).update(status=Assessment.Status.SUBMITTED)
    assert sorted(names(analyst.get(URL).content.decode())) == ["ICB 1", "Trust A", "Trust B", "Trust C"]
    assert names(analyst.get(URL, {"status": "submitted"}).content.decode()) == ["Trust C"]
    assert names(analyst.get(URL, {"cycle": "2024-25", "status": "submitted"}).content.decode()) == []
    assert names(analyst.get(URL, {"q": "trust b"}).content.decode()) == ["Trust B"]
    assert names(analyst.get(URL, {"q": world.trust_a.ods_code.lower()}).content.decode()) == ["Trust A"]
    assert sorted(names(analyst.get(URL, {"ics": world.ics_1.icb_ods_code}).content.decode())) == [
        "ICB 1",
        "Trust A",
        "Trust C",
    ]
    assert names(analyst.get(URL, {"region": world.ics_2.region.ods_code}).content.decode()) == ["Trust B"]
    assert names(analyst.get(URL, {"setting": "mental_health"}).content.decode()) == ["Trust C"]
    page = analyst.get(URL, {"setting": "ambulance"}).content.decode()
    assert "There are no assessments matching these filters for you to see in 2025/26." in page


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"status": "lost"}, "Choose a status from the list"),
        ({"cycle": "1999-00"}, "Choose an assessment cycle from the list"),
        ({"ics": "NOPE"}, "Select a valid choice"),
        ({"setting": "dentistry"}, "Select a valid choice"),
    ],
)
def test_a_bad_filter_value_is_named_and_the_newest_cycle_still_shows(analyst, cycle, world, bad, message):
    response = analyst.get(URL, {"q": "trust", **bad})
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page and message in page
    assert sorted(names(page)) == ["Trust A", "Trust B", "Trust C"]
    assert "2025/26" in page


def test_pages_keep_the_filters_and_cost_the_same_queries_at_any_size(analyst, cycle, world):
    def grow(count):
        existing = Organisation.objects.count()
        Organisation.objects.bulk_create(
            Organisation(
                ods_code=f"X{existing + n:04d}",
                name=f"Extra Trust {existing + n:04d}",
                official_name="EXTRA",
                kind=Organisation.Kind.TRUST,
                ics=world.ics_1,
                care_settings=["acute"],
            )
            for n in range(count)
        )
        cycle_open(cycle=cycle)

    query = {"cycle": cycle.slug, "status": "draft", "q": "extra"}
    grow(2)
    analyst.get(URL, query)
    with CaptureQueriesContext(connection) as small:
        analyst.get(URL, query)
    grow(LIST_PAGE_SIZE * 2)
    with CaptureQueriesContext(connection) as large:
        page = analyst.get(URL, query).content.decode()
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(names(page)) == LIST_PAGE_SIZE
    assert f"Showing 1 to {LIST_PAGE_SIZE} of {LIST_PAGE_SIZE * 2 + 2} assessments" in page
    assert f'href="?cycle={cycle.slug}&amp;page=2&amp;q=extra&amp;status=draft"' in page
    assert len(names(analyst.get(URL, {**query, "page": 3}).content.decode())) == 2
