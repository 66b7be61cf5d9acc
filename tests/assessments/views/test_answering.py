"""The answering pages: task list, domain page, evidence, check your answers, year on year."""

import datetime
import random
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from assessments.models import Assessment, AuditEvent, Cycle, DomainResponse, Evidence
from assessments.services import evidence as evidence_services
from assessments.services import responses as answers
from assessments.services.cycles import cycle_open
from tests.assessments.conftest import all_criteria, complete_everything
from tests.factories import minimal_pdf_bytes, office_bytes

pytestmark = pytest.mark.django_db

PDF = minimal_pdf_bytes()
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


def args(assessment):
    return [assessment.cycle.slug, assessment.organisation.ods_code]


def overview_url(assessment):
    return reverse("assessments:overview", args=args(assessment))


def domain_url(assessment, key="strategy"):
    return reverse("assessments:domain", args=[*args(assessment), key])


def evidence_add_url(assessment, key="strategy"):
    return reverse("assessments:evidence-add", args=[*args(assessment), key])


def response(assessment, key="strategy") -> DomainResponse:
    return assessment.responses.select_related("domain").get(domain__key=key)


def answer_data(version, met=(), notes="", complete="yes"):
    data = {"met_criteria": list(met), "notes": notes, "version": str(version)}
    if complete is not None:
        data["complete"] = complete
    return data


def text(page) -> str:
    return page.content.decode()


def hidden_version(page) -> str:
    match = re.search(r'<input type="hidden" name="version" id="id_version" value="([^"]*)">', text(page))
    assert match, "the page has no hidden version input"
    return match.group(1)


def login(client, user):
    client.force_login(user)
    return client


def add_pdf(client, assessment, key="strategy", title="Board paper"):
    upload = SimpleUploadedFile("board-paper.pdf", PDF, content_type="application/pdf")
    return client.post(evidence_add_url(assessment, key), {"title": title, "evidence_file": upload})


# Who sees what (an ICS board viewer sees submitted results only: tests/assessments/test_access.py)


@pytest.mark.parametrize("who", ["lead", "contributor", "viewer", "approver", "reviewer", "analyst"])
def test_people_who_see_the_assessment_get_the_task_list(client, assessment, team, who):
    page = login(client, team[who]).get(overview_url(assessment))
    assert page.status_code == 200
    body = text(page)
    assert f"{assessment.cycle.name} digital maturity assessment" in body
    assert assessment.organisation.name in body
    # Everyone reads the progress as the organisation's, not their own.
    assert f"{assessment.organisation.name} has completed 0 of {assessment.responses.count()} domains" in body
    assert "You have completed" not in body
    assert "Digital strategy" in body and domain_url(assessment) in body
    assert "Not started" in body


