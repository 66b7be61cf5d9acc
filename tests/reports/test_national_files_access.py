"""Who may see the national files, their pages and each file: national staff (analysts and
framework administrators) always; every signed-in user once the cycle is published; nobody
else, with a plain 404 (as for a cycle that does not exist). Only national analysts publish a
correction or retry a failed version; a refused request changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Cycle
from reports.models import NationalRelease
from tests.reports.national_data import generate, publish
from tests.reports.test_system_access import ACTORS, sign_in

pytestmark = pytest.mark.django_db

NATIONAL = {"national analyst", "framework admin"}
CORRECTS = {"national analyst"}
KINDS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "long-csv": "text/csv; charset=utf-8",
    "dictionary-csv": "text/csv; charset=utf-8",
}


def snapshot():
    return list(NationalRelease.objects.order_by("pk").values_list("pk", "version", "status", "change_note"))


def reads(cycle: Cycle, version: int) -> dict[str, str]:
    urls = {
        "cycle": reverse("publications:cycle", args=[cycle.slug]),
        "data-quality": reverse("publications:data-quality", args=[cycle.slug, version]),
    }
    urls.update({kind: reverse("publications:download", args=[cycle.slug, version, kind]) for kind in KINDS})
    return urls


def files(django_capture_on_commit_callbacks, cycle):
    release = generate(django_capture_on_commit_callbacks, cycle)
    assert release.status == "ready"
    failed = NationalRelease.objects.create(cycle=cycle, version=2, change_note="Broken", status="failed", error="x")
    return release, failed


@pytest.mark.parametrize("published", [False, True], ids=["before publication", "after publication"])
@pytest.mark.parametrize("actor", list(ACTORS))
def test_every_page_and_file(client, country_data, django_capture_on_commit_callbacks, actor, published):
    world, country = country_data
    cycle = publish(country.this_year) if published else Cycle.objects.get(pk=country.this_year.pk)
    release, failed = files(django_capture_on_commit_callbacks, cycle)
    sign_in(client, world, actor)
    before = snapshot()
    may_read = actor != "anonymous" and (published or actor in NATIONAL)

    index = client.get(reverse("publications:index"))
    responses = {name: client.get(url) for name, url in reads(cycle, release.version).items()}
    correction = client.get(reverse("publications:correction", args=[cycle.slug]))
    retry = client.post(reverse("publications:retry", args=[cycle.slug, failed.version]))
    confirm = client.post(
        reverse("publications:correction", args=[cycle.slug]), {"change_note": "A fix", "confirm": "yes"}
    )

    if actor == "anonymous":
        for response in (index, *responses.values(), correction, retry, confirm):
            assert response.status_code == 302 and response.url.startswith(reverse("login"))
        assert snapshot() == before
        return
    assert index.status_code == 200
    listed = reverse("publications:cycle", args=[cycle.slug]) in index.content.decode()
    assert listed == may_read
    for name, response in responses.items():
        if may_read:
            assert response.status_code == 200, name
            if name in KINDS:
                assert response["Content-Type"] == KINDS[name]
                assert f"wgll-national-{cycle.slug}-v1" in response["Content-Disposition"]
                assert b"".join(response.streaming_content)
        else:
            assert response.status_code == 404, (name, actor)
    if actor in CORRECTS:
        assert correction.status_code == 200
        assert retry.status_code == 302
        assert NationalRelease.objects.get(pk=failed.pk).status == "queued"
        # The confirmed correction is refused while the retried version is on its way, and says so.
        assert confirm.status_code == 200 and "still being generated" in confirm.content.decode()
        assert NationalRelease.objects.count() == 2
    else:
        for response in (correction, retry, confirm):
            assert response.status_code == 404, actor
        assert snapshot() == before


def test_a_cycle_that_does_not_exist_is_a_404(client, country_data):
    world, _country = country_data
    sign_in(client, world, "national analyst")
    assert client.get(reverse("publications:cycle", args=["2001-02"])).status_code == 404
    assert client.get(reverse("publications:download", args=["2001-02", 1, "csv"])).status_code == 404


def test_an_unknown_file_or_version_is_a_404(client, country_data, django_capture_on_commit_callbacks):
    world, country = country_data
    cycle = publish(country.this_year)
    _release, failed = files(django_capture_on_commit_callbacks, cycle)
    sign_in(client, world, "lead of trust A (in ICS 1)")
    assert client.get(reverse("publications:download", args=[cycle.slug, 1, "secrets"])).status_code == 404
    assert client.get(reverse("publications:download", args=[cycle.slug, 7, "csv"])).status_code == 404
    assert client.get(reverse("publications:download", args=[cycle.slug, failed.version, "csv"])).status_code == 404


def test_the_correction_journey(client, country_data, django_capture_on_commit_callbacks):
    world, country = country_data
    cycle = publish(country.this_year)
    first = generate(django_capture_on_commit_callbacks, cycle)
    sign_in(client, world, "national analyst")
    url = reverse("publications:correction", args=[cycle.slug])

    empty = client.post(url, {"change_note": "  "})
    assert empty.status_code == 200 and "There is a problem" in empty.content.decode()
    assert 'href="#id_change_note"' in empty.content.decode() and "Enter a change note" in empty.content.decode()
    check = client.post(url, {"change_note": "Trust X's figures corrected"})
    page = check.content.decode()
    assert "Check the correction" in page and "Publish version 2" in page and "Trust X&#39;s figures corrected" in page
    back = client.post(url, {"change_note": "Trust X's figures corrected", "confirm": "change"})
    assert (
        "Check the correction" not in back.content.decode()
        and "Trust X&#39;s figures corrected" in back.content.decode()
    )
    assert NationalRelease.objects.count() == 1  # nothing until confirmed

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"change_note": "Trust X's figures corrected", "confirm": "yes"})
    assert done.status_code == 302 and done.url == reverse("publications:cycle", args=[cycle.slug])
    second = NationalRelease.objects.get(cycle=cycle, version=2)
    assert second.status == "ready" and second.change_note == "Trust X's figures corrected"
    page = client.get(done.url).content.decode()
    assert "Version 2" in page and "Version 1" in page and "Trust X&#39;s figures corrected" in page
    for version in (first, second):
        assert (
            client.get(reverse("publications:download", args=[cycle.slug, version.version, "csv"])).status_code == 200
        )
    quality = client.get(reverse("publications:data-quality", args=[cycle.slug, 1])).content.decode()
    assert "Response rate" in quality and f"{first.data_quality['response_rate']}%" in quality


def test_the_page_shows_progress_and_refreshes_without_javascript(client, country_data):
    world, country = country_data
    cycle = publish(country.this_year)
    NationalRelease.objects.create(cycle=cycle, version=1, change_note="First publication", status="rendering",
                                   progress=40, step="Writing the file with one row per organisation")  # fmt: skip
    sign_in(client, world, "national analyst")
    page = client.get(reverse("publications:cycle", args=[cycle.slug])).content.decode()
    assert '<progress id="release-progress-' in page and 'value="40"' in page
    assert "40% done: Writing the file with one row per organisation" in page
    assert '<noscript><meta http-equiv="refresh"' in page
