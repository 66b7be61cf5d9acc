"""Validation flags on the pages: check your answers and sign-off (draft flags), the flag section
of the overview and the review page, a flag's own page (the evidence behind it, and resolving it
with a comment kept in the audit trail), the reviewers' triage list and the national flag rates.

Answer flags come from the real services (`flagged`: trust A submitted at level 3 with no
evidence); pattern flags are stored rows with the rules' figures (tests/assessments/pattern_flags.py).
"""

import datetime
import re

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from markupsafe import escape

from assessments.flag_inputs import draft_flags
from assessments.models import Assessment, AuditEvent, FlagRate, ValidationFlag
from assessments.services.flags import flag_resolve
from tests.assessments import pattern_flags
from tests.assessments.conftest import complete_everything
from tests.assessments.flagging import answer_submit_and_flag, resolved, set_level, stored, submit_and_flag, url
from tests.factories import RegionFactory, SystemFactory

pytestmark = pytest.mark.django_db

TRIAGE = reverse("assessments:flags")
RATES = reverse("assessments:flag-rates")
NEUTRAL = "your ICS reviewer will contact you if they need anything"
ORGANISATION_PEOPLE = ["lead", "contributor", "approver", "viewer"]


def page_of(client, path, **query):
    response = client.get(path, query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def text(page: str) -> str:
    """The page's words, without markup or the gaps between elements."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.fixture
def patterned(flagged, world):
    """Trust A's submitted assessment with its answer flags and a copied-notes flag naming trust B."""
    pattern_flags.copied_notes(flagged, world.trust_b)
    return flagged


# Draft flags: check your answers and sign-off.


def test_check_answers_page_shows_draft_flags_with_severity_and_what_would_resolve_them(client, carried_draft, team):
    complete_everything(carried_draft, team["lead"], level=1)
    set_level(carried_draft, "strategy", 4, team["lead"])
    client.force_login(team["lead"])

    page = page_of(client, url("check", carried_draft))

    wanted = ("strategy", "level_jump_without_note")
    [flag] = [f for f in draft_flags(carried_draft) if (f.domain_key, f.kind) == wanted]
    assert "Check these before you submit" in page
    assert str(escape(flag.explanation)) in page
    assert "What would resolve it:" in text(page) and str(escape(flag.to_clear)) in page
    assert "High severity" in page  # three levels up
    assert f'href="{url("domain", carried_draft, "strategy")}"' in page
    assert "Go to Digital strategy" in page


def test_the_sign_off_page_shows_what_would_resolve_each_draft_flag(client, carried_draft, team):
    complete_everything(carried_draft, team["lead"], level=1)
    set_level(carried_draft, "strategy", 4, team["lead"])
    from assessments.services.workflow import assessment_mark_ready

    assessment_mark_ready(assessment=carried_draft, actor=team["lead"])
    client.force_login(team["approver"])

    page = page_of(client, url("sign-off", carried_draft))

    flags = draft_flags(carried_draft)
    assert flags and "The reviewer will be asked to check these" in page
    for flag in flags:
        assert str(escape(flag.to_clear)) in page
    assert "severity" in text(page)


def test_check_answers_page_of_a_clean_draft_has_no_warning(client, carried_draft, team):
    complete_everything(carried_draft, team["lead"], level=2)  # one level up from last year, no evidence needed
    client.force_login(team["lead"])

    page = page_of(client, url("check", carried_draft))

    assert page.count("Check these before you submit") == 0
    assert "draft-flags" not in page


# The flag section of the overview and the review page.


@pytest.mark.parametrize("who", ["viewer", "lead", "reviewer", "board", "analyst", "framework_admin"])
def test_overview_shows_answer_flags_to_everyone_who_can_see_it(client, flagged, team, who):
    client.force_login(team[who])
    page = page_of(client, url("overview", flagged))
    flag = ValidationFlag.objects.filter(assessment=flagged).select_related("domain").first()
    assert "Validation flags" in page
    assert f"{flag.get_kind_display()}: {flag.domain.name}" in page
    assert str(escape(flag.explanation)) in page
    assert "What would resolve it:" in text(page) and str(escape(flag.to_clear)) in page
    assert "Medium severity" in page and "Not resolved" in page
    assert url("flag-detail", flagged, flag.pk) in page  # its page, with the figures behind it
    can_resolve = who in ("reviewer", "analyst")
    assert (">Resolve<" in page.replace("\n", "").replace(" ", "")) is can_resolve


@pytest.mark.parametrize("who", ORGANISATION_PEOPLE)
def test_the_organisation_sees_only_a_neutral_line_for_pattern_flags(client, patterned, team, world, who):
    copied = stored(patterned, ValidationFlag.Kind.COPIED_NOTES)[0]
    client.force_login(team[who])

    page = page_of(client, url("overview", patterned))

    assert f"1 further flag compares this assessment with others; {NEUTRAL}." in text(page)
    assert world.trust_b.name not in page and not re.search(rf"\b{world.trust_b.ods_code}\b", page)
    assert pattern_flags.OTHER_NOTE not in page and "Notes copied" not in page
    assert url("flag-detail", patterned, copied.pk) not in page
    for flag in stored(patterned, ValidationFlag.Kind.HIGH_LEVEL_WITHOUT_EVIDENCE):
        assert str(escape(flag.explanation)) in page  # their answer flags, in full


@pytest.mark.parametrize("who", ["board", "framework_admin", "reviewer_at_trust"])
def test_others_who_may_not_see_the_evidence_get_the_neutral_line_too(client, patterned, team, conflicted, world, who):
    client.force_login({**team, **conflicted}[who])
    page = text(page_of(client, url("overview", patterned)))
    assert "1 further flag compares this assessment with others" in page
    assert world.trust_b.name not in page and "Notes copied" not in page


def test_only_pattern_flags_read_as_flags_not_further_ones(client, assessment, team, world):
    complete_everything(assessment, team["lead"], level=2)
    submitted = submit_and_flag(assessment, team["lead"], team["approver"])
    pattern_flags.copied_notes(submitted, world.trust_b)
    pattern_flags.peer_outlier(submitted)
    client.force_login(team["lead"])
    page = text(page_of(client, url("overview", submitted)))
    assert f"2 flags compare this assessment with others; {NEUTRAL}." in page
    assert "No validation flags were raised" not in page


@pytest.mark.parametrize("who", ["reviewer", "analyst"])
def test_reviewers_see_pattern_flags_with_their_explanation(client, patterned, team, world, who):
    copied = stored(patterned, ValidationFlag.Kind.COPIED_NOTES)[0]
    client.force_login(team[who])
    page = page_of(client, url("overview", patterned))
    assert str(escape(copied.explanation)) in page and world.trust_b.name in page
    assert url("flag-detail", patterned, copied.pk) in page
    assert "further flag" not in page


def test_overview_of_a_clean_submission_says_no_flags(client, assessment, team):
    complete_everything(assessment, team["lead"], level=2)
    submit_and_flag(assessment, team["lead"], team["approver"])
    client.force_login(team["viewer"])

    page = page_of(client, url("overview", assessment))

    assert "No validation flags were raised for this assessment." in page
    assert "Not resolved" not in page


def test_overview_of_a_draft_shows_no_flag_section(client, assessment, team):
    complete_everything(assessment, team["lead"], level=3)
    client.force_login(team["lead"])
    assert "Validation flags" not in page_of(client, url("overview", assessment))


def test_review_page_shows_every_flag_with_resolve_links_back_to_the_review(client, patterned, team):
    client.force_login(team["reviewer"])
    page = page_of(client, url("review", patterned))
    for flag in stored(patterned):
        assert str(escape(flag.explanation)) in page
        assert f'href="{url("flag-detail", patterned, flag.pk)}?from=review"' in page


def test_a_resolved_flag_shows_who_resolved_it_and_why(client, flagged, team):
    flag = stored(flagged)[0]
    flag_resolve(flag_id=flag.pk, actor=team["reviewer"], comment="Evidence seen at the ICS meeting.")
    client.force_login(team["viewer"])
    page = page_of(client, url("overview", flagged))
    assert f"Resolved by {team['reviewer']}" in page and "Evidence seen at the ICS meeting." in page


# A flag's page: the evidence behind it.


def _other_org_flags(assessment, world):
    return {
        "copied_notes": pattern_flags.copied_notes(assessment, world.trust_b),
        "change_against_peers": pattern_flags.change_against_peers(assessment),
        "peer_outlier": pattern_flags.peer_outlier(assessment),
        "evidence_reused": pattern_flags.evidence_reused(assessment, world.trust_b),
        "prerequisite_unmet": pattern_flags.prerequisite_unmet(assessment),
        "level_jump_without_note": pattern_flags.level_jump(assessment),
        "fall_with_evidence_unchanged": pattern_flags.fall_with_evidence_unchanged(assessment),
    }


def cells(page: str, table_id: str) -> list[list[str]]:
    """The text of each row of the table with this id (header row first), without the column
    headings a responsive table repeats in each cell for small screens."""
    table = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    table = re.sub(r'<span class="nhsuk-table__heading"[^>]*>.*?</span>', "", table, flags=re.S)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    return [[text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def test_copied_notes_are_shown_side_by_side(client, flagged, team, world):
    flag = pattern_flags.copied_notes(flagged, world.trust_b)
    client.force_login(team["reviewer"])

    page = page_of(client, url("flag-detail", flagged, flag.pk))

    assert "The evidence behind it" in page and "High severity" in page
    assert str(escape(flag.explanation)) in page and str(escape(flag.to_clear)) in page
    rows = cells(page, "copied-notes-1")
    assert rows[0] == ["Compared", "This organisation’s note", "The other note"]
    assert rows[1] == ["Organisation", f"Trust A ({world.trust_a.ods_code})", f"Trust B ({world.trust_b.ods_code})"]
    assert rows[2] == ["Domain", "Digital strategy", "Digital strategy"]
    assert rows[3] == ["Note", pattern_flags.OWN_NOTE, pattern_flags.OTHER_NOTE]
    assert "98% the same" in page
    assert 'name="comment"' in page  # the reviewer may resolve it here


def test_the_peers_changes_are_a_grouped_count_with_this_organisation_and_the_median_marked(client, flagged, team):
    flag = pattern_flags.change_against_peers(flagged)
    client.force_login(team["analyst"])

    page = page_of(client, url("flag-detail", flagged, flag.pk))

    rows = cells(page, "peer-distribution")
    assert rows[0] == ["Change since last year (to one decimal)", "Number of peers", "Marked"]
    assert rows[1:] == [
        ["+1.2", "0", "This organisation"],
        ["+0.3", "1", ""],
        ["+0.2", "1", ""],
        ["+0.1", "3", "Median of the peers"],
        ["0.0", "2", ""],
        ["\u22120.2", "1", ""],
    ]
    assert cells(page, "moved-domains")[1:] == [
        ["Digital strategy", "Level 1", "Level 3"],
        ["Cloud hosting", "Level 2", "Level 4"],
    ]
    words = text(page)
    assert "Median change of the 8 other acute trusts +0.1" in words
    assert "Other acute trusts that rose as far or further 0" in words


def test_an_outliers_page_shows_the_peers_scores(client, flagged, team):
    flag = pattern_flags.peer_outlier(flagged)
    client.force_login(team["reviewer"])
    page = page_of(client, url("flag-detail", flagged, flag.pk))
    rows = cells(page, "peer-distribution")
    assert rows[1] == ["4.5", "0", "This organisation"]
    assert ["2.0", "2", "Median of the peers"] in rows
    assert "About Well led" in text(page)  # the measure's name, not its key


def test_reused_evidence_shows_the_domains_it_backs_and_the_other_organisations(client, flagged, team, world):
    flag = pattern_flags.evidence_reused(flagged, world.trust_b)
    client.force_login(team["reviewer"])
    page = page_of(client, url("flag-detail", flagged, flag.pk))
    assert cells(page, "reused-within")[1] == [
        "Annual report 2024 File, 120,000 bytes",
        "Digital strategy Cloud hosting Networks",
        "Cloud hosting Networks",
    ]
    assert cells(page, "reused-across")[1] == ["Board paper on EPR", f"Trust B ({world.trust_b.ods_code})"]


def test_an_icbs_page_lists_its_members_scores(client, cycle, world, person, team):
    icb = answer_submit_and_flag(world.icb_1, cycle, person, level=2)
    flag = pattern_flags.icb_inconsistent(icb, [world.trust_a, world.trust_c])
    client.force_login(team["analyst"])
    page = page_of(client, url("flag-detail", icb, flag.pk))
    assert cells(page, "icb-members")[1:] == [
        ["Trust A", world.trust_a.ods_code, "2.0"],
        ["Trust C", world.trust_c.ods_code, "2.1"],
    ]
    assert "The system’s overall score 4.2" in text(page)


def test_answer_flag_pages_show_their_figures(client, flagged, team, world):
    flags = _other_org_flags(flagged, world)
    client.force_login(team["lead"])  # the organisation's own people see their answer flags' figures
    prerequisites = page_of(client, url("flag-detail", flagged, flags["prerequisite_unmet"].pk))
    assert cells(prerequisites, "prerequisites")[1] == ["Networks", "Level 1"]
    jump = text(page_of(client, url("flag-detail", flagged, flags["level_jump_without_note"].pk)))
    assert "Last year’s answers, scored against this year’s criteria Level 1" in jump
    assert "This year’s level Level 4" in jump and "Low severity" in jump
    fall = text(page_of(client, url("flag-detail", flagged, flags["fall_with_evidence_unchanged"].pk)))
    assert "Network audit File 52,000 bytes" in fall
    no_evidence = stored(flagged, ValidationFlag.Kind.HIGH_LEVEL_WITHOUT_EVIDENCE)[0]
    assert "No evidence is attached to this domain." in page_of(client, url("flag-detail", flagged, no_evidence.pk))


def test_a_flag_without_figures_says_so(client, flagged, team):
    flag = stored(flagged)[0]
    ValidationFlag.objects.filter(pk=flag.pk).update(details={})
    client.force_login(team["reviewer"])
    assert "The figures behind this flag were not kept" in page_of(client, url("flag-detail", flagged, flag.pk))


# Who may open a flag's page, and resolve the flag there.

SEES_ANSWER_FLAGS = {"lead", "contributor", "approver", "viewer", "board", "framework_admin"}
RESOLVES = {"reviewer", "analyst"}
OUTSIDERS = {"other_reviewer", "other_lead", "same_ics_lead", "nobody"}


@pytest.mark.parametrize("who", sorted(SEES_ANSWER_FLAGS | RESOLVES | OUTSIDERS))
@pytest.mark.parametrize("kind", ["answer", "pattern"])
def test_who_may_open_a_flags_page(client, patterned, team, who, kind):
    flag = stored(patterned, "copied_notes" if kind == "pattern" else "high_level_without_evidence")[0]
    client.force_login(team[who])

    response = client.get(url("flag-detail", patterned, flag.pk))

    if who in RESOLVES:
        expected = 200
    elif who in OUTSIDERS or kind == "pattern":
        expected = 404  # another organisation's flag, or a pattern flag to one who may not see its evidence
    else:
        expected = 200
    assert response.status_code == expected
    if expected == 200:
        assert ('name="comment"' in response.content.decode()) is (who in RESOLVES)


@pytest.mark.parametrize("who", ["reviewer", "analyst"])
def test_reviewer_and_analyst_resolve_a_flag_with_an_audit_event(client, flagged, team, who):
    flag = stored(flagged)[0]
    client.force_login(team[who])

    form = client.get(url("flag-detail", flagged, flag.pk))
    assert form.status_code == 200 and str(escape(flag.explanation)) in form.content.decode()
    answer = client.post(url("flag-detail", flagged, flag.pk), {"comment": "  Checked with the CIO.  "})

    assert answer.status_code == 302 and answer["Location"] == url("overview", flagged) + "#flags"
    flag.refresh_from_db()
    assert flag.resolved_by == team[who] and flag.resolved_at is not None
    assert flag.resolution_comment == "Checked with the CIO."
    event = AuditEvent.objects.get(assessment=flagged, kind=AuditEvent.Kind.FLAG_RESOLVED)
    assert event.actor == team[who] and event.comment == "Checked with the CIO." and event.domain == flag.domain
    assert flag.get_kind_display() in event.summary and flag.domain.name in event.summary


def test_a_reviewer_resolves_a_pattern_flag_and_its_page_then_shows_the_resolution(client, patterned, team):
    flag = stored(patterned, ValidationFlag.Kind.COPIED_NOTES)[0]
    client.force_login(team["reviewer"])

    answer = client.post(url("flag-detail", patterned, flag.pk), {"comment": "The trusts share a strategy team."})

    assert answer.status_code == 302 and resolved(flag)
    event = AuditEvent.objects.get(assessment=patterned, kind=AuditEvent.Kind.FLAG_RESOLVED)
    assert event.comment == "The trusts share a strategy team." and "whole assessment" in event.summary
    page = page_of(client, url("flag-detail", patterned, flag.pk))
    assert "The trusts share a strategy team." in page and 'name="comment"' not in page


def test_a_comment_is_required(client, flagged, team):
    flag = stored(flagged)[0]
    client.force_login(team["reviewer"])

    answer = client.post(url("flag-detail", flagged, flag.pk), {"comment": "   "})

    assert answer.status_code == 400 and "Enter why this flag is resolved" in answer.content.decode()
    assert not resolved(flag) and not AuditEvent.objects.filter(kind=AuditEvent.Kind.FLAG_RESOLVED).exists()


def test_a_resolved_flag_cannot_be_resolved_again(client, flagged, team):
    flag = stored(flagged)[0]
    flag_resolve(flag_id=flag.pk, actor=team["reviewer"], comment="First")
    client.force_login(team["analyst"])

    answer = client.post(url("flag-detail", flagged, flag.pk), {"comment": "Second"})

    assert answer.status_code == 400 and "already been resolved" in answer.content.decode()
    flag.refresh_from_db()
    assert flag.resolution_comment == "First" and flag.resolved_by == team["reviewer"]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.FLAG_RESOLVED).count() == 1


@pytest.mark.parametrize(
    "who, status",
    [
        ("lead", 403),
        ("contributor", 403),
        ("approver", 403),
        ("viewer", 403),
        ("board", 403),
        ("framework_admin", 403),
        ("other_reviewer", 404),
        ("other_lead", 404),
        ("same_ics_lead", 404),
        ("nobody", 404),
    ],
)
def test_refusals_change_nothing(client, flagged, team, who, status):
    flag = stored(flagged)[0]
    client.force_login(team[who])

    assert client.post(url("flag-detail", flagged, flag.pk), {"comment": "Fine"}).status_code == status

    assert not resolved(flag) and not AuditEvent.objects.filter(kind=AuditEvent.Kind.FLAG_RESOLVED).exists()


def test_anonymous_people_are_sent_to_sign_in(client, flagged):
    flag = stored(flagged)[0]
    for answer in (client.get(url("flag-detail", flagged, flag.pk)), client.post(url("flag-detail", flagged, flag.pk))):
        assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))
    assert not resolved(flag)


