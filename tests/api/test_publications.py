"""A cycle's national files through the API: versions with their change notes and files, each
file's download, ETags with If-None-Match (304) on both, and the publication pages' access:
national staff before publication, everyone signed in once published."""

import csv
import io

import pytest

from assessments.models import Assessment, Cycle
from reports.models import NationalRelease
from tests.api.conftest import ANONYMOUS, ROLES, refused, sign_in
from tests.reports.national_data import generate, read_csv

pytestmark = pytest.mark.django_db

URL = "/api/v1/publications/2025-26/"


@pytest.fixture
def released(scored, django_capture_on_commit_callbacks):
    """Trust A's scored 2025/26 assessment published, and version 1 of the national files."""
    Assessment.objects.filter(pk=scored.pk).update(status=Assessment.Status.PUBLISHED)
    Cycle.objects.filter(pk=scored.cycle_id).update(release=Cycle.Release.FINAL)
    cycle = Cycle.objects.select_related("framework").get(pk=scored.cycle_id)
    release = generate(django_capture_on_commit_callbacks, cycle)
    assert release.status == NationalRelease.Status.READY, release.error
    return release


def test_the_versions_list_their_files_and_change_notes(client, released, team):
    client.force_login(team["nobody"])  # published: everyone signed in

    body = client.get(URL).json()

    assert body["cycle"] == "2025/26" and body["release"] == "final"
    (version,) = body["versions"]
    assert version["version"] == 1 and version["status"] == "ready" and version["change_note"] == "First publication"
    assert {f["kind"] for f in version["files"]} == {"csv", "xlsx", "long-csv", "dictionary-csv"}
    wide = next(f for f in version["files"] if f["kind"] == "csv")
    assert wide["url"].endswith("/api/v1/publications/2025-26/1/csv/") and wide["size"] == released.wide_csv.size
    assert version["data_quality_page"].endswith("/publications/2025-26/v1/data-quality/")


def test_a_download_streams_the_file_the_page_offers(client, released, team):
    client.force_login(team["other_lead"])

    response = client.get(f"{URL}1/csv/", HTTP_ACCEPT="text/csv")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert (
        "attachment" in response["Content-Disposition"]
        and "wgll-national-2025-26-v1.csv" in response["Content-Disposition"]
    )
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))
    assert rows == read_csv(released.wide_csv)
    assert client.get(f"{URL}1/nonsense/").status_code == 404
    assert client.get(f"{URL}2/csv/").status_code == 404


def test_etags_answer_304_until_a_correction_changes_the_versions(
    client, released, team, django_capture_on_commit_callbacks
):
    client.force_login(team["analyst"])
    first = client.get(URL)
    tag = first["ETag"]

    assert tag and client.get(URL, HTTP_IF_NONE_MATCH=tag).status_code == 304
    file_tag = client.get(f"{URL}1/csv/")["ETag"]
    assert client.get(f"{URL}1/csv/", HTTP_IF_NONE_MATCH=file_tag).status_code == 304

    generate(django_capture_on_commit_callbacks, released.cycle, actor=team["analyst"], change_note="Trust A's name")
    after = client.get(URL, HTTP_IF_NONE_MATCH=tag)
    assert after.status_code == 200 and after["ETag"] != tag
    assert [v["version"] for v in after.json()["versions"]] == [2, 1]
    assert client.get(f"{URL}1/csv/", HTTP_IF_NONE_MATCH=file_tag).status_code == 304  # version 1 never changes


def test_an_etag_never_tells_an_outsider_that_files_exist(client, released, team):
    client.force_login(team["analyst"])
    tag = client.get(URL)["ETag"]
    file_tag = client.get(f"{URL}1/csv/")["ETag"]
    Cycle.objects.filter(pk=released.cycle_id).update(release=Cycle.Release.PROVISIONAL)
    client.force_login(team["lead"])

    assert client.get(URL, HTTP_IF_NONE_MATCH=tag).status_code == 404
    assert client.get(f"{URL}1/csv/", HTTP_IF_NONE_MATCH=file_tag).status_code == 404


NATIONAL_STAFF = {"analyst"}


@pytest.mark.parametrize("role", ROLES)
def test_before_publication_only_national_staff_see_the_files(client, released, team, role):
    Cycle.objects.filter(pk=released.cycle_id).update(release=Cycle.Release.PROVISIONAL)
    sign_in(client, team, role)
    for url in (URL, f"{URL}1/csv/"):
        response = client.get(url)
        if role == ANONYMOUS:
            assert refused(response.status_code)
        else:
            assert response.status_code == (200 if role in NATIONAL_STAFF else 404), (url, role)


@pytest.mark.parametrize("role", ROLES)
def test_once_published_everyone_signed_in_sees_the_files(client, released, team, role):
    sign_in(client, team, role)
    for url in (URL, f"{URL}1/xlsx/"):
        response = client.get(url)
        assert refused(response.status_code) if role == ANONYMOUS else response.status_code == 200
