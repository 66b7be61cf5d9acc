"""The ICS review page with validation flags open: a warning with their number, and a reason
required to validate while any is unresolved."""

import pytest
from django.core import mail

from assessments.models import Assessment, AuditEvent
from assessments.services.flags import flag_resolve
from tests.assessments.flagging import stored, url
from tests.assessments.views.test_workflow import assert_error_linked

pytestmark = pytest.mark.django_db

Status = Assessment.Status


def unresolved(assessment) -> int:
    return sum(not flag.is_resolved for flag in stored(assessment))


def status_of(assessment) -> str:
    return Assessment.objects.get(pk=assessment.pk).status


def test_review_page_warns_of_the_unresolved_flags(client, flagged, team):
    count = unresolved(flagged)
    assert count > 1
    client.force_login(team["reviewer"])

    page = client.get(url("review", flagged)).content.decode()

    warning = page[page.index('id="unresolved-flags"') :]
    assert "nhsuk-card--warning" in page[page.index('id="unresolved-flags"') - 80 : page.index('id="unresolved-flags"')]
    assert f"{count} unresolved validation flags" in warning[:600]
    assert 'href="#flags"' in warning
    assert "Also required when you validate it while flags are unresolved" in page

    flag_resolve(flag_id=stored(flagged)[0].pk, actor=team["reviewer"], comment="Board paper seen.")
    page = client.get(url("review", flagged)).content.decode()
    assert f"{count - 1} unresolved validation flag" in page


def test_validating_with_unresolved_flags_needs_a_reason_and_changes_nothing_without_one(
    client, flagged, team, django_capture_on_commit_callbacks
):
    count = unresolved(flagged)
    events = flagged.events.count()
    client.force_login(team["reviewer"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("review", flagged), {"decision": "validate", "comment": "  "})

    assert response.status_code == 400
    assert_error_linked(
        response.content.decode(), "id_comment", f"Enter why you are validating with {count} unresolved flags"
    )
    assert status_of(flagged) == Status.SUBMITTED
    assert flagged.events.count() == events
    assert mail.outbox == []


def test_validating_with_a_reason_records_it_and_the_number_of_open_flags(client, flagged, team):
    count = unresolved(flagged)
    client.force_login(team["reviewer"])

    response = client.post(
        url("review", flagged), {"decision": "validate", "comment": "Evidence seen at the ICS digital board."}
    )

    assert response.status_code == 302
    assert status_of(flagged) == Status.VALIDATED
    event = flagged.events.filter(kind=AuditEvent.Kind.TRANSITION).latest("pk")
    assert event.after == {"status": Status.VALIDATED, "open_flags": count}
    assert event.comment == "Evidence seen at the ICS digital board."
    client.force_login(team["lead"])
    history = client.get(url("history", flagged)).content.decode()
    assert f"Unresolved validation flags at the decision: {count}" in history


def test_once_every_flag_is_resolved_validation_needs_no_reason(client, flagged, team):
    for flag in stored(flagged):
        flag_resolve(flag_id=flag.pk, actor=team["reviewer"], comment="Checked.")
    client.force_login(team["reviewer"])

    page = client.get(url("review", flagged)).content.decode()
    assert 'id="unresolved-flags"' not in page

    response = client.post(url("review", flagged), {"decision": "validate", "comment": ""})
    assert response.status_code == 302
    assert status_of(flagged) == Status.VALIDATED
    event = flagged.events.filter(kind=AuditEvent.Kind.TRANSITION).latest("pk")
    assert event.after["open_flags"] == 0
