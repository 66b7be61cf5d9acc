import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.access import AssessmentAction
from assessments.models import AuditEvent, DomainResponse, Evidence
from assessments.services.evidence import evidence_add_file, evidence_add_link
from assessments.services.responses import Answer, EditConflict, response_save, responses_assign
from organisations.access import may
from tests.factories import minimal_pdf_bytes

pytestmark = pytest.mark.django_db


def response(assessment, key="strategy") -> DomainResponse:
    return assessment.responses.select_related("domain").get(domain__key=key)


def save(resp, actor, met, notes="", complete=True, version=None):
    return response_save(
        response_id=resp.pk,
        expected_version=resp.version if version is None else version,
        answer=Answer(met, notes, complete),
        actor=actor,
    )


def test_saving_computes_the_level_and_records_before_and_after(assessment, team):
    strategy = response(assessment)

    saved = save(strategy, team["lead"], ["c1a", "c1b", "c2a"], "Strategy approved in May")

    assert saved.level == 1 and saved.version == 1 and saved.status == "completed"
    event = AuditEvent.objects.get(assessment=assessment, kind="answer_saved")
    assert event.actor == team["lead"] and event.domain == strategy.domain
    assert event.before["met_criteria"] == [] and event.after["met_criteria"] == ["c1a", "c1b", "c2a"]
    assert event.after["level"] == 1 and event.response_version == 1


def test_criteria_are_stored_in_framework_order_whatever_the_form_sent(assessment, team):
    saved = save(response(assessment), team["lead"], ["c2a", "c1b", "c1a"])
    assert saved.met_criteria == ["c1a", "c1b", "c2a"]


def test_criteria_of_another_domain_are_refused_and_nothing_changes(assessment, team):
    strategy = response(assessment)
    with pytest.raises(ValidationError) as error:
        save(strategy, team["lead"], ["c1a", "c1c"])  # c1c belongs to cloud
    assert "met_criteria" in error.value.message_dict
    strategy.refresh_from_db()
    assert strategy.version == 0 and strategy.met_criteria == []
    assert not AuditEvent.objects.filter(kind="answer_saved").exists()


def test_a_stale_version_is_refused_with_what_the_other_person_changed(assessment, team):
    strategy = response(assessment)
    save(strategy, team["lead"], ["c1a", "c1b"], "Lead's notes")  # version 0 -> 1

    with pytest.raises(EditConflict) as conflict:
        save(strategy, team["lead"], ["c1a"], "Someone else's notes", version=0)

    assert conflict.value.current.version == 1
    assert [e.actor for e in conflict.value.changes] == [team["lead"]]
    strategy.refresh_from_db()
    assert strategy.notes == "Lead's notes" and strategy.met_criteria == ["c1a", "c1b"]


def test_contributor_edits_only_assigned_domains(assessment, team):
    strategy, cloud = response(assessment), response(assessment, "cloud")
    responses_assign(assessment=assessment, domain_ids=[cloud.pk], assignee=team["contributor"], actor=team["lead"])

    save(cloud, team["contributor"], ["c1a", "c1c"])
    with pytest.raises(PermissionDenied):
        save(strategy, team["contributor"], ["c1a"])


@pytest.mark.parametrize("who", ["viewer", "approver", "reviewer", "analyst", "other_lead"])
def test_only_the_team_edits_answers(assessment, team, who):
    with pytest.raises(PermissionDenied):
        save(response(assessment), team[who], ["c1a"])


def test_drafts_are_read_only_after_the_closing_date_until_an_extension(assessment, team):
    from assessments.services.workflow import assessment_grant_extension

    assessment.cycle.__class__.objects.filter(pk=assessment.cycle_id).update(
        opens_on=datetime.date.today() - datetime.timedelta(days=90),
        closes_on=datetime.date.today() - datetime.timedelta(days=1),
    )
    assessment.refresh_from_db()
    assessment.cycle.refresh_from_db()
    with pytest.raises(PermissionDenied):
        save(response(assessment), team["lead"], ["c1a"])

    assessment_grant_extension(
        assessment=assessment, actor=team["analyst"], until=datetime.date.today() + datetime.timedelta(days=7),
        reason="Cyber incident in May",
    )  # fmt: skip

    save(response(assessment), team["lead"], ["c1a"])
    event = AuditEvent.objects.get(kind="extension")
    assert event.actor == team["analyst"] and event.comment == "Cyber incident in May"