def test_a_flag_of_another_assessment_is_not_found(client, flagged, team, world, person):
    trust_c = Assessment.objects.get(cycle=flagged.cycle, organisation=world.trust_c)
    answer_submit_and_flag(world.trust_c, flagged.cycle, person, level=3)
    other_flag = stored(trust_c)[0]
    client.force_login(team["reviewer"])  # may resolve both, but not through the wrong address

    assert client.get(url("flag-detail", flagged, other_flag.pk)).status_code == 404
    assert client.post(url("flag-detail", flagged, other_flag.pk), {"comment": "Fine"}).status_code == 404
    assert client.get(url("flag-detail", flagged, 999999)).status_code == 404
    assert not resolved(other_flag)


def test_resolving_from_the_review_page_returns_to_the_review(client, flagged, team):
    """A reviewer working through the flags on the review page stays on it."""
    flag = stored(flagged)[0]
    client.force_login(team["reviewer"])
    resolve_href = url("flag-detail", flagged, flag.pk) + "?from=review"

    form = page_of(client, resolve_href)
    assert f'href="{url("review", flagged)}#flags"' in form  # the back link
    answer = client.post(resolve_href, {"comment": "Checked the board paper."})

    assert answer.status_code == 302 and answer["Location"] == url("review", flagged) + "#flags"
    assert resolved(flag)