@pytest.mark.parametrize("who", ["other_lead", "other_reviewer", "nobody"])
def test_outsiders_get_404_on_every_answering_page(client, assessment, team, who):
    lead = team["lead"]
    strategy = response(assessment)
    evidence = evidence_services.evidence_add_link(
        response_id=strategy.pk, url="https://intranet.example.nhs.uk/strategy", title="Strategy", actor=lead
    )
    version = strategy.version
    login(client, team[who])
    a = args(assessment)
    gets = [
        overview_url(assessment),
        domain_url(assessment),
        reverse("assessments:evidence-download", args=[*a, evidence.pk]),
        reverse("assessments:check", args=a),
        reverse("assessments:changes", args=a),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        (domain_url(assessment), answer_data(version, ["c1a", "c1b"])),
        (evidence_add_url(assessment), {"url": "https://example.org/x"}),
        (reverse("assessments:evidence-remove", args=[*a, evidence.pk]), {}),
        (reverse("assessments:confirm-carried-forward", args=a), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    strategy.refresh_from_db()
    assert strategy.version == version and strategy.met_criteria == []
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert Evidence.objects.filter(response=strategy).count() == 1


def test_anonymous_people_are_sent_to_sign_in(client, assessment):
    page = client.get(overview_url(assessment))
    assert page.status_code == 302


def test_unknown_domain_is_404(client, assessment, team):
    assert login(client, team["lead"]).get(domain_url(assessment, "no-such-domain")).status_code == 404


def test_other_cycle_or_organisation_in_the_address_is_404(client, assessment, team):
    login(client, team["lead"])
    assert client.get(reverse("assessments:overview", args=["2030-31", "RXX"])).status_code == 404


def test_task_list_shows_statuses_assignment_and_actions_the_lead_may_take(client, assessment, team):
    lead, contributor = team["lead"], team["contributor"]
    strategy, cloud = response(assessment), response(assessment, "cloud")
    answers.responses_assign(assessment=assessment, domain_ids=[strategy.pk], assignee=contributor, actor=lead)
    answers.response_save(
        response_id=cloud.pk, expected_version=0, answer=answers.Answer(["c1a"], "", False), actor=lead
    )
    body = text(login(client, lead).get(overview_url(assessment)))
    assert f"Assigned to {contributor}" in body
    assert "In progress" in body and "Not started" in body
    a = args(assessment)
    assert reverse("assessments:check", args=a) in body
    assert reverse("assessments:assign", args=a) in body
    assert reverse("assessments:history", args=a) in body
    assert reverse("assessments:sign-off", args=a) not in body  # only the approver, once ready
    assert reverse("assessments:changes", args=a) not in body  # no previous assessment
    assert "Confirm all carried-forward answers" not in body

    body = text(login(client, contributor).get(overview_url(assessment)))
    assert "Assigned to you" in body
    assert reverse("assessments:assign", args=a) not in body
    assert reverse("assessments:history", args=a) not in body


def test_task_list_query_count_does_not_grow_with_assignments(client, assessment, team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, team["lead"]).get(overview_url(assessment))  # the first request after sign-in does more
    with CaptureQueriesContext(connection) as before:
        client.get(overview_url(assessment))
    ids = list(assessment.responses.values_list("pk", flat=True))
    answers.responses_assign(assessment=assessment, domain_ids=ids, assignee=team["contributor"], actor=team["lead"])
    with CaptureQueriesContext(connection) as after:
        client.get(overview_url(assessment))
    assert len(after) == len(before), [q["sql"] for q in after.captured_queries]


def test_check_answers_and_domain_page_query_counts_do_not_grow_with_evidence(client, assessment, team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lead = team["lead"]
    pages = [reverse("assessments:check", args=args(assessment)), domain_url(assessment)]
    login(client, lead).get(overview_url(assessment))

    def counts():
        result = []
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    counts()  # the first view builds what each process keeps of the framework version
    before = counts()
    for item in assessment.responses.all():
        for n in range(3):
            evidence_services.evidence_add_link(
                response_id=item.pk, url=f"https://example.org/{n}", title=f"E{n}", actor=lead
            )
    assert counts() == before


# The domain page


def test_lead_sees_the_answer_form_with_guidance(client, assessment, team):
    page = login(client, team["lead"]).get(domain_url(assessment))
    body = text(page)
    assert page.status_code == 200
    assert "What good looks like for Digital strategy." in body and "A board paper" in body
    assert "Level 1: Level 1" in body and 'name="met_criteria"' in body and 'value="c1a"' in body
    assert 'name="notes"' in body and 'name="complete"' in body
    assert "Yes, I&#39;ve completed this domain" in body and "No, I&#39;ll come back to it later" in body
    assert hidden_version(page) == "0"
    assert "Save and continue" in body
    assert "The criteria you've ticked reach level 0" in body


def test_saving_uses_the_scoring_rule_and_returns_to_the_task_list(client, assessment, team):
    login(client, team["lead"])
    page = client.post(domain_url(assessment), answer_data(0, ["c2a", "c2b"], "Level 2 without level 1"))
    assert page.status_code == 302 and page.url.startswith(overview_url(assessment))
    strategy = response(assessment)
    assert strategy.level == 0 and strategy.met_criteria == ["c2a", "c2b"]
    assert strategy.status == DomainResponse.Status.COMPLETED and strategy.version == 1
    assert "Digital strategy saved" in text(client.get(page.url))
    assert "reach level 0" in text(client.get(domain_url(assessment)))

    client.post(domain_url(assessment), answer_data(1, ["c1a", "c1b", "c2a", "c2b", "c3a"], complete="no"))
    strategy.refresh_from_db()
    assert strategy.level == 2 and strategy.status == DomainResponse.Status.IN_PROGRESS
    assert "The criteria you've ticked reach level 2" in text(client.get(domain_url(assessment)))
    assert AuditEvent.objects.filter(assessment=assessment, kind=AuditEvent.Kind.ANSWER_SAVED).count() == 2


def test_missing_complete_is_linked_from_the_error_summary_and_keeps_the_input(client, assessment, team):
    login(client, team["lead"])
    page = client.post(domain_url(assessment), answer_data(0, ["c1a", "c1b", "c2a"], "My draft notes", complete=None))
    body = text(page)
    assert page.status_code == 400
    assert "nhsuk-error-summary" in body
    match = re.search(r'<a href="#([^"]+)">\s*Select whether you&#39;ve completed this domain', body)
    assert match, "the summary links to the radios"
    assert f'id="{match.group(1)}" name="complete" type="radio"' in body
    for key in ("c1a", "c1b", "c2a"):
        assert f'value="{key}" checked' in body
    assert 'value="c2b" checked' not in body
    assert ">My draft notes</textarea>" in body
    assert "reach level 1" in body  # computed from what was ticked, by the scoring rule
    assert "<title>Error: " in body
    assert response(assessment).version == 0


def test_a_tampered_criterion_key_is_a_field_error_and_changes_nothing(client, assessment, team):
    login(client, team["lead"])
    page = client.post(domain_url(assessment), answer_data(0, ["c1a", "cloud-3a"]))
    body = text(page)
    assert page.status_code == 400
    assert "Select only criteria of this domain" in body
    assert 'href="#id_met_criteria"' in body and 'id="id_met_criteria"' in body
    strategy = response(assessment)
    assert strategy.version == 0 and strategy.met_criteria == [] and strategy.status == "not_started"
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.ANSWER_SAVED).exists()


@pytest.mark.parametrize("version", ["one", "", "-1", "1.5", "7"])
def test_a_tampered_version_is_an_error_and_changes_nothing(client, assessment, team, version):
    login(client, team["lead"])
    page = client.post(domain_url(assessment), answer_data(version, ["c1a", "c1b"]))
    assert page.status_code == 400
    assert "This page is out of date or was changed" in text(page)
    assert "changed by someone else" not in text(page)  # a version no save had is no colleague's
    assert response(assessment).version == 0


def test_a_notes_field_over_the_limit_is_refused(client, assessment, team):
    login(client, team["lead"])
    page = client.post(domain_url(assessment), answer_data(0, [], "x" * 10_001))
    assert page.status_code == 400 and "Notes must be 10,000 characters or fewer" in text(page)
    assert response(assessment).version == 0


def test_a_stale_save_shows_what_changed_keeps_the_input_and_saves_when_repeated(
    client, assessment, team, person, world
):
    other_lead = person("assessment_lead", world.trust_a)
    strategy = response(assessment)
    login(client, team["lead"])
    opened = hidden_version(client.get(domain_url(assessment)))
    answers.response_save(
        response_id=strategy.pk,
        expected_version=0,
        answer=answers.Answer(["c1a", "c1b"], "Their notes", True),
        actor=other_lead,
    )

    mine = answer_data(opened, ["c1a", "c1b", "c3a"], "My notes", complete="no")
    page = client.post(domain_url(assessment), mine)
    body = text(page)
    assert page.status_code == 409
    assert f"{other_lead} changed this domain while you were editing it" in body
    assert "ticked “Criterion 1a is met.”" in body and "ticked “Criterion 1b is met.”" in body
    assert "changed the notes" in body and "marked it as completed" in body
    assert "the level went from 0 to 1" in body
    assert ">My notes</textarea>" in body and 'value="c3a" checked' in body and 'value="c2a" checked' not in body
    assert hidden_version(page) == "1"
    strategy.refresh_from_db()
    assert strategy.notes == "Their notes" and strategy.version == 1

    mine["version"] = hidden_version(page)
    again = client.post(domain_url(assessment), mine)
    assert again.status_code == 302
    strategy.refresh_from_db()
    assert strategy.notes == "My notes" and strategy.met_criteria == ["c1a", "c1b", "c3a"] and strategy.version == 2
    assert strategy.level == 1 and strategy.status == DomainResponse.Status.IN_PROGRESS


def test_contributor_answers_only_what_is_assigned(client, assessment, team):
    lead, contributor = team["lead"], team["contributor"]
    strategy, cloud = response(assessment), response(assessment, "cloud")
    answers.responses_assign(assessment=assessment, domain_ids=[strategy.pk], assignee=contributor, actor=lead)
    login(client, contributor)

    assert 'name="met_criteria"' in text(client.get(domain_url(assessment)))
    assert client.post(domain_url(assessment), answer_data(0, ["c1a", "c1b"])).status_code == 302
    strategy.refresh_from_db()
    assert strategy.level == 1 and strategy.updated_by == contributor

    body = text(client.get(domain_url(assessment, "cloud")))
    assert 'name="met_criteria"' not in body and "You can read this domain but not change it" in body
    assert client.post(domain_url(assessment, "cloud"), answer_data(0, ["c1a", "c1c"])).status_code == 403
    assert client.post(evidence_add_url(assessment, "cloud"), {"url": "https://example.org/"}).status_code == 403
    cloud.refresh_from_db()
    assert cloud.version == 0 and cloud.met_criteria == [] and not cloud.evidence.exists()


def test_viewer_reads_without_inputs_and_cannot_change_anything(client, assessment, team):
    lead = team["lead"]
    strategy = response(assessment)
    answers.response_save(
        response_id=strategy.pk,
        expected_version=0,
        answer=answers.Answer(["c1a", "c1b"], "Our notes", True),
        actor=lead,
    )
    evidence = evidence_services.evidence_add_link(
        response_id=strategy.pk, url="https://intranet.example.nhs.uk/paper", title="Board paper", actor=lead
    )
    login(client, team["viewer"])
    page = client.get(domain_url(assessment))
    body = text(page)
    assert page.status_code == 200
    assert "<input" not in body.split('id="answer"')[1].split('id="evidence"')[0]
    assert "<textarea" not in body and 'type="file"' not in body and "Remove" not in body
    assert "Criterion 1a is met." in body and "Our notes" in body and "Board paper" in body
    a = args(assessment)
    assert client.post(domain_url(assessment), answer_data(1, [], "Mine")).status_code == 403
    assert client.post(evidence_add_url(assessment), {"url": "https://example.org/"}).status_code == 403
    assert client.post(reverse("assessments:evidence-remove", args=[*a, evidence.pk])).status_code == 403
    assert client.post(reverse("assessments:confirm-carried-forward", args=a)).status_code == 403
    strategy.refresh_from_db()
    assert strategy.version == 1 and strategy.notes == "Our notes"
    assert strategy.evidence.count() == 1


def test_a_submitted_assessment_is_read_only_with_the_reason(client, assessment, team):
    from assessments.services import workflow

    lead = team["lead"]
    complete_everything(assessment, lead)
    workflow.assessment_mark_ready(assessment=assessment, actor=lead)
    workflow.assessment_sign_off_and_submit(
        assessment=assessment,
        actor=team["approver"],
        name="Chair",
        role="Chair of the board",
        meeting_date=datetime.date.today(),
        minute_reference="B/1",
    )
    login(client, lead)
    body = text(client.get(overview_url(assessment)))
    assert "submitted for ICS review, so its answers cannot be changed" in body
    page = client.get(domain_url(assessment))
    assert 'name="met_criteria"' not in text(page)
    assert client.post(domain_url(assessment), answer_data(1, ["c1a"])).status_code == 403

    workflow.assessment_return(assessment=assessment, actor=team["reviewer"], comment="Add evidence for cloud hosting")
    body = text(client.get(overview_url(assessment)))
    assert "Returned for changes" in body and "Add evidence for cloud hosting" in body
    assert 'name="met_criteria"' in text(client.get(domain_url(assessment)))


def test_review_link_is_offered_to_the_ics_reviewer_of_a_submitted_assessment(client, assessment, team):
    from assessments.services import workflow

    complete_everything(assessment, team["lead"])
    workflow.assessment_mark_ready(assessment=assessment, actor=team["lead"])
    a = args(assessment)
    assert reverse("assessments:sign-off", args=a) in text(
        login(client, team["approver"]).get(overview_url(assessment))
    )
    workflow.assessment_sign_off_and_submit(
        assessment=assessment,
        actor=team["approver"],
        name="Chair",
        role="Chair",
        meeting_date=datetime.date.today(),
        minute_reference="B/2",
    )
    assert reverse("assessments:review", args=a) in text(login(client, team["reviewer"]).get(overview_url(assessment)))
    assert reverse("assessments:review", args=a) not in text(login(client, team["board"]).get(overview_url(assessment)))


# Evidence


def test_a_pdf_is_stored_and_downloadable_only_by_people_who_see_the_assessment(
    client, assessment, team, settings, tmp_path
):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    login(client, team["lead"])
    page = add_pdf(client, assessment, title="Board paper: strategy 2025")
    assert page.status_code == 302 and page.url.startswith(domain_url(assessment))
    evidence = Evidence.objects.get(response=response(assessment))
    assert evidence.kind == "file" and evidence.content_type == "application/pdf" and evidence.size == len(PDF)
    assert [p.read_bytes() for p in media.rglob("*") if p.is_file()] == [PDF]
    assert "board-paper" not in evidence.file.name  # stored under a random name, never the uploaded one
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EVIDENCE_ADDED, assessment=assessment).count() == 1
    body = text(client.get(page.url))
    assert "Evidence added: Board paper: strategy 2025" in body
    download = reverse("assessments:evidence-download", args=[*args(assessment), evidence.pk])
    assert download in body

    for who in ("lead", "viewer", "reviewer", "analyst"):
        got = login(client, team[who]).get(download)
        assert got.status_code == 200, who
        assert b"".join(got.streaming_content) == PDF
        assert got["Content-Type"] == "application/pdf"
        assert got["X-Content-Type-Options"] == "nosniff"
        assert got["Cache-Control"] == "private, no-store"  # never kept by a shared or browser cache
        assert got["Content-Disposition"].startswith("attachment;")
        assert 'filename="Board paper strategy 2025.pdf"' in got["Content-Disposition"]
    for who in ("other_lead", "other_reviewer", "nobody"):
        assert login(client, team[who]).get(download).status_code == 404, who


def test_evidence_of_another_assessment_is_404_through_this_address(client, assessment, team, world):
    other = Assessment.objects.get(cycle=assessment.cycle, organisation=world.trust_c)
    strategy = other.responses.get(domain__key="strategy")
    lead_c = team["same_ics_lead"]
    upload = SimpleUploadedFile("paper.pdf", PDF)
    evidence = evidence_services.evidence_add_file(response_id=strategy.pk, upload=upload, title="", actor=lead_c)
    login(client, team["reviewer"])  # sees both trusts of the ICS
    url = reverse("assessments:evidence-download", args=[*args(assessment), evidence.pk])
    assert client.get(url).status_code == 404
    right = reverse("assessments:evidence-download", args=[*args(other), evidence.pk])
    assert client.get(right).status_code == 200


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("paper.pdf", PNG, "The selected file&#39;s content is not a PDF file"),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "The selected file must be a PDF, Word, Excel"),
        ("empty.pdf", b"", "The selected file is empty"),
        ("paper.pdf", b"%PDF-1.7\n" + random.Random(1).randbytes(4096), "The selected file is not a readable PDF"),
        ("paper.pdf", minimal_pdf_bytes(encrypt_with="board"), "The selected file is password-protected"),
        ("paper.docx", office_bytes("word/vbaProject.bin", "[Content_Types].xml"), "contains macros"),
    ],
)
def test_bad_files_are_refused_with_the_reason_and_nothing_is_stored(
    client, assessment, team, settings, tmp_path, name, content, message
):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    login(client, team["lead"])
    client.post(domain_url(assessment), answer_data(0, ["c1a"], "Saved draft", complete="no"))
    upload = SimpleUploadedFile(name, content)
    page = client.post(evidence_add_url(assessment), {"title": "", "evidence_file": upload})
    body = text(page)
    assert page.status_code == 400
    assert message in body
    assert 'href="#id_evidence_file"' in body and 'id="id_evidence_file"' in body
    assert 'name="met_criteria"' in body and 'value="c1a" checked' in body  # the answer form is intact
    assert not Evidence.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.EVIDENCE_ADDED).exists()
    assert not media.exists() or not any(media.rglob("*"))


