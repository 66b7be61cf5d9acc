"""An analytics client's round trip, as an NHS analytics platform would make it: an analyst makes a
personal API token on the tokens page; the client, with nothing but that token, pages through
every organisation's published 2024/25 scores (following `next` links), downloads the national
CSV of the same cycle through the API, and finds exactly the same figures in both."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment
from reports.models import NationalRelease
from tests import factories
from tests.reports.national_data import generate, publish, read_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_last_year(country_data, django_capture_on_commit_callbacks):
    """The small country's 2024/25 cycle published (every assessment was validated) with its files."""
    _world, country = country_data
    cycle = publish(country.last_year)
    release = generate(django_capture_on_commit_callbacks, cycle)
    assert release.status == NationalRelease.Status.READY, release.error
    return cycle, release


@pytest.fixture
def analyst(db):
    user = factories.UserFactory()
    factories.grant(user, "national_analyst", None)
    return user


def scores_through_the_api(client) -> tuple[dict[str, dict], int]:
    """ODS code -> the scores resource, for every assessment of 2024/25; and how many pages it took."""
    found: dict[str, dict] = {}
    pages, url = 0, "/api/v1/assessments/?cycle=2024-25&page_size=5"
    while url:
        page = client.get(url)
        assert page.status_code == 200, page.content
        pages += 1
        for assessment in page.json()["results"]:
            assert assessment["organisation"] not in found, "pages overlap"
            scores = client.get(assessment["links"]["scores"])
            assert scores.status_code == 200, (assessment["organisation"], scores.content)
            found[assessment["organisation"]] = scores.json()
        url = page.json()["next"]
    return found, pages


def as_csv_cells(scores: dict) -> dict[str, str]:
    """A scores resource in the wide CSV's columns and cell texts (blank for nothing)."""
    cells = {"overall": scores["overall"] or "", "scoring_method_version": scores["scoring_method"]}
    for measure in scores["measures"]:
        cells[f"measure_{measure['key']}"] = measure["value"]
        for domain in measure["domains"]:
            cells[f"domain_{domain['key']}"] = str(domain["level"])
    return cells


def a_token_made_on_the_page(client, analyst) -> str:
    client.force_login(analyst)
    page = client.post(reverse("api-tokens"), {"name": "Analytics platform", "days": "30"}).content.decode()
    return page.split('id="new-token">')[1].split("<")[0]


def test_every_organisations_scores_through_the_api_are_the_national_files(client, published_last_year, analyst):
    cycle, release = published_last_year
    machine = Client(HTTP_AUTHORIZATION=f"Bearer {a_token_made_on_the_page(client, analyst)}")

    found, pages = scores_through_the_api(machine)
    download = machine.get(f"/api/v1/publications/{cycle.slug}/{release.version}/csv/")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    text = b"".join(download.streaming_content).decode("utf-8")
    rows = {row["ods_code"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows == {row["ods_code"]: row for row in read_csv(release.wide_csv)}  # the file the pages offer

    assert pages > 1  # the client really followed `next`
    assert (
        set(found)
        == set(rows)
        == set(Assessment.objects.filter(cycle=cycle).values_list("organisation__ods_code", flat=True))
    )
    for ods_code, scores in found.items():
        row = rows[ods_code]
        assert scores["status"] == row["status"] == "published"
        cells = as_csv_cells(scores)
        expected = {column: row[column] for column in cells}
        assert cells == expected, ods_code
        # Every score column the file fills for the organisation is in the API's answer too.
        filled = {c for c, v in row.items() if v and (c.startswith("measure_") or c.startswith("domain_"))}
        assert filled <= set(cells), ods_code
