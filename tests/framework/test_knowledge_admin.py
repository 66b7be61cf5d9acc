"""The knowledge base's admin: editors (framework administrators) list, search, filter and
unpublish; reviewed entries stay as their files say but for publishing; shared ones can be
corrected; other staff only read."""

import pytest
from django.urls import reverse

from framework.models import KnowledgeEntry
from tests import factories

pytestmark = pytest.mark.django_db

REVIEWED = "closed-loop-medicines-administration-epma-barcode"


@pytest.fixture
def editor(client, person):
    user = person("framework_admin")
    user.is_staff = True
    user.save()
    client.force_login(user)
    return client


@pytest.fixture
def shared(knowledge_base, world, person):
    return KnowledgeEntry.objects.create(
        key="shared-t00-epma-2025-26",
        kind="shared",
        title="Our EPMA story",
        summary="S",
        body="B",
        organisation=world.trust_a,
        domain_keys=["epma"],
        measure_keys=["improve_care"],
        level_from=1,
        level_to=3,
    )


def change_form(entry, **values):
    data = {
        "title": entry.title,
        "summary": entry.summary,
        "body": entry.body,
        "outcome": entry.outcome,
        "contact": entry.contact,
        "links": "[]",
        "status": entry.status,
    }
    return {**data, **values}


def test_editors_list_search_and_filter(editor, knowledge_base):
    changelist = reverse("admin:framework_knowledgeentry_changelist")
    assert "Closed-loop medicines administration" in editor.get(changelist, {"q": "barcode"}).content.decode()
    for query in ({"kind__exact": "blueprint"}, {"status__exact": "published"}, {"cost_band__exact": "over_1m"}):
        assert editor.get(changelist, query).status_code == 200


def test_the_unpublish_action_takes_entries_off_the_knowledge_base(editor, knowledge_base):
    entry = KnowledgeEntry.objects.get(key=REVIEWED)
    editor.post(
        reverse("admin:framework_knowledgeentry_changelist"),
        {"action": "unpublish", "_selected_action": [entry.pk]},
    )
    entry.refresh_from_db()
    assert entry.status == KnowledgeEntry.Status.UNPUBLISHED
    assert editor.get(reverse("knowledge:entry", args=[REVIEWED])).status_code == 404


def test_a_reviewed_entry_changes_only_its_publishing_here(editor, knowledge_base):
    entry = KnowledgeEntry.objects.get(key=REVIEWED)
    url = reverse("admin:framework_knowledgeentry_change", args=[entry.pk])
    response = editor.post(url, change_form(entry, title="Edited in the admin", status="unpublished"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.title != "Edited in the admin" and entry.status == KnowledgeEntry.Status.UNPUBLISHED


def test_a_shared_entry_can_be_corrected_but_not_marked_withdrawn_for_its_organisation(editor, shared):
    url = reverse("admin:framework_knowledgeentry_change", args=[shared.pk])
    assert editor.post(url, change_form(shared, title="Redacted title")).status_code == 302
    shared.refresh_from_db()
    assert shared.title == "Redacted title"
    refused = editor.post(url, change_form(shared, status="withdrawn"))
    assert refused.status_code == 200  # the form again, with the choice refused
    shared.refresh_from_db()
    assert shared.status == KnowledgeEntry.Status.PUBLISHED


def test_other_staff_read_but_change_nothing(client, knowledge_base):
    client.force_login(factories.UserFactory(is_staff=True))
    entry = KnowledgeEntry.objects.get(key=REVIEWED)
    assert client.get(reverse("admin:framework_knowledgeentry_changelist")).status_code == 200
    client.post(
        reverse("admin:framework_knowledgeentry_changelist"), {"action": "unpublish", "_selected_action": [entry.pk]}
    )
    client.post(
        reverse("admin:framework_knowledgeentry_change", args=[entry.pk]), change_form(entry, status="unpublished")
    )
    entry.refresh_from_db()
    assert entry.status == KnowledgeEntry.Status.PUBLISHED