def test_a_link_is_accepted_and_shown_safely(client, assessment, team):
    login(client, team["lead"])
    url = "https://intranet.example.nhs.uk/board/2025-03"
    page = client.post(evidence_add_url(assessment), {"title": "Board minutes", "url": url})
    assert page.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.kind == "link" and evidence.url == url
    body = text(client.get(domain_url(assessment)))
    assert f'<a href="{url}" rel="noopener noreferrer">Board minutes</a>' in body
    assert f"Link: {url}" in body
    download = reverse("assessments:evidence-download", args=[*args(assessment), evidence.pk])
    assert client.get(download).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "javascript:alert(document.cookie)"}, "Enter a link in the correct format"),
        ({"url": "ftp://files.example.org/paper.pdf"}, "The link must start with https:// or http://"),
        ({"title": "Nothing"}, "Upload a file or enter a link"),
    ],
)
def test_bad_links_are_refused(client, assessment, team, data, message):
    login(client, team["lead"])
    page = client.post(evidence_add_url(assessment), data)
    assert page.status_code == 400 and message in text(page)
    assert not Evidence.objects.exists()


def test_a_file_and_a_link_together_are_refused(client, assessment, team):
    login(client, team["lead"])
    upload = SimpleUploadedFile("paper.pdf", PDF)
    page = client.post(evidence_add_url(assessment), {"evidence_file": upload, "url": "https://example.org/"})
    assert page.status_code == 400 and "Upload a file or enter a link, not both" in text(page)
    assert not Evidence.objects.exists()


