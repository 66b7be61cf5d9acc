"""A reviewer works through a pattern flag in Debian's Chromium: from the triage list to the flag's
page, where the copied notes are side by side, resolved with a comment that then shows in the
assessment's history; and the organisation itself sees only the neutral line.

The data goes through the real services: two trusts in different ICSs answer their assessments
(trust B first, then trust A writes the very same particular note), both are signed off and
submitted (scored on commit), and `cycle_flags_refresh` works out the cycle's flags, which asks
the later writer, trust A, about the copy.
"""

import datetime

import pytest
import yaml

from assessments.models import Assessment, AuditEvent, Cycle, ValidationFlag
from assessments.services.cycles import cycle_open
from assessments.services.flags import cycle_flags_refresh
from framework.models import FrameworkVersion
from framework.services import framework_load
from tests.assessments.conftest import FIRST, SECOND, complete_everything
from tests.assessments.flagging import set_level, submit
from tests.factories import UserFactory, grant
from tests.journeys.test_assessment_journeys import Journey

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]

NOTE = "In March 2025 we moved the electronic patient record to the cloud for all 14 wards and trained 312 staff."
COMMENT = "Both trusts share one strategy team; the CIO confirmed the note describes Trust A's own rollout."


@pytest.fixture
def copied_note(world, tmp_path):
    """Trust A's submitted 2025/26 assessment, flagged for a note copied from trust B's."""
    for name, document in (("2024-25.yaml", FIRST), ("2025-26.yaml", SECOND)):
        (tmp_path / name).write_text(yaml.safe_dump(document, sort_keys=False))
    framework_load(path=tmp_path)
    today = datetime.date.today()
    cycle = Cycle.objects.create(
        name="2025/26", framework=FrameworkVersion.objects.get(version="2025/26"),
        opens_on=today - datetime.timedelta(days=30), closes_on=today + datetime.timedelta(days=60),
    )  # fmt: skip
    cycle_open(cycle=cycle)
    people = {"reviewer": UserFactory(first_name="Ics", last_name="Reviewer")}
    grant(people["reviewer"], "ics_reviewer", world.ics_1)
    for key, organisation in (("b", world.trust_b), ("a", world.trust_a)):  # trust B writes the note first
        lead, approver = UserFactory(), UserFactory()
        grant(lead, "assessment_lead", organisation)
        grant(approver, "approver", organisation)
        people[f"lead_{key}"] = lead
        assessment = Assessment.objects.get(cycle=cycle, organisation=organisation)
        complete_everything(assessment, lead, level=2)
        set_level(assessment, "strategy", 2, lead, notes=NOTE)
        submit(assessment, lead, approver)
    cycle_flags_refresh(cycle_id=cycle.pk)
    trust_a = Assessment.objects.get(cycle=cycle, organisation=world.trust_a)
    [flag] = ValidationFlag.objects.filter(kind=ValidationFlag.Kind.COPIED_NOTES)
    assert flag.assessment_id == trust_a.pk  # the later writer is asked, not the author
    return trust_a, flag, people


def test_a_reviewer_resolves_a_copied_note_seen_side_by_side(browser, live_server, world, copied_note):
    assessment, flag, people = copied_note
    journey = Journey(browser, live_server.url)
    base = f"/assessments/{assessment.cycle.slug}/{world.trust_a.ods_code}/"

    journey.sign_in(people["reviewer"])
    page = journey.page
    page.get_by_role("link", name="See the validation flags on the assessments you review").click()
    page.wait_for_load_state()
    journey.audit()
    row = page.locator("#flag-list tr", has_text="Trust A")
    row.get_by_role("link", name="Notes copied between answers").click()
    page.wait_for_load_state()
    journey.audit()

    side_by_side = page.locator("#copied-notes-1")
    assert side_by_side.locator("thead th").all_inner_texts()[1:] == ["This organisation’s note", "The other note"]
    organisations = side_by_side.locator("tbody tr").nth(0).locator("td").all_inner_texts()
    assert organisations == [f"Trust A ({world.trust_a.ods_code})", f"Trust B ({world.trust_b.ods_code})"]
    notes = side_by_side.locator("tbody tr").nth(2).locator("td").all_inner_texts()
    assert [" ".join(n.split()) for n in notes] == [NOTE, NOTE]

    page.get_by_label("Why is this flag resolved?").fill(COMMENT)
    journey.submit("Resolve flag")
    assert "Flag resolved" in page.content()
    assert page.url.startswith(live_server.url + "/assessments/flags/")  # back to the list it came from
    assert "No flags match these filters." in page.content()  # the list shows open flags: none left
    flag.refresh_from_db()
    assert flag.is_resolved and flag.resolution_comment == COMMENT

    journey.go(base + "history/")
    entry = page.locator(".app-history li", has_text="Validation flag resolved")
    assert "Notes copied between answers" in entry.inner_text()
    assert COMMENT in " ".join(entry.inner_text().split())
    assert AuditEvent.objects.filter(assessment=assessment, kind=AuditEvent.Kind.FLAG_RESOLVED, comment=COMMENT)

    # The organisation sees that a flag compares it with others, and nothing of trust B's.
    page = journey.sign_in(people["lead_a"])
    journey.go(base)
    flags = page.locator("#withheld-flags").inner_text()
    assert "1 flag compares this assessment with others" in flags
    assert "Trust B" not in page.content() and "Notes copied" not in page.content()
    journey.assert_accessible()