def test_an_analyst_who_cannot_review_returns_to_the_overview_even_from_the_review_link(client, flagged, team):
    flag = stored(flagged)[0]
    client.force_login(team["analyst"])
    answer = client.post(url("flag-detail", flagged, flag.pk) + "?from=review", {"comment": "Checked."})
    assert answer["Location"] == url("overview", flagged) + "#flags"


def test_resolving_from_the_triage_list_returns_to_the_same_filtered_list(client, patterned, team):
    client.force_login(team["reviewer"])
    listing = page_of(client, TRIAGE, kind="copied_notes", status="open", cycle=patterned.cycle.name)
    copied = stored(patterned, ValidationFlag.Kind.COPIED_NOTES)[0]
    [href] = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]*/flags/\d+/[^"]*)"', listing)]
    assert href.startswith(url("flag-detail", patterned, copied.pk) + "?from=triage&next=")

    answer = client.post(href, {"comment": "Explained by the trust."})

    assert answer.status_code == 302
    assert answer["Location"].startswith(TRIAGE + "?") and "kind=copied_notes" in answer["Location"]
    assert resolved(copied)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/assessments/flags/", "/admin/"])
def test_the_way_back_never_leaves_the_triage_list(client, flagged, team, target):
    flag = stored(flagged)[0]
    client.force_login(team["reviewer"])
    answer = client.post(
        url("flag-detail", flagged, flag.pk) + "?" + f"from=triage&next={target}", {"comment": "Checked."}
    )
    assert answer["Location"] == TRIAGE


# Nobody clears the flags on their own organisation's answers.


def test_a_reviewer_with_a_role_at_the_trust_cannot_resolve_its_flags(client, flagged, conflicted):
    flag = stored(flagged)[0]
    client.force_login(conflicted["reviewer_at_trust"])

    assert client.post(url("flag-detail", flagged, flag.pk), {"comment": "Fine"}).status_code == 403
    assert ">Resolve<" not in page_of(client, url("overview", flagged)).replace("\n", "").replace(" ", "")
    assert not resolved(flag)


@pytest.mark.parametrize(("who", "may"), [("reviewer", False), ("icb_staff_reviewer", False), ("analyst", True)])
def test_an_icbs_flags_are_resolved_nationally(client, cycle, world, person, team, conflicted, who, may):
    icb = answer_submit_and_flag(world.icb_1, cycle, person, level=3)
    flag = stored(icb)[0]
    client.force_login({**team, **conflicted}[who])

    answer = client.post(url("flag-detail", icb, flag.pk), {"comment": "Checked with the ICB."})

    assert answer.status_code == (302 if may else 403)
    assert resolved(flag) is may


# The reviewers' triage list.


@pytest.mark.parametrize(
    "who, status",
    [
        ("reviewer", 200),
        ("other_reviewer", 200),
        ("analyst", 200),
        ("lead", 403),
        ("contributor", 403),
        ("approver", 403),
        ("viewer", 403),
        ("board", 403),
        ("framework_admin", 403),
        ("nobody", 403),
    ],
)
def test_who_may_open_the_triage_list(client, team, world, who, status):
    client.force_login(team[who])
    assert client.get(TRIAGE).status_code == status


def test_the_triage_list_needs_sign_in(client):
    answer = client.get(TRIAGE)
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))