def test_removing_evidence_is_audited_and_needs_a_post(client, assessment, team):
    login(client, team["lead"])
    add_pdf(client, assessment)
    evidence = Evidence.objects.get()
    url = reverse("assessments:evidence-remove", args=[*args(assessment), evidence.pk])
    assert client.get(url).status_code == 405
    page = client.post(url)
    assert page.status_code == 302 and page.url.startswith(domain_url(assessment))
    assert not Evidence.objects.exists()
    removed = AuditEvent.objects.get(kind=AuditEvent.Kind.EVIDENCE_REMOVED)
    assert removed.actor == team["lead"] and removed.before["title"] == "Board paper"
    assert "Evidence removed: Board paper" in text(client.get(page.url))


# Check your answers


def test_check_answers_lists_what_is_missing_and_flags_high_levels_without_evidence(client, assessment, team):
    lead = team["lead"]
    strategy = response(assessment)
    answers.response_save(
        response_id=strategy.pk,
        expected_version=0,
        answer=answers.Answer(all_criteria(strategy)[:6], "Level three", True),
        actor=lead,
    )
    page = login(client, lead).get(reverse("assessments:check", args=args(assessment)))
    body = text(page)
    assert page.status_code == 200
    total = assessment.responses.count()
    assert f"{total - 1} of {total} domains are not completed yet" in body
    missing = body.split('id="missing"')[1].split("</ul>")[0]
    assert domain_url(assessment, "cloud") in missing and domain_url(assessment) not in missing
    assert "Level 3" in body and "6 of 10" in body and "Level three" in body
    assert "No evidence" in body and "Reviewers expect evidence for level 3 and above" in body
    assert "Mark as ready for board sign-off" in body
    assert reverse("assessments:ready", args=args(assessment)) in body
    assert ">Change<" in body

    body = text(login(client, team["viewer"]).get(reverse("assessments:check", args=args(assessment))))
    assert "Mark as ready for board sign-off" not in body and ">Change<" not in body


