"""The organisation list: searched by name or ODS code, filtered by region, ICS and main care
setting, in pages whose links keep the filters; a bad filter value is named, never a 500; its
query count does not grow with the number of organisations."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import Organisation
from organisations.views import LIST_PAGE_SIZE
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("organisations:list")


@pytest.fixture
def analyst(client, person):
    client.force_login(person("national_analyst"))
    return client


def names(page: str) -> list[str]:
    return re.findall(r'<a href="/organisations/[^/]+/">([^<]+)</a>', page)


def test_search_finds_by_words_of_the_name_or_by_the_exact_ods_code(analyst, world):
    factories.OrganisationFactory(ics=world.ics_2, ods_code="RAL", name="Royal Free London NHS Foundation Trust")
    assert names(analyst.get(URL, {"q": "free royal"}).content.decode()) == ["Royal Free London NHS Foundation Trust"]
    assert names(analyst.get(URL, {"q": "ral"}).content.decode()) == ["Royal Free London NHS Foundation Trust"]
    assert names(analyst.get(URL, {"q": "trust c"}).content.decode()) == ["Trust C"]
    assert "No organisations match these filters." in analyst.get(URL, {"q": "nowhere"}).content.decode()


def test_filters_by_region_ics_and_main_care_setting(analyst, world):
    by_ics = names(analyst.get(URL, {"ics": world.ics_1.icb_ods_code}).content.decode())
    assert sorted(by_ics) == ["ICB 1", "Trust A", "Trust C"]
    by_region = names(analyst.get(URL, {"region": world.ics_2.region.ods_code}).content.decode())
    assert by_region == ["Trust B"]
    # The main setting is the first: Trust A is acute first and community second.
    assert names(analyst.get(URL, {"setting": "community"}).content.decode()) == []
    assert sorted(names(analyst.get(URL, {"setting": "acute"}).content.decode())) == ["Trust A", "Trust B"]
    both = analyst.get(URL, {"ics": world.ics_1.icb_ods_code, "setting": "mental_health"}).content.decode()
    assert names(both) == ["Trust C"]


@pytest.mark.parametrize("bad", [{"region": "Y99X"}, {"ics": "NOPE"}, {"setting": "dentistry"}, {"page": "x"}])
def test_a_bad_filter_value_is_named_and_the_rest_still_apply(analyst, world, bad):
    response = analyst.get(URL, {"q": "trust", **bad})
    page = response.content.decode()
    if "page" in bad:  # an unknown page number shows the first page
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert "There is a problem" in page and "Select a valid choice" in page
    assert sorted(names(page)) == ["Trust A", "Trust B", "Trust C"]


def test_an_ics_reviewer_can_only_choose_and_see_their_own_ics(client, world, person):
    client.force_login(person("ics_reviewer", world.ics_1))
    page = client.get(URL).content.decode()
    assert f'value="{world.ics_1.icb_ods_code}"' in page and f'value="{world.ics_2.icb_ods_code}"' not in page
    response = client.get(URL, {"ics": world.ics_2.icb_ods_code})
    assert response.status_code == 400 and "Trust B" not in response.content.decode()


def test_pages_keep_the_filters_and_cost_the_same_queries_at_any_size(analyst, world):
    def fill(count):
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

    query = {"ics": world.ics_1.icb_ods_code, "q": "extra"}
    fill(3)
    analyst.get(URL, query)
    with CaptureQueriesContext(connection) as small:
        analyst.get(URL, query)
    fill(LIST_PAGE_SIZE * 3)
    with CaptureQueriesContext(connection) as large:
        page = analyst.get(URL, query).content.decode()
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(names(page)) == LIST_PAGE_SIZE
    assert f"Showing 1 to {LIST_PAGE_SIZE} of {LIST_PAGE_SIZE * 3 + 3} organisations" in page
    assert 'class="nhsuk-pagination' in page
    ics = world.ics_1.icb_ods_code
    assert f'href="?ics={ics}&amp;page=2&amp;q=extra"' in page  # the next page keeps the filters
    last = analyst.get(URL, {**query, "page": 4}).content.decode()
    assert len(names(last)) == 3 and "Extra Trust" in last