@pytest.fixture
def across_systems(flagged, cycle, world, person):
    """Flags at trust A (ICS 1, with a pattern flag), trust C (ICS 1), trust B (ICS 2) and ICB 1."""
    answer_submit_and_flag(world.trust_c, cycle, person, level=3)
    trust_b = answer_submit_and_flag(world.trust_b, cycle, person, level=3)
    icb = answer_submit_and_flag(world.icb_1, cycle, person, level=3)
    # Stored after the last submission: its cycle refresh would drop flags the rules did not raise.
    pattern_flags.copied_notes(flagged, world.trust_b)
    pattern_flags.peer_outlier(trust_b)
    pattern_flags.icb_inconsistent(icb, [world.trust_a, world.trust_c])
    return cycle


def organisations_listed(page: str) -> set[str]:
    return {row[1] for row in cells(page, "flag-list")[1:]} if 'id="flag-list"' in page else set()


@pytest.mark.parametrize(
    "who, expected",
    [
        ("reviewer", {"trust_a", "trust_c"}),  # not ICB 1: national analysts review it
        ("other_reviewer", {"trust_b"}),
        ("analyst", {"trust_a", "trust_b", "trust_c", "icb_1"}),
        ("reviewer_at_trust", {"trust_c"}),  # not trust A, where they hold a role
    ],
)
def test_the_triage_list_shows_the_flags_of_the_organisations_the_user_reviews(
    client, across_systems, team, conflicted, world, who, expected
):
    client.force_login({**team, **conflicted}[who])
    page = page_of(client, TRIAGE, cycle=across_systems.name, status="")
    wanted = {f"{getattr(world, key).name} ({getattr(world, key).ods_code})" for key in expected}
    assert organisations_listed(page) == wanted


