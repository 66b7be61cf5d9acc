"""Board reports and ICS board packs through the API: status and progress, a new version asked
for through the service the page calls (202, or a 409 saying why not), a ready one's PDF, and the
report pages' and pack pages' access; a refused request creates nothing."""

import pytest
from django.core.files.base import ContentFile

from reports import packs, services
from reports.models import BoardReport, SystemPack
from reports.refresh import cycle_figures_refresh
from tests.api.conftest import ANONYMOUS, ROLES, TRUST_A, refused, sign_in

pytestmark = pytest.mark.django_db


def reports_url(assessment, rest: str = "") -> str:
    return f"/api/v1/assessments/{assessment.cycle.slug}/{assessment.organisation.ods_code}/reports/{rest}"


def test_a_report_is_asked_for_then_followed_to_its_pdf(client, scored, team):
    client.force_login(team["approver"])

    asked = client.post(reports_url(scored))

    assert asked.status_code == 202, asked.content
    report = asked.json()
    assert (
        report["status"] == "queued" and report["download"] is None and report["requested_by"] == team["approver"].email
    )
    assert asked["Location"] == reports_url(scored, f"{report['id']}/")
    again = client.post(reports_url(scored))
    assert again.status_code == 409 and "already being produced" in again.json()["detail"]
    assert BoardReport.objects.count() == 1

    services.report_render(report_id=report["id"])  # what the worker does with the queued row
    ready = client.get(asked["Location"]).json()
    assert ready["status"] == "ready" and ready["finished_at"] and ready["download"].endswith(f"{report['id']}/file/")
    pdf = client.get(ready["download"], HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert [r["id"] for r in client.get(reports_url(scored)).json()] == [report["id"]]


def test_a_draft_has_no_report_to_ask_for(client, assessment, team, unchanged):
    client.force_login(team["lead"])
    guard = unchanged()
    assert client.post(reports_url(assessment)).status_code == 403
    assert guard.still()


def test_a_report_not_ready_has_no_file(client, scored, team):
    report = BoardReport.objects.create(assessment=scored, status=BoardReport.Status.RENDERING)
    client.force_login(team["lead"])
    assert client.get(reports_url(scored, f"{report.pk}/")).json()["status"] == "rendering"
    assert client.get(reports_url(scored, f"{report.pk}/file/")).status_code == 404


SEES_SUBMITTED = {*TRUST_A, "reviewer", "board", "analyst"}


@pytest.mark.parametrize("role", ROLES)
def test_board_reports_access_matrix(client, scored, team, unchanged, role):
    ready = BoardReport.objects.create(assessment=scored, status=BoardReport.Status.READY)
    ready.file.save("report.pdf", ContentFile(b"%PDF-1.4 a report"), save=True)
    sign_in(client, team, role)
    for rest in ("", f"{ready.pk}/", f"{ready.pk}/file/"):
        response = client.get(reports_url(scored, rest))
        if role == ANONYMOUS:
            assert refused(response.status_code)
        else:
            assert response.status_code == (200 if role in SEES_SUBMITTED else 404), (rest, role)
    guard = unchanged()
    asked = client.post(reports_url(scored))
    if role in SEES_SUBMITTED:
        assert asked.status_code == 202
        assert BoardReport.objects.filter(assessment=scored).count() == 2
        return
    assert refused(asked.status_code) if role == ANONYMOUS else asked.status_code == 404
    assert guard.still()


def packs_url(world, rest: str = "") -> str:
    return f"/api/v1/systems/{world.ics_1.icb_ods_code}/packs/2025-26/{rest}"


@pytest.fixture
def with_figures(scored):
    cycle_figures_refresh(cycle_id=scored.cycle_id)
    return scored


def test_a_pack_is_asked_for_and_shows_its_progress(client, with_figures, team, world):
    client.force_login(team["reviewer"])

    asked = client.post(packs_url(world), {"audience": "reviewers"}, content_type="application/json")

    assert asked.status_code == 202, asked.content
    pack = asked.json()
    assert pack["audience"] == "reviewers" and pack["status"] == "queued" and pack["progress"] == 0
    assert client.post(packs_url(world), {"audience": "reviewers"}, content_type="application/json").status_code == 409

    packs.pack_render(pack_id=pack["id"])
    ready = client.get(asked["Location"]).json()
    assert ready["status"] == "ready" and ready["progress"] == 100 and ready["pages"]
    pdf = client.get(ready["download"])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_a_board_viewer_never_sees_or_asks_for_the_reviewers_pack(client, with_figures, team, world, unchanged):
    reviewers = SystemPack.objects.create(
        ics=world.ics_1, cycle=with_figures.cycle, audience=SystemPack.Audience.REVIEWERS, status="queued"
    )
    client.force_login(team["board"])
    guard = unchanged()

    assert client.post(packs_url(world), {"audience": "reviewers"}, content_type="application/json").status_code == 403
    assert client.post(packs_url(world), {"audience": "everyone"}, content_type="application/json").status_code == 400
    assert guard.still()
    assert client.get(packs_url(world)).json() == []
    assert client.get(packs_url(world, f"{reviewers.pk}/")).status_code == 404


SEES_ICS_1 = {"reviewer", "board", "analyst"}


@pytest.mark.parametrize("role", ROLES)
def test_board_packs_access_matrix(client, with_figures, team, world, unchanged, role):
    ready = SystemPack.objects.create(ics=world.ics_1, cycle=with_figures.cycle, status=SystemPack.Status.READY)
    ready.file.save("pack.pdf", ContentFile(b"%PDF-1.4 a pack"), save=True)
    sign_in(client, team, role)
    for rest in ("", f"{ready.pk}/", f"{ready.pk}/file/"):
        response = client.get(packs_url(world, rest))
        if role == ANONYMOUS:
            assert refused(response.status_code)
        else:
            assert response.status_code == (200 if role in SEES_ICS_1 else 404), (rest, role)
    guard = unchanged()
    asked = client.post(packs_url(world), {}, content_type="application/json")
    if role in SEES_ICS_1:
        assert asked.status_code == 202  # the ready pack's figures were not these (it has no fingerprint)
        assert SystemPack.objects.filter(ics=world.ics_1).count() == 2
        return
    assert refused(asked.status_code) if role == ANONYMOUS else asked.status_code == 404
    assert guard.still()
