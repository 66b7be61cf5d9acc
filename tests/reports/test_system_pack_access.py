"""Who may ask for, follow, retry and download an ICS's board packs: whoever may see the ICS (its
reviewers and board viewers, national staff) the board pack; its reviewers and national analysts
the reviewers' pack too. Everyone else gets a plain 404, as for an ICS that does not exist, and
a refused request changes nothing."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from reports.models import SystemPack
from tests.assessments.conftest import frameworks  # noqa: F401  (fixture)
from tests.reports.test_system_access import ACTORS, SEES_ICS_1, sign_in

# The dashboard matrix's country, built once a module.

pytestmark = pytest.mark.django_db

SEES_REVIEWERS_PACK = {"reviewer of ICS 1", "national analyst"}


def stored_pack(ics, cycle, *, audience="board", status=SystemPack.Status.READY) -> SystemPack:
    pack = SystemPack.objects.create(ics=ics, cycle=cycle, audience=audience, status=status, progress=100, pages=1)
    if status == SystemPack.Status.READY:
        pack.file.save("pack.pdf", ContentFile(b"%PDF-1.7 a test pack"), save=True)
    else:
        pack.error = "It failed."
        pack.save(update_fields=["error"])
    return pack


def snapshot():
    return list(SystemPack.objects.order_by("pk").values_list("pk", "status", "requested_at", "queued_at", "error"))


def pack_urls(ics, cycle, pack_id):
    args = [ics.icb_ods_code, cycle.slug]
    return {
        "page": reverse("systems:pack", args=args),
        "request": reverse("systems:pack-request", args=args),
        "download": reverse("systems:pack-download", args=[*args, pack_id]),
        "retry": reverse("systems:pack-retry", args=[*args, pack_id]),
    }


@pytest.mark.parametrize("actor", list(ACTORS))
def test_the_board_pack_of_ics_1(client, country_data, actor):
    world, country = country_data
    ready = stored_pack(world.ics_1, country.this_year)
    failed = stored_pack(world.ics_1, country.this_year, status=SystemPack.Status.FAILED)
    sign_in(client, world, actor)
    urls = pack_urls(world.ics_1, country.this_year, ready.pk)
    before = snapshot()

    page = client.get(urls["page"])
    download = client.get(urls["download"])
    request = client.post(urls["request"], {"audience": "board"})
    retry = client.post(pack_urls(world.ics_1, country.this_year, failed.pk)["retry"])

    if actor == "anonymous":
        for response in (page, download, retry, request):
            assert response.status_code == 302 and response.url.startswith(reverse("login"))
        assert snapshot() == before
    elif actor in SEES_ICS_1:
        assert page.status_code == 200 and download.status_code == 200
        assert download["Content-Type"] == "application/pdf"
        assert retry.status_code == 302 and request.status_code == 302
        assert SystemPack.objects.get(pk=failed.pk).status == SystemPack.Status.QUEUED
        assert SystemPack.objects.filter(audience="board").count() == 3  # the new version
        # (asked for before the retry: a pack on its way refuses another, see test_system_pack)
    else:
        for response in (page, download, retry, request):
            assert response.status_code == 404, actor
        assert snapshot() == before  # nothing asked for, nothing retried


@pytest.mark.parametrize("actor", sorted(SEES_ICS_1))
def test_the_reviewers_pack_is_for_independent_reviewers_only(client, country_data, actor):
    world, country = country_data
    pack = stored_pack(world.ics_1, country.this_year, audience="reviewers")
    failed = stored_pack(world.ics_1, country.this_year, audience="reviewers", status=SystemPack.Status.FAILED)
    sign_in(client, world, actor)
    urls = pack_urls(world.ics_1, country.this_year, pack.pk)
    before = snapshot()

    page = client.get(urls["page"]).content.decode()
    download = client.get(urls["download"])
    request = client.post(urls["request"], {"audience": "reviewers"})
    retry = client.post(pack_urls(world.ics_1, country.this_year, failed.pk)["retry"])

    if actor in SEES_REVIEWERS_PACK:
        assert f'id="pack-{pack.pk}"' in page and "Who is the pack for?" in page
        assert download.status_code == 200 and retry.status_code == 302 and request.status_code == 302
        assert SystemPack.objects.filter(audience="reviewers").count() == 3
    else:
        # A board viewer (or national staff who see no flag evidence) never learns the version exists.
        assert f'id="pack-{pack.pk}"' not in page and "Who is the pack for?" not in page
        assert download.status_code == 404 and retry.status_code == 404
        assert request.status_code == 403
        assert snapshot() == before


def test_a_reviewer_who_also_works_at_a_member_trust_gets_the_board_pack_only(client, country_data):
    from tests import factories

    world, country = country_data
    pack = stored_pack(world.ics_1, country.this_year, audience="reviewers")
    user = factories.UserFactory()
    factories.grant(user, "ics_reviewer", world.ics_1)
    factories.grant(user, "viewer", world.trust_a)
    client.force_login(user)
    assert client.get(pack_urls(world.ics_1, country.this_year, pack.pk)["download"]).status_code == 404
    assert (
        client.post(
            pack_urls(world.ics_1, country.this_year, pack.pk)["request"], {"audience": "reviewers"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize("actor", ["reviewer of ICS 1", "board viewer of ICS 1"])
def test_another_ics_pack_page_request_and_download_are_a_plain_404(client, country_data, actor):
    world, country = country_data
    theirs = stored_pack(world.ics_2, country.this_year)
    ours = stored_pack(world.ics_1, country.this_year)
    sign_in(client, world, actor)
    before = snapshot()
    for ics, pack in ((world.ics_2, theirs), (world.ics_2, ours)):
        urls = pack_urls(ics, country.this_year, pack.pk)
        assert client.get(urls["page"]).status_code == 404
        assert client.get(urls["download"]).status_code == 404
        assert client.post(urls["retry"]).status_code == 404
        assert client.post(urls["request"], {"audience": "board"}).status_code == 404
    # Their pack under our ICS's address is no more found than under theirs.
    assert client.get(pack_urls(world.ics_1, country.this_year, theirs.pk)["download"]).status_code == 404
    unknown_cycle = reverse("systems:pack-download", args=[world.ics_1.icb_ods_code, "2001-02", ours.pk])
    assert client.get(unknown_cycle).status_code == 404
    assert snapshot() == before


def test_pack_pages_refuse_the_wrong_method(client, country_data):
    world, country = country_data
    pack = stored_pack(world.ics_1, country.this_year)
    sign_in(client, world, "national analyst")
    urls = pack_urls(world.ics_1, country.this_year, pack.pk)
    assert client.get(urls["request"]).status_code == 405
    assert client.get(urls["retry"]).status_code == 405
    assert client.post(urls["download"]).status_code == 405
    assert client.post(urls["page"]).status_code == 405