def test_with_no_filter_it_shows_the_newest_cycles_open_flags(client, patterned, team):
    flag = stored(patterned)[0]
    flag_resolve(flag_id=flag.pk, actor=team["reviewer"], comment="Checked.")
    client.force_login(team["reviewer"])

    page = page_of(client, TRIAGE)

    assert f"of {len(stored(patterned)) - 1} flags" in text(page)
    assert f"/flags/{flag.pk}/?" not in page
    assert '<option value="open" selected' in page and f'<option value="{patterned.cycle.name}" selected' in page


def listed_order(page: str) -> list[int]:
    """The ids of the flags the triage list links to, in its order."""
    return [int(pk) for pk in re.findall(r"/flags/(\d+)/\?", page.split('id="flag-list"', 1)[1])]


def listed_ids(page: str) -> set[int]:
    return set(listed_order(page))


@pytest.mark.parametrize(
    "name, value, wanted",
    [
        ("kind", "copied_notes", lambda world: Q(kind="copied_notes")),
        ("severity", "high", lambda world: Q(severity="high")),
        ("status", "resolved", lambda world: Q(resolved_at__isnull=False)),
        ("status", "open", lambda world: Q(resolved_at__isnull=True)),
        ("organisation", "trust_b", lambda world: Q(assessment__organisation=world.trust_b)),
        ("ics", "ics_2", lambda world: Q(assessment__organisation__ics=world.ics_2)),
        ("region", "region_2", lambda world: Q(assessment__organisation__ics__region=world.ics_2.region)),
    ],
)
def test_the_triage_filters(client, across_systems, team, world, name, value, wanted):
    first = stored(Assessment.objects.get(cycle=across_systems, organisation=world.trust_a))[0]
    flag_resolve(flag_id=first.pk, actor=team["reviewer"], comment="Checked.")
    value = {
        "trust_b": world.trust_b.ods_code,
        "ics_2": world.ics_2.icb_ods_code,
        "region_2": world.ics_2.region.ods_code,
    }.get(value, value)
    client.force_login(team["analyst"])

    page = page_of(client, TRIAGE, **{"cycle": across_systems.name, "status": "", name: value})

    everything = ValidationFlag.objects.filter(assessment__cycle=across_systems)
    expected = set(everything.filter(wanted(world)).values_list("pk", flat=True))
    assert expected and len(expected) < everything.count()  # the filter has something to leave out
    assert listed_ids(page) == expected