def test_check_answers_when_everything_is_complete(client, assessment, team):
    complete_everything(assessment, team["lead"])
    body = text(login(client, team["lead"]).get(reverse("assessments:check", args=args(assessment))))
    assert f"All {assessment.responses.count()} domains are completed" in body
    assert "No evidence" not in body  # level 2 needs none


def test_check_answers_template_explains_why_the_assessment_cannot_be_marked_ready(rf, assessment, team):
    from django.template.loader import render_to_string

    from assessments.presenters import check_answers_context
    from assessments.selectors import incomplete_responses

    request = rf.get("/")
    request.user = team["lead"]
    incomplete = incomplete_responses(assessment)
    html = render_to_string(
        "assessments/questionnaire/check_answers.html",
        {**check_answers_context(assessment, request.user), "incomplete": incomplete},
        request=request,
    )
    assert "You cannot mark the assessment ready yet" in html
    assert f'href="{domain_url(assessment, "cloud")}"' in html
    assert html.count("is not completed") == len(incomplete)


# Year on year


@pytest.fixture
def next_year(last_year_cycle, frameworks, world, team):
    """Trust A answered 2024/25 at level 2; 2025/26 is then opened and pre-filled from it."""
    from framework.models import FrameworkVersion

    last_year = Assessment.objects.get(cycle=last_year_cycle, organisation=world.trust_a)
    complete_everything(last_year, team["lead"], level=2)
    infra = last_year.responses.get(domain__key="infra")
    evidence_services.evidence_add_link(
        response_id=infra.pk, url="https://example.nhs.uk/infra", title="Infra", actor=team["lead"]
    )
    today = datetime.date.today()
    cycle = Cycle.objects.create(
        name="2025/26",
        framework=FrameworkVersion.objects.get(version="2025/26"),
        opens_on=today,
        closes_on=today + datetime.timedelta(days=30),
    )
    cycle_open(cycle=cycle)
    return Assessment.objects.get(cycle=cycle, organisation=world.trust_a)


