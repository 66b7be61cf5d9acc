from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments.models import Evidence, MeasureScore, ValidationFlag
from assessments.services.flags import flag_resolve
from reports import render
from reports.models import BoardReport
from reports.selectors import board_report_data, score_fingerprint
from reports.services import report_request, report_retry
from tests.reports.conftest import pdf_reader, pdf_text, squashed, submit

pytestmark = pytest.mark.django_db


def urls(assessment):
    base = f"/reports/{assessment.cycle.slug}/{assessment.organisation.ods_code}/"
    return {
        "status": base,
        "request": base + "request/",
        "download": base + "{}/download/",
        "retry": base + "{}/retry/",
    }


def request_through_page(client, user, assessment, capture):
    client.force_login(user)
    with capture(execute=True):
        response = client.post(urls(assessment)["request"])
    assert response.status_code == 302 and response["Location"] == urls(assessment)["status"]
    return BoardReport.objects.filter(assessment=assessment).latest("pk")


def test_a_requested_report_shows_scores_next_steps_and_flags(client, scored, team, django_capture_on_commit_callbacks):
    report = request_through_page(client, team["lead"], scored, django_capture_on_commit_callbacks)

    assert report.status == BoardReport.Status.READY, report.error
    assert report.file.name.startswith(f"reports/{scored.pk}/") and report.file.name.endswith(".pdf")
    assert report.scores_fingerprint == score_fingerprint(scored.score) and len(report.scores_fingerprint) == 64
    text = squashed(pdf_text(report))
    assert squashed("Trust A") in text and "2025/26" in text
    assert squashed("3.0 out of 5") in text
    foundations = MeasureScore.objects.get(score__assessment=scored, measure_key="smart_foundations")
    assert squashed(f"{foundations.measure_name}: {foundations.value} out of 5") in text
    assert squashed("To reach level 4:") in text and squashed("Criterion 4a is met.") in text
    flag = ValidationFlag.objects.filter(assessment=scored).first()
    assert flag is not None and squashed(flag.explanation) in text
    # Trust A is the only scored trust: every comparison group is too small to show, and says why.
    assert squashed("fewer than 5") in text
    assert "Median:" not in text

    download = client.get(urls(scored)["download"].format(report.pk))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Cache-Control"] == "private, no-store"  # a board report is never kept by a cache
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content).startswith(b"%PDF-1.7")