def test_other_cycles_flags_are_left_out_when_one_cycle_is_chosen(client, patterned, team):
    from assessments.models import Cycle

    older = Cycle.objects.create(
        name="2023/24", framework=patterned.cycle.framework, opens_on=datetime.date(2023, 4, 1),
        closes_on=datetime.date(2023, 6, 30),
    )  # fmt: skip
    client.force_login(team["reviewer"])
    assert "No flags match these filters." in page_of(client, TRIAGE, cycle=older.name, status="")
    assert organisations_listed(page_of(client, TRIAGE, cycle="", status=""))


def test_an_unknown_filter_value_is_explained_and_the_list_still_shows(client, patterned, team):
    client.force_login(team["reviewer"])
    answer = client.get(TRIAGE, {"severity": "catastrophic", "status": ""})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "There is a problem" in page and organisations_listed(page)


def test_the_triage_list_comes_in_pages_in_a_stable_order(client, flagged, team, monkeypatch):
    from assessments.views import flags as flag_views

    monkeypatch.setattr(flag_views, "TRIAGE_PAGE_SIZE", 20)
    pattern_flags.many_flags(flagged, 30)
    client.force_login(team["analyst"])
    query = {"status": "", "cycle": flagged.cycle.name}
    first, second = page_of(client, TRIAGE, **query), page_of(client, TRIAGE, **query, page="2")

    order = listed_order(first)
    assert len(order) == 20 and not set(order) & listed_ids(second)
    assert set(order) | listed_ids(second) == set(ValidationFlag.objects.values_list("pk", flat=True))
    assert "Showing 1 to 20 of 30 flags." in text(first) and "Showing 21 to 30 of 30 flags." in text(second)
    pages = first.split('class="nhsuk-pagination', 1)[1]
    assert "page=2" in pages and "cycle=2025%2F26" in pages  # the next page keeps the filters
    assert listed_order(page_of(client, TRIAGE, **query)) == order
    severity = dict(ValidationFlag.objects.values_list("pk", "severity"))
    rank = {"high": 0, "medium": 1, "low": 2}
    assert [rank[severity[pk]] for pk in order] == sorted(rank[severity[pk]] for pk in order)