def test_changes_page_compares_with_last_year_through_the_keys(client, next_year, team):
    lead = team["lead"]
    strategy = response(next_year)
    answers.response_save(
        response_id=strategy.pk,
        expected_version=strategy.version,
        answer=answers.Answer(all_criteria(strategy)[:6], "", True),
        actor=lead,
    )
    page = login(client, lead).get(reverse("assessments:changes", args=args(next_year)))
    body = text(page)
    assert page.status_code == 200
    row = body.split("Digital strategy")[1].split("</tr>")[0]
    assert "Level 2" in row and "Level 3" in row and "+1" in row
    row = body.split("Cloud hosting (was Infrastructure and hosting)")[1].split("</tr>")[0]
    assert "Level 2" in row and "Level 0" in row and "\u22122" in row
    row = body.split("Remote monitoring")[1].split("</tr>")[0]
    assert "New domain" in row
    assert "No change" in body  # the basics domains were carried forward unchanged


def test_changes_page_without_a_previous_assessment(client, assessment, team):
    body = text(login(client, team["lead"]).get(reverse("assessments:changes", args=args(assessment))))
    assert "There is no previous assessment to compare with" in body


def test_domain_page_shows_last_year_and_the_carried_forward_answer(client, next_year, team):
    login(client, team["lead"])
    body = text(client.get(domain_url(next_year, "cloud")))
    assert "Carried forward from 2024/25 — review and confirm or change" in body
    assert "In 2024/25 this was Infrastructure and hosting" in body
    assert "Last year (2024/25): level 2. Now: level 0." in body
    assert "The criteria you've ticked reach level 0" in body
    # Carried-forward evidence is listed and marked.
    assert "Infra" in body and "Carried forward from last year" in body

    strategy = response(next_year)
    client.post(
        domain_url(next_year),
        answer_data(strategy.version, ["c1a", "c1b", "c2a", "c3a"], "Changed", complete="yes"),
    )
    body = text(client.get(domain_url(next_year)))
    last_year = body.split('id="last-year"')[1].split('id="answer"')[0]
    assert "Newly met" in last_year and "Criterion 3a is met." in last_year
    assert "Met last year but not now" in last_year and "Criterion 2b is met." in last_year


def test_confirming_carried_forward_answers_confirms_and_audits_each(client, next_year, team):
    lead = team["lead"]
    carried = next_year.responses.filter(status=DomainResponse.Status.CARRIED_FORWARD)
    expected = carried.count()
    assert expected > 1
    login(client, lead)
    body = text(client.get(overview_url(next_year)))
    assert "Carried forward – needs review" in body and "Confirm all carried-forward answers" in body
    assert reverse("assessments:changes", args=args(next_year)) in body

    page = client.post(
        reverse("assessments:confirm-carried-forward", args=args(next_year)), {"measure_key": "well_led"}
    )
    assert page.status_code == 302
    assert response(next_year).status == DomainResponse.Status.COMPLETED
    assert carried.count() == expected - 1

    page = client.post(reverse("assessments:confirm-carried-forward", args=args(next_year)))
    assert page.status_code == 302
    assert f"{expected - 1} answers confirmed" in text(client.get(page.url))
    assert not carried.exists()
    confirmed = AuditEvent.objects.filter(assessment=next_year, kind=AuditEvent.Kind.ANSWER_CONFIRMED)
    assert confirmed.count() == expected and {e.actor for e in confirmed} == {lead}
    assert client.get(reverse("assessments:confirm-carried-forward", args=args(next_year))).status_code == 405


