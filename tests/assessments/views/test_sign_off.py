"""Board sign-off with eyes open: before recording sign-off the approver sees the scores the
answers reach now (provisional), what changed since last year and the flags the answers raise."""

import re

import pytest
from markupsafe import escape

from assessments.flag_inputs import draft_flags
from assessments.models import Assessment
from assessments.selectors import assessment_current_score
from assessments.services.workflow import assessment_mark_ready
from tests.assessments.conftest import complete_everything
from tests.assessments.flagging import set_level, url
from tests.assessments.views.test_workflow import sign_off_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(carried_draft, team):
    """Trust A's 2025/26 answers: last year level 1 everywhere; this year strategy rose to 4 (no
    evidence, no explaining note), cloud hosting to 2, the rest kept level 1, ready for sign-off."""
    lead = team["lead"]
    complete_everything(carried_draft, lead, level=1)
    set_level(carried_draft, "strategy", 4, lead)
    set_level(carried_draft, "cloud", 2, lead)
    set_level(carried_draft, "network", 3, lead, notes="x")
    assessment_mark_ready(assessment=carried_draft, actor=lead)
    return Assessment.objects.select_related("cycle", "organisation").get(pk=carried_draft.pk)


def sign_off_page(client, assessment, approver) -> str:
    client.force_login(approver)
    response = client.get(url("sign-off", assessment))
    assert response.status_code == 200
    return response.content.decode()


def test_sign_off_shows_the_provisional_overall_score_that_scoring_later_stores(
    client, ready, team, django_capture_on_commit_callbacks
):
    page = sign_off_page(client, ready, team["approver"])

    shown = re.search(r'id="provisional-overall">([^<]+)</strong>', page)
    assert shown, "the provisional overall score is shown"
    assert "Provisional:" in page and "the portal scores the assessment again after submission" in page
    # Well led: strategy 4 (the ICB-only system domain does not apply to a trust).
    assert re.search(r"Well led\s*</td>\s*<td[^>]*>.*?</td>\s*<td[^>]*>\s*4\.0\s*</td>", page, re.S)
    # Smart foundations: cloud 2, network 3 -> 2.5.
    assert re.search(r"Ensure smart foundations\s*</td>\s*<td[^>]*>.*?</td>\s*<td[^>]*>\s*2\.5\s*</td>", page, re.S)

    client.force_login(team["approver"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("sign-off", ready), sign_off_data()).status_code == 302
    stored = assessment_current_score(ready)
    assert stored is not None
    assert shown.group(1) == str(stored.overall)
    assert shown.group(1) != "1.0"  # the answers moved it off last year's level everywhere


def test_sign_off_shows_the_domains_whose_level_changed_since_last_year(client, ready, team):
    page = sign_off_page(client, ready, team["approver"])

    assert "Changes since 2024/25" in page
    assert "3 domains have changed level since last year" in page
    changed = page[page.index('id="changed-domains"') : page.index('id="unchanged-domains"')]
    assert f'href="{url("domain", ready, "strategy")}">Digital strategy</a>' in changed
    assert "Level 1 last year, level 4 now (+3)" in changed
    assert "Cloud hosting</a> (was Infrastructure and hosting)" in changed
    assert "Level 1 last year, level 2 now (+1)" in changed
    assert "Level 1 last year, level 3 now (+2)" in changed  # networks
    assert "Remote monitoring" not in changed  # new this year: not a change of level
    unchanged = ready.responses.count() - 4  # strategy, cloud, network changed; monitoring is new
    assert f"{unchanged} domains are at the same level as last year, and 1 is new this year." in page


def test_sign_off_shows_the_flags_the_answers_raise_with_links_to_their_domains(client, ready, team):
    page = sign_off_page(client, ready, team["approver"])

    flags = draft_flags(ready)
    assert {flag.domain_key for flag in flags} == {"strategy", "network"}
    for flag in flags:
        assert str(escape(flag.explanation)) in page
    assert f'<a href="{url("domain", ready, "strategy")}">Go to Digital strategy</a>' in page
    assert f'<a href="{url("domain", ready, "network")}">Go to Networks</a>' in page
    assert "The answers raise no validation flags." not in page


def test_sign_off_without_a_last_year_shows_scores_and_no_comparison(client, assessment, team):
    complete_everything(assessment, team["lead"], level=2)
    assessment_mark_ready(assessment=assessment, actor=team["lead"])
    page = sign_off_page(client, assessment, team["approver"])

    assert 'id="provisional-overall">2.0</strong>' in page
    assert "Changes since" not in page
    assert "The answers raise no validation flags." in page


def test_sign_off_says_why_each_level_changed_and_compares_like_for_like(client, ready, team):
    """Strategy rose because the answers changed; network is level 3 now, but its level-1 'd'
    criterion is new this year, so part of any change is the framework's, and the approver is told."""
    page = sign_off_page(client, ready, team["approver"])
    changes = page.split('id="changes"', 1)[1]
    assert "The organisation changed its answer" in changes  # strategy 1 -> 4
    assert 'id="like-for-like"' in changes and "this year's criteria" in changes
    assert 'id="question-set-changed"' in changes