def test_the_peer_position_names_its_quarter_from_an_end_and_the_group_it_is_of(
    scored, team, acute_peers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(assessment=scored, actor=team["lead"])
    report.refresh_from_db()
    assert report.status == BoardReport.Status.READY, report.error
    text = squashed(pdf_text(report))
    # Trust A's 3.0 against 1, 2, 2, 3, 4, 4: above three, tied with one of the six others.
    assert (
        squashed(
            "This overall score is in the second-highest quarter of the 7 acute trusts (trusts whose main care "
            "setting is acute) with a scored assessment this cycle. Their median overall score is 3.0."
        )
        in text
    )
    assert squashed("third quarter") not in text and squashed("second quarter") not in text
    # The radar's legend names the peer group in full (pygal used to cut it short with "…").
    assert squashed("Median: Trusts whose main care setting is acute") in text and "…" not in text


def test_the_pdf_is_tagged_with_title_language_and_page_numbers(scored, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(assessment=scored, actor=team["lead"])
    report.refresh_from_db()
    reader = pdf_reader(report)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert "digital maturity board report" in reader.metadata.title
    pages = len(reader.pages)
    assert f"Page 1 of {pages}" in reader.pages[0].extract_text()


PAYLOADS = [
    "<script>alert(1)</script>",
    '<link rel="attachment" href="file:///etc/hostname">',
    '<img src="http://example.com/x.png">',
    "</style><style>body{display:none}</style>",
    "url(file:///etc/passwd)",
]
PAYLOAD = " ".join(PAYLOADS)
SHORT_PAYLOAD = PAYLOADS[1] + " " + PAYLOADS[4]  # the minute reference holds at most 100 characters


def test_typed_text_reaches_the_pdf_as_text_and_fetches_nothing(
    client, assessment, team, monkeypatch, django_capture_on_commit_callbacks
):
    from tests.assessments.conftest import complete_everything

    complete_everything(assessment, team["lead"], level=3)
    assessment.responses.update(notes=PAYLOAD)
    cloud = assessment.responses.get(domain__key="cloud")
    Evidence.objects.create(response=cloud, kind=Evidence.Kind.LINK, title=PAYLOAD, url=PAYLOAD, added_by=team["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        submit(assessment, team, name=PAYLOAD, role=PAYLOAD, minute_reference=SHORT_PAYLOAD)
    flag = ValidationFlag.objects.filter(assessment=assessment).first()
    flag_resolve(flag_id=flag.pk, actor=team["reviewer"], comment=PAYLOAD)
    fetched: list[str] = []
    original = render.RestrictedFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(render.RestrictedFetcher, "fetch", spy)
    render._Typesetting.reset()  # the stylesheet is parsed once a process: fetch it again, watched

    report = request_through_page(client, team["lead"], assessment, django_capture_on_commit_callbacks)

    assert report.status == BoardReport.Status.READY, report.error
    text = squashed(pdf_text(report))
    # notes (many domains), evidence title and link, sign-off name and role, flag comment
    assert text.count(squashed(PAYLOAD)) >= 6
    assert squashed(SHORT_PAYLOAD) in text
    reader = pdf_reader(report)
    names = reader.trailer["/Root"].get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object()
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            assert annotation.get_object()["/Subtype"] != "/FileAttachment"
    allowed = {render.BASE_URL + name for name in render.ALLOWED_ASSETS}
    assert fetched and set(fetched) <= allowed


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///etc/hostname",
        "http://example.com/x.png",
        "https://example.com/x.png",
        "data:text/css,body{display:none}",
        "https://portal.invalid/static/../../etc/passwd",
        "https://portal.invalid/static/reports/../../../etc/passwd",
        "https://portal.invalid/static/css/portal.css",
        "https://portal.invalid/static/reports/board-report.css?x=1",
        "https://portal.invalid/media/evidence/1/secret",
    ],
)
def test_the_fetcher_refuses_everything_but_the_report_stylesheet(url, monkeypatch):
    logged: list[str] = []
    monkeypatch.setattr(render.logger, "warning", lambda message, *args: logged.append(message % args))
    with pytest.raises(render.RefusedFetch):
        render.RestrictedFetcher().fetch(url)
    assert logged and "refused to fetch" in logged[0]


def test_the_fetcher_serves_the_report_stylesheet():
    response = render.RestrictedFetcher().fetch(render.BASE_URL + "reports/board-report.css")
    assert b"@page" in response.read() and response.content_type == "text/css"


def test_a_failed_render_is_recorded_and_can_be_tried_again(
    client, scored, team, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("cairo exploded")

    monkeypatch.setattr(render, "HTML", broken)
    report = request_through_page(client, team["lead"], scored, django_capture_on_commit_callbacks)
    assert report.status == BoardReport.Status.FAILED
    assert "could not be produced" in report.error and f"report number {report.pk}" in report.error
    assert "cairo" not in report.error  # internal details stay in the log
    page = client.get(urls(scored)["status"]).content.decode()
    assert "Failed" in page and "Try again" in page

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(urls(scored)["retry"].format(report.pk))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == BoardReport.Status.READY and report.error == ""
    assert BoardReport.objects.count() == 1


def test_only_a_failed_report_can_be_retried(scored, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(assessment=scored, actor=team["lead"])
    report.refresh_from_db()
    with pytest.raises(ValidationError):
        report_retry(report=report, actor=team["lead"])


def test_new_versions_keep_the_old_ones_downloadable(client, scored, team, django_capture_on_commit_callbacks):
    first = request_through_page(client, team["lead"], scored, django_capture_on_commit_callbacks)
    # A resolved flag changes what the report says, so a second version may be asked for.
    flag = ValidationFlag.objects.filter(assessment=scored).first()
    flag_resolve(flag_id=flag.pk, actor=team["reviewer"], comment="Checked with the trust.")
    second = request_through_page(client, team["lead"], scored, django_capture_on_commit_callbacks)
    assert first.pk != second.pk and first.file.name != second.file.name
    for report in (first, second):
        assert client.get(urls(scored)["download"].format(report.pk)).status_code == 200
    page = client.get(urls(scored)["status"]).content.decode()
    assert page.count("Download") >= 2 and 'http-equiv="refresh"' not in page


def test_the_status_page_refreshes_while_a_report_is_pending(client, scored, team):
    BoardReport.objects.create(assessment=scored, requested_by=team["lead"], status=BoardReport.Status.RENDERING)
    client.force_login(team["viewer"])
    page = client.get(urls(scored)["status"]).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page and "Rendering" in page


def test_an_unscored_assessment_cannot_have_a_report(assessment, team, django_capture_on_commit_callbacks):
    from tests.assessments.conftest import complete_everything

    complete_everything(assessment, team["lead"], level=2)
    with django_capture_on_commit_callbacks(execute=False):  # the broker "loses" the scoring task
        submit(assessment, team)
    assessment.refresh_from_db()
    with pytest.raises(ValidationError):
        report_request(assessment=assessment, actor=team["lead"])
    assert not BoardReport.objects.exists()


def test_a_broker_outage_leaves_the_report_queued(scored, team, monkeypatch, django_capture_on_commit_callbacks):
    from reports import tasks

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.render_board_report, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(assessment=scored, actor=team["lead"])
    report.refresh_from_db()
    assert report.status == BoardReport.Status.QUEUED


# Access


def test_another_organisation_sees_a_plain_404(client, scored, team, django_capture_on_commit_callbacks):
    report = request_through_page(client, team["lead"], scored, django_capture_on_commit_callbacks)
    for who in ("other_lead", "other_reviewer", "nobody"):
        client.force_login(team[who])
        assert client.get(urls(scored)["status"]).status_code == 404, who
        assert client.post(urls(scored)["request"]).status_code == 404, who
        assert client.get(urls(scored)["download"].format(report.pk)).status_code == 404, who
        assert client.post(urls(scored)["retry"].format(report.pk)).status_code == 404, who
    assert BoardReport.objects.count() == 1


def test_signed_out_people_are_sent_to_sign_in(client, scored):
    response = client.get(urls(scored)["status"])
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


@pytest.mark.parametrize("who", ["viewer", "contributor", "approver", "reviewer", "board", "analyst"])
def test_everyone_who_sees_the_assessment_can_download(who, client, scored, team, django_capture_on_commit_callbacks):
    report = request_through_page(client, team["lead"], scored, django_capture_on_commit_callbacks)
    client.force_login(team[who])
    assert client.get(urls(scored)["status"]).status_code == 200
    assert client.get(urls(scored)["download"].format(report.pk)).status_code == 200


def test_a_report_of_another_assessment_is_not_found_through_this_one(
    client, scored, team, django_capture_on_commit_callbacks
):
    report = request_through_page(client, team["lead"], scored, django_capture_on_commit_callbacks)
    other = (
        scored.organisation.assessments.model.objects.exclude(pk=scored.pk)
        .filter(organisation__ics=scored.organisation.ics)
        .first()
    )
    client.force_login(team["analyst"])
    wrong = urls(other)["download"].format(report.pk)
    assert client.get(wrong).status_code == 404


def test_a_draft_cannot_have_a_report(client, assessment, team):
    client.force_login(team["lead"])
    assert client.post(urls(assessment)["request"]).status_code == 403
    page = client.get(urls(assessment)["status"]).content.decode()
    assert "once the assessment has been submitted" in page
    assert not BoardReport.objects.exists()


def test_the_overview_links_to_the_board_report_only_once_submitted(client, assessment, team, scored):
    client.force_login(team["viewer"])
    overview = f"/assessments/{scored.cycle.slug}/{scored.organisation.ods_code}/"
    assert urls(scored)["status"] in client.get(overview).content.decode()


def test_the_overview_of_a_draft_has_no_board_report_link(client, assessment, team):
    client.force_login(team["lead"])
    overview = f"/assessments/{assessment.cycle.slug}/{assessment.organisation.ods_code}/"
    assert urls(assessment)["status"] not in client.get(overview).content.decode()


def test_scores_are_decimal(scored):
    assert scored.score.overall == Decimal("3.0")


def test_the_report_shows_the_answer_flags_and_only_the_number_of_pattern_flags(scored, world):
    """The board report is the organisation's own: a pattern flag names other organisations and
    quotes their notes, so the report says only how many there are (they are the reviewer's)."""
    from tests.assessments import pattern_flags

    copied = pattern_flags.copied_notes(scored, world.trust_b)
    html = render.report_html(board_report_data(scored.pk))

    answer_flag = ValidationFlag.objects.filter(assessment=scored, kind="high_level_without_evidence").first()
    assert answer_flag.explanation in html and "Medium severity" in html
    assert f"What would resolve it: {answer_flag.to_clear}" in html
    assert "1 further flag compares this assessment with others" in html
    assert world.trust_b.name not in html and pattern_flags.OTHER_NOTE not in html
    assert copied.get_kind_display() not in html


def test_a_render_tells_the_page_each_step_and_its_percentage(client, scored, team, monkeypatch):
    """What the page shows while a worker renders: the step and how far, read from the row as
    the render goes (here the PDF step is stood in, to look at the row between its steps)."""
    report = BoardReport.objects.create(assessment=scored, requested_by=team["lead"])
    seen = []
    real_pdf = render.report_pdf

    def watching(data, on_step=None):
        def step(per_cent, words):
            on_step(per_cent, words)
            row = BoardReport.objects.get(pk=report.pk)
            seen.append((row.status, row.progress, row.step))

        return real_pdf(data, on_step=step)

    monkeypatch.setattr("reports.services.report_pdf", watching)
    from reports.services import report_render

    report_render(report_id=report.pk)

    assert seen == [
        ("rendering", 25, "Drawing the charts"),
        ("rendering", 45, "Laying out the pages"),
        ("rendering", 85, "Writing the PDF"),
    ]
    report.refresh_from_db()
    assert (report.status, report.progress, report.step) == ("ready", 100, "")
    BoardReport.objects.filter(pk=report.pk).update(status="rendering", progress=45, step="Laying out the pages")
    client.force_login(team["viewer"])
    page = client.get(urls(scored)["status"]).content.decode()
    assert "45% done: Laying out the pages" in page and '<progress id="report-progress' in page