def test_contributor_confirms_only_assigned_carried_forward_answers(client, next_year, team):
    contributor = team["contributor"]
    login(client, contributor)
    url = reverse("assessments:confirm-carried-forward", args=args(next_year))
    assert client.post(url).status_code == 403  # nothing assigned: nothing they may edit
    assert not next_year.responses.filter(status=DomainResponse.Status.COMPLETED).exists()

    strategy = response(next_year)
    answers.responses_assign(assessment=next_year, domain_ids=[strategy.pk], assignee=contributor, actor=team["lead"])
    assert client.post(url).status_code == 302
    assert list(next_year.responses.filter(status=DomainResponse.Status.COMPLETED)) == [strategy]


# What people who cannot edit are told


def check_url(assessment):
    return reverse("assessments:check", args=args(assessment))


@pytest.mark.parametrize("who", ["viewer", "reviewer"])
def test_people_who_cannot_edit_are_not_asked_to_review_and_confirm(client, next_year, team, who):
    """A viewer, and an ICS reviewer, reading a carried-forward draft: no instructions to review
    or confirm last year's answers, and no buttons or links for changes they cannot make."""
    login(client, team[who])
    confirm_url = reverse("assessments:confirm-carried-forward", args=args(next_year))
    overview = text(client.get(overview_url(next_year)))
    assert "Carried forward – needs review" in overview  # the status is still shown
    assert "Confirm all carried-forward answers" not in overview and "Confirm carried-forward answers" not in overview
    assert confirm_url not in overview
    assert "Check your answers" not in overview and "See all the answers" in overview
    assert reverse("assessments:assign", args=args(next_year)) not in overview

    domain = text(client.get(domain_url(next_year, "cloud")))
    assert "Carried forward from 2024/25" in domain
    assert "review and confirm" not in domain and "Until you save it as completed" not in domain
    assert "Save and continue" not in domain and "Add evidence" not in domain

    check = text(client.get(check_url(next_year)))
    assert '<h1 class="nhsuk-heading-l">All answers</h1>' in check
    assert "Check your answers" not in check
    assert ">Change<" not in check and "Mark as ready for board sign-off" not in check
    assert "Change the answer, or explain it" not in check


def test_the_lead_is_asked_to_review_and_confirm_carried_forward_answers(client, next_year, team):
    login(client, team["lead"])
    overview = text(client.get(overview_url(next_year)))
    assert "Confirm all carried-forward answers" in overview and "Check your answers" in overview
    assert reverse("assessments:confirm-carried-forward", args=args(next_year)) in overview
    domain = text(client.get(domain_url(next_year, "cloud")))
    assert "review and confirm or change" in domain and "Save and continue" in domain
    check = text(client.get(check_url(next_year)))
    assert '<h1 class="nhsuk-heading-l">Check your answers</h1>' in check and ">Change<" in check


def test_once_the_closing_date_has_passed_nobody_is_asked_to_confirm(client, next_year, team):
    today = datetime.date.today()
    Cycle.objects.filter(pk=next_year.cycle_id).update(
        opens_on=today - datetime.timedelta(days=40), closes_on=today - datetime.timedelta(days=2)
    )
    login(client, team["lead"])
    overview = text(client.get(overview_url(next_year)))
    assert "has passed, so its answers can no longer be changed" in overview
    assert "Confirm all carried-forward answers" not in overview and "See all the answers" in overview
    domain = text(client.get(domain_url(next_year, "cloud")))
    assert "review and confirm" not in domain and "Save and continue" not in domain
    check = text(client.get(check_url(next_year)))
    assert ">Change<" not in check and "Mark as ready for board sign-off" not in check
    assert "Change the answer, or explain it" not in check


# "Add evidence" keeps what was typed.


def test_add_evidence_saves_the_ticks_and_notes_typed_on_the_page(client, assessment, team):
    """Pressing "Add evidence" used to post only the evidence form, losing unsaved ticks and notes."""
    login(client, team["lead"])
    page = text(client.get(domain_url(assessment)))
    assert 'form="answer-form"' in page and f'formaction="{evidence_add_url(assessment)}"' in page

    data = answer_data(0, ["c1a", "c1b"], "Typed before adding evidence", complete=None)
    data |= {"title": "Board paper", "url": "https://example.nhs.uk/paper"}
    posted = client.post(evidence_add_url(assessment), data)

    assert posted.status_code == 302
    saved = response(assessment)
    assert saved.met_criteria == ["c1a", "c1b"] and saved.notes == "Typed before adding evidence"
    assert saved.status == DomainResponse.Status.IN_PROGRESS and saved.level == 1
    assert [e.title for e in saved.evidence.all()] == ["Board paper"]


