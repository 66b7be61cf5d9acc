"""Sharing a domain's story with the knowledge base, and withdrawing it: only trust A's assessment
lead, only from its signed-off assessment, with consent, and never an uploaded file. Outsiders get
a plain 404; insiders who may look but not share get a 403; refused changes change nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Assessment, AuditEvent
from assessments.services.evidence import evidence_add_file, evidence_add_link
from framework.models import KnowledgeEntry
from tests.assessments.conftest import complete_everything
from tests.factories import minimal_pdf_bytes

pytestmark = pytest.mark.django_db

INSIDERS = {"lead", "contributor", "approver", "viewer", "reviewer", "board", "analyst", "framework_admin"}
OUTSIDERS = {"other_lead", "other_reviewer", "same_ics_lead", "nobody"}
ACTORS = ["anonymous", *sorted(INSIDERS), *sorted(OUTSIDERS)]


@pytest.fixture
def submitted(assessment, team):
    """Trust A's assessment at level 3 everywhere, with a web link and a file on its strategy
    domain, signed off and submitted."""
    from tests.reports.conftest import submit

    complete_everything(assessment, team["lead"], level=3)
    strategy = assessment.responses.get(domain__key="strategy")
    link = evidence_add_link(
        response_id=strategy.pk, url="https://example.org/strategy", title="Strategy", actor=team["lead"]
    )
    upload = SimpleUploadedFile("minutes.pdf", minimal_pdf_bytes())
    file = evidence_add_file(response_id=strategy.pk, upload=upload, title="Board minutes", actor=team["lead"])
    submit(assessment, team)
    assessment.refresh_from_db()
    return {"assessment": assessment, "link": link, "file": file}


def share_url(assessment, name="knowledge-share"):
    return reverse(f"assessments:{name}", args=[assessment.cycle.slug, assessment.organisation.ods_code, "strategy"])


def good_post(link=None, **changes):
    data = {
        "title": "A strategy written with clinicians",
        "summary": "Ten clinical priorities, a costed roadmap.",
        "body": "1. Listened.\n2. Wrote it down.",
        "outcome": "Board approval",
        "contact": "Digital programme office",
        "level_from": "1",
        "cost_band": "under_50k",
        "consent": "on",
    }
    if link is not None:
        data["evidence_ids"] = [str(link.pk)]
    return {**data, **changes}


def sign_in(client, team, actor):
    if actor != "anonymous":
        client.force_login(team[actor])


@pytest.mark.parametrize("actor", ACTORS)
def test_only_the_lead_may_open_the_share_page(client, submitted, team, actor):
    sign_in(client, team, actor)
    response = client.get(share_url(submitted["assessment"]))
    if actor == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    elif actor in OUTSIDERS:
        assert response.status_code == 404
    else:
        assert response.status_code == (200 if actor == "lead" else 403)


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "lead"])
def test_nobody_but_the_lead_shares_and_a_refusal_changes_nothing(client, submitted, team, actor):
    sign_in(client, team, actor)
    response = client.post(share_url(submitted["assessment"]), good_post(submitted["link"]))
    assert response.status_code in (302, 403, 404)
    if actor == "anonymous":
        assert response.url.startswith(reverse("login"))
    assert not KnowledgeEntry.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.KNOWLEDGE_SHARED).exists()


def test_the_lead_shares_with_consent_and_every_signed_in_person_can_read_it(client, submitted, team):
    client.force_login(team["lead"])
    response = client.post(share_url(submitted["assessment"]), good_post(submitted["link"]))
    entry = KnowledgeEntry.objects.get()
    assert response.status_code == 302 and response.url == reverse("knowledge:entry", args=[entry.key])
    assert entry.kind == KnowledgeEntry.Kind.SHARED and entry.is_published
    assert entry.organisation == submitted["assessment"].organisation and entry.shared_by == team["lead"]
    assert entry.consent_given_at is not None and entry.shared_from_cycle == "2025/26"
    assert entry.domain_keys == ["strategy"] and entry.measure_keys == ["well_led"]
    assert (entry.level_from, entry.level_to) == (1, 3)
    assert entry.links == [{"title": "Strategy", "url": "https://example.org/strategy"}]
    client.force_login(team["other_lead"])
    page = client.get(reverse("knowledge:entry", args=[entry.key]))
    assert page.status_code == 200
    assert b"Shared by the organisation, not reviewed" in page.content
    assert b"minutes.pdf" not in page.content and b"Board minutes" not in page.content
    assert entry.title.encode() in client.get(reverse("knowledge:search") + "?q=clinicians").content


def test_sharing_needs_consent_and_changes_nothing_without_it(client, submitted, team):
    client.force_login(team["lead"])
    data = good_post()
    del data["consent"]
    response = client.post(share_url(submitted["assessment"]), data)
    assert response.status_code == 400
    assert "Confirm that your organisation agrees to share this" in response.content.decode()
    assert not KnowledgeEntry.objects.exists()


def test_an_uploaded_file_can_never_be_shared(client, submitted, team):
    client.force_login(team["lead"])
    page = client.get(share_url(submitted["assessment"]))
    assert b"Board minutes" not in page.content
    response = client.post(share_url(submitted["assessment"]), good_post(submitted["file"]))
    assert response.status_code == 400
    assert "Select only web links" in response.content.decode()
    assert not KnowledgeEntry.objects.exists()


def test_a_contact_must_be_a_role_not_an_email_address(client, submitted, team):
    client.force_login(team["lead"])
    response = client.post(share_url(submitted["assessment"]), good_post(contact="someone@trust.nhs.uk"))
    assert response.status_code == 400
    assert "not an e-mail address" in response.content.decode()
    assert not KnowledgeEntry.objects.exists()


def test_a_draft_cannot_be_shared_from(client, assessment, team):
    complete_everything(assessment, team["lead"], level=3)
    client.force_login(team["lead"])
    assert client.get(share_url(assessment)).status_code == 403
    assert client.post(share_url(assessment), good_post()).status_code == 403
    assert not KnowledgeEntry.objects.exists()


def test_sharing_again_updates_the_one_entry(client, submitted, team):
    client.force_login(team["lead"])
    client.post(share_url(submitted["assessment"]), good_post())
    client.post(share_url(submitted["assessment"]), good_post(title="Second go"))
    assert list(KnowledgeEntry.objects.values_list("title", flat=True)) == ["Second go"]


def test_the_lead_withdraws_and_the_entry_is_no_longer_shown(client, submitted, team):
    client.force_login(team["lead"])
    client.post(share_url(submitted["assessment"]), good_post())
    entry = KnowledgeEntry.objects.get()
    response = client.post(share_url(submitted["assessment"], "knowledge-withdraw"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == KnowledgeEntry.Status.WITHDRAWN
    assert client.get(reverse("knowledge:entry", args=[entry.key])).status_code == 404
    assert entry.title.encode() not in client.get(reverse("knowledge:search")).content


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "lead"])
def test_nobody_else_withdraws_an_organisations_entry(client, submitted, team, actor):
    client.force_login(team["lead"])
    client.post(share_url(submitted["assessment"]), good_post())
    client.logout()
    sign_in(client, team, actor)
    response = client.post(share_url(submitted["assessment"], "knowledge-withdraw"))
    expected = 302 if actor == "anonymous" else 404 if actor in OUTSIDERS else 403
    assert response.status_code == expected
    assert KnowledgeEntry.objects.get().status == KnowledgeEntry.Status.PUBLISHED


def test_another_organisations_lead_cannot_share_into_trust_as_assessment(client, submitted, team, world):
    other = Assessment.objects.get(cycle=submitted["assessment"].cycle, organisation=world.trust_b)
    client.force_login(team["other_lead"])
    assert client.post(share_url(submitted["assessment"]), good_post()).status_code == 404
    assert client.get(share_url(other)).status_code == 403  # their own, still a draft
    assert not KnowledgeEntry.objects.exists()


def test_sharing_again_does_not_undo_an_editors_unpublishing(client, submitted, team):
    client.force_login(team["lead"])
    client.post(share_url(submitted["assessment"]), good_post())
    KnowledgeEntry.objects.update(status=KnowledgeEntry.Status.UNPUBLISHED)
    response = client.post(share_url(submitted["assessment"]), good_post(title="Corrected"))
    assert response.status_code == 302 and response.url == share_url(submitted["assessment"])
    entry = KnowledgeEntry.objects.get()
    assert entry.title == "Corrected" and entry.status == KnowledgeEntry.Status.UNPUBLISHED


def test_sharing_and_withdrawing_are_in_the_assessments_audit_trail(client, submitted, team):
    assessment = submitted["assessment"]
    client.force_login(team["lead"])
    client.post(share_url(assessment), good_post(submitted["link"]))
    client.post(share_url(assessment), good_post(title="Second go"))
    client.post(share_url(assessment, "knowledge-withdraw"))
    client.post(share_url(assessment, "knowledge-withdraw"))  # already withdrawn: nothing more to record
    events = list(
        AuditEvent.objects.filter(assessment=assessment, kind__startswith="knowledge").order_by("created_at", "pk")
    )
    assert [event.kind for event in events] == ["knowledge_shared", "knowledge_shared", "knowledge_withdrawn"]
    assert all(event.actor == team["lead"] and event.domain.key == "strategy" for event in events)
    first, second, withdrawn = events
    assert first.after["title"] == "A strategy written with clinicians" and second.after["title"] == "Second go"
    assert first.after["links"] == ["https://example.org/strategy"] and second.after["links"] == []
    assert (first.after["level_from"], first.after["level_to"]) == (1, 3)
    assert withdrawn.before["status"] == "published" and withdrawn.after["status"] == "withdrawn"
    trail = client.get(reverse("assessments:history", args=[assessment.cycle.slug, assessment.organisation.ods_code]))
    assert trail.status_code == 200 and "Shared with the knowledge base" in trail.content.decode()