PDF = minimal_pdf_bytes()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_evidence_is_checked_by_content_not_by_name(assessment, team):
    strategy = response(assessment)
    evidence = evidence_add_file(
        response_id=strategy.pk, upload=SimpleUploadedFile("Board paper.pdf", PDF), title="", actor=team["lead"]
    )
    assert evidence.content_type == "application/pdf" and evidence.title == "Board paper.pdf"
    assert "Board paper" not in evidence.file.name  # the stored name is ours, never the user's

    for name, content, message in [
        ("strategy.pdf", PNG, "content is not a PDF"),
        ("tool.exe", b"MZ\x90\x00" * 20, "must be a PDF, Word, Excel"),
        ("notes.txt", b"\x00\x01binary", "not a TXT text file"),
        ("empty.pdf", b"", "is empty"),
    ]:
        with pytest.raises(ValidationError) as error:
            evidence_add_file(
                response_id=strategy.pk, upload=SimpleUploadedFile(name, content), title="", actor=team["lead"]
            )
        assert message in error.value.message_dict["evidence_file"][0]
    assert Evidence.objects.count() == 1


def test_oversized_evidence_is_refused(assessment, team, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="smaller than"):
        evidence_add_file(
            response_id=response(assessment).pk, upload=SimpleUploadedFile("big.pdf", PDF + b"0" * 2048), title="",
            actor=team["lead"],
        )  # fmt: skip


def test_evidence_links_must_be_web_addresses(assessment, team):
    link = evidence_add_link(
        response_id=response(assessment).pk, url="https://intranet.example.nhs.uk/strategy", title="Strategy",
        actor=team["lead"],
    )  # fmt: skip
    assert link.kind == "link"
    for bad in ("javascript:alert(1)", "ftp://files.example/paper.pdf", "file:///etc/passwd"):
        with pytest.raises(ValidationError):
            evidence_add_link(response_id=response(assessment).pk, url=bad, title="x", actor=team["lead"])
    assert Evidence.objects.count() == 1
    assert AuditEvent.objects.filter(kind="evidence_added").count() == 1


def test_assignment_needs_a_team_member_and_emails_them(
    assessment, team, mailoutbox, django_capture_on_commit_callbacks
):
    cloud = response(assessment, "cloud")
    with pytest.raises(ValidationError):
        responses_assign(assessment=assessment, domain_ids=[cloud.pk], assignee=team["other_lead"], actor=team["lead"])
    with pytest.raises(PermissionDenied):
        responses_assign(
            assessment=assessment, domain_ids=[cloud.pk], assignee=team["contributor"], actor=team["viewer"]
        )

    with pytest.raises(ValidationError):
        responses_assign(
            assessment=assessment, domain_ids=[cloud.pk, 10**9], assignee=team["contributor"], actor=team["lead"]
        )
    cloud.refresh_from_db()
    assert cloud.assignee is None

    with django_capture_on_commit_callbacks(execute=True):
        changed = responses_assign(
            assessment=assessment, domain_ids=[cloud.pk], assignee=team["contributor"], actor=team["lead"]
        )
    assert changed == 1
    assert may(team["contributor"], AssessmentAction.EDIT_RESPONSE, response(assessment, "cloud"))
    assert [m.to for m in mailoutbox] == [[team["contributor"].email]]
    assert "Cloud hosting" in mailoutbox[0].body


def test_audit_events_cannot_be_changed_or_deleted(assessment, team):
    save(response(assessment), team["lead"], ["c1a"])
    event = AuditEvent.objects.filter(kind="answer_saved").get()
    event.summary = "Nothing happened"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