@pytest.mark.parametrize("path", ["triage", "overview", "review"])
def test_flag_lists_cost_the_same_for_2_flags_as_for_20(client, assessment, team, django_assert_max_num_queries, path):
    complete_everything(assessment, team["lead"], level=2)  # raises no flag itself
    submitted = submit_and_flag(assessment, team["lead"], team["approver"])
    assert not stored(submitted)
    client.force_login(team["reviewer"])
    address = {
        "triage": TRIAGE + "?status=",
        "overview": url("overview", submitted),
        "review": url("review", submitted),
    }[path]
    pattern_flags.many_flags(submitted, 2)
    client.get(address)  # warm: the session, the grants
    with django_assert_max_num_queries(100) as few:
        assert client.get(address).status_code == 200
    pattern_flags.many_flags(submitted, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(address)
    assert response.status_code == 200
    if path == "triage":
        assert "of 20 flags" in text(response.content.decode())


# The national flag rates.


@pytest.mark.parametrize(
    "who, status",
    [("analyst", 200), ("framework_admin", 200), ("reviewer", 403), ("lead", 403), ("board", 403), ("nobody", 403)],
)
def test_who_may_see_the_flag_rates(client, team, world, who, status):
    client.force_login(team[who])
    assert client.get(RATES).status_code == status


def _rates(cycle, systems, *, kind="", submitted=10, flagged=4, unresolved=1, computed_at=None):
    return [
        FlagRate.objects.create(
            cycle=cycle,
            ics=ics,
            kind=kind,
            submitted=submitted,
            flagged=flagged,
            unresolved=unresolved,
            computed_at=computed_at or timezone.now(),
        )
        for ics in systems
    ]


def test_the_rates_come_from_the_precomputed_rows_per_ics_and_summed_per_region(client, cycle, team, world):
    """No flag exists at all: every figure on the page is read from the FlagRate rows."""
    third = SystemFactory(region=world.ics_1.region)
    when = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 30))
    _rates(cycle, [world.ics_1, third], computed_at=when)
    _rates(cycle, [world.ics_2], submitted=8, flagged=2, unresolved=2, computed_at=when)
    _rates(cycle, [world.ics_1], kind="copied_notes", submitted=10, flagged=1, unresolved=0, computed_at=when)
    client.force_login(team["analyst"])

    page = page_of(client, RATES)

    region_1, region_2 = world.ics_1.region, world.ics_2.region
    assert sorted(cells(page, "rates-by-region")[1:-1]) == sorted(
        [[region_1.name, "20", "8", "40%", "2"], [region_2.name, "8", "2", "25%", "2"]]
    )
    assert cells(page, "rates-by-region")[-1] == ["England", "28", "10", "36%", "4"]
    assert [world.ics_2.short_name, region_2.name, "8", "2", "25%", "2"] in cells(page, "rates-by-ics")
    assert len(cells(page, "rates-by-ics")) == 4
    assert "Counted by the portal on 2 March 2026 at 09:30" in text(page)

    by_kind = page_of(client, RATES, cycle=cycle.name, kind="copied_notes")
    assert cells(by_kind, "rates-by-ics")[1:] == [[world.ics_1.short_name, region_1.name, "10", "1", "10%", "0"]]
    assert "Notes copied between answers" in by_kind