def test_refused_evidence_keeps_the_typed_answer_on_the_page_and_saves_nothing(client, assessment, team):
    login(client, team["lead"])
    data = answer_data(0, ["c1a", "c1b"], "Typed, not yet saved", complete=None) | {"url": "javascript:alert(1)"}

    page = client.post(evidence_add_url(assessment), data)

    assert page.status_code == 400
    body = text(page)
    assert "Typed, not yet saved" in body
    assert re.search(r'value="c1a"\s+checked', body) or re.search(r'checked[^>]*value="c1a"', body)
    saved = response(assessment)
    assert saved.version == 0 and saved.met_criteria == [] and not saved.evidence.exists()


def test_an_unchanged_answer_is_not_saved_again_when_evidence_is_added(client, assessment, team):
    login(client, team["lead"])
    data = answer_data(0, [], "", complete=None) | {"url": "https://example.nhs.uk/paper"}
    assert client.post(evidence_add_url(assessment), data).status_code == 302
    assert response(assessment).version == 0  # nothing typed: no answer event, just the evidence


def test_an_upload_too_large_is_refused_after_reading_no_more_than_the_limit(rf, assessment, team, settings):
    """A 200 MB upload used to be received in full before the 20 MB limit refused it."""
    import io

    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.handlers.wsgi import LimitedStream

    from assessments.views.answering import evidence_add

    class CountingStream(io.BytesIO):
        received = 0

        def read(self, size=-1):
            chunk = super().read(size)
            CountingStream.received += len(chunk)
            return chunk

    settings.EVIDENCE_MAX_BYTES = 256 * 1024
    body = (
        b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nPlan\r\n'
        b'--b\r\nContent-Disposition: form-data; name="evidence_file"; filename="plan.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n" + b"0" * (8 * 1024 * 1024) + b"\r\n--b--\r\n"
    )
    request = rf.post(evidence_add_url(assessment), data=body, content_type="multipart/form-data; boundary=b")
    request._stream = LimitedStream(CountingStream(body), len(body))
    request.user = team["lead"]
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    page = evidence_add(request, assessment.cycle.slug, assessment.organisation.ods_code, "strategy")
    assert page.status_code == 413
    assert "The selected file must be smaller than 256KB" in page.content.decode()
    assert CountingStream.received < 1024 * 1024, CountingStream.received  # not the 8 MB sent
    assert not response(assessment).evidence.exists() and response(assessment).version == 0


def test_a_file_growing_past_the_limit_is_refused_as_it_arrives(client, assessment, team, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.EVIDENCE_MAX_BYTES = 64 * 1024
    login(client, team["lead"])
    big = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n" + b"0" * (128 * 1024), content_type="application/pdf")
    page = client.post(evidence_add_url(assessment), {"evidence_file": big})
    assert page.status_code == 413
    assert "The selected file must be smaller than 64KB" in text(page)
    assert not response(assessment).evidence.exists()


def test_a_page_takes_its_framework_version_s_state_from_the_row_it_read(client, assessment, team):
    """Check your answers looks its version up for criteria, crosswalks and flag facts: the
    version's state is the one of the row read with the assessment (framework.selectors,
    version_read_with_page), never a read of its own, let alone one per lookup."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.framework.test_kept import STATE_READ

    login(client, team["lead"]).get(overview_url(assessment))
    url = reverse("assessments:check", args=args(assessment))
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    states = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(STATE_READ)]
    assert len(states) == 0, states


def test_domain_links_are_exactly_the_addresses_django_reverses(assessment):
    """presenters.domain_url reverses the address around the key once and puts each key in it:
    the same address as reversing it, and a key that is not a plain slug is reversed in full."""
    from assessments.presenters import domain_url

    for key in [r.domain.key for r in assessment.responses.select_related("domain")] + ["odd key/é"]:
        expected = reverse("assessments:domain", args=[*args(assessment), key]) if "/" not in key else None
        if expected is None:
            with pytest.raises(NoReverseMatch):
                domain_url(assessment, key)
        else:
            assert domain_url(assessment, key) == expected


def test_the_task_lists_progress_counted_from_its_answers_is_the_stored_one(assessment):
    from assessments import selectors
    from assessments.models import DomainResponse

    ids = list(assessment.responses.order_by("pk").values_list("pk", flat=True))
    DomainResponse.objects.filter(pk__in=ids[:2]).update(status=DomainResponse.Status.COMPLETED)
    DomainResponse.objects.filter(pk__in=ids[2:3]).update(status=DomainResponse.Status.IN_PROGRESS)
    sections = selectors.assessment_task_list(assessment)
    counted = selectors.assessment_progress(assessment, sections)
    assert counted == selectors.assessment_progress(assessment)
    assert counted["completed"] == 2 and counted["in_progress"] == 1