def test_the_rates_say_when_nothing_has_been_counted(client, cycle, team):
    client.force_login(team["analyst"])
    assert "No flag rates have been counted for 2025/26 yet" in page_of(client, RATES)


def test_the_rates_page_costs_the_same_for_2_systems_as_for_20(
    client, cycle, team, world, django_assert_max_num_queries
):
    client.force_login(team["analyst"])
    _rates(cycle, [world.ics_1, world.ics_2])
    client.get(RATES)
    with django_assert_max_num_queries(50) as few:
        page_of(client, RATES)
    region = RegionFactory()
    _rates(cycle, [SystemFactory(region=region if i % 2 else world.ics_1.region) for i in range(18)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(cells(page_of(client, RATES), "rates-by-ics")) == 21


def test_the_cycle_refresh_counts_the_rates_the_page_shows(client, flagged, team):
    from assessments.services.flags import flag_rates_refresh

    flag_rates_refresh(cycle=flagged.cycle)
    client.force_login(team["analyst"])
    row = [r for r in cells(page_of(client, RATES), "rates-by-ics")[1:] if r[0] == flagged.organisation.ics.short_name]
    assert row == [[flagged.organisation.ics.short_name, flagged.organisation.ics.region.name, "1", "1", "100%", "1"]]


# Links to the list.


def test_reviewers_and_analysts_are_shown_the_way_to_the_flags(client, team, world):
    for who, sees_list, sees_rates in [
        ("reviewer", True, False), ("analyst", True, True), ("lead", False, False), ("framework_admin", False, True)
    ]:  # fmt: skip
        client.force_login(team[who])
        home = page_of(client, reverse("home"))
        assert (f'href="{TRIAGE}"' in home) is sees_list, who
        assert (f'href="{RATES}"' in home) is sees_rates, who


def test_the_ics_filter_offers_only_the_systems_the_reviewer_sees(client, cycle, team, world):
    client.force_login(team["reviewer"])
    page = page_of(client, TRIAGE)
    assert f'value="{world.ics_1.icb_ods_code}"' in page and f'value="{world.ics_2.icb_ods_code}"' not in page
    assert client.get(TRIAGE, {"ics": world.ics_2.icb_ods_code}).status_code == 400
