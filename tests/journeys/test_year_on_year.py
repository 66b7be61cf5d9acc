"""The Royal Free's untouched 2025/26 carry-forward, on the seeded demo data and the real
frameworks: a framework change is never shown as the trust's decline.

2025/26 split, renamed and merged domains and added or raised criteria. Carried forward through
the crosswalk, none of the trust's answers changed, so no level change is blamed on the trust,
no "change not explained" flag is raised, and the like-for-like comparison shows no change; one
answer changed by two levels raises exactly one flag.
"""

import pytest
from django.core.management import call_command

from assessments import selectors
from assessments.flag_inputs import draft_flags
from assessments.models import Assessment, Cycle
from assessments.rules import flags as flag_rules
from assessments.rules.carry_forward import ANSWER, FRAMEWORK
from assessments.services.cycles import cycle_open
from assessments.services.responses import Answer, response_save
from demo.history import demo_history_seed
from demo.people import DEMO_PASSWORD, DEMO_TRUST, demo_users_create
from framework.services import DEFINITIONS_DIR, framework_load
from organisations.models import User
from organisations.services import organisations_load_reference_data

# The demo history is seeded once for the module with real commits (the live server of the
# browser test reads it from another connection); the other tests read and change it inside their
# own transaction, rolled back after each. The browser test is transactional (live_server), so it
# comes last, and the module's rows are flushed at the end either way.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        organisations_load_reference_data()
        framework_load(path=DEFINITIONS_DIR)
        demo_users_create()
        demo_history_seed(organisations=[DEMO_TRUST])
        cycle_open(cycle=Cycle.objects.get(name="2025/26"))  # the demo leaves the trust's 2025/26 to its lead
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def royal_free(_seeded):
    return Assessment.objects.select_related("cycle__framework", "organisation").get(
        cycle__name="2025/26", organisation__ods_code=DEMO_TRUST
    )


def test_an_untouched_carry_forward_blames_nothing_on_the_trust(royal_free):
    rows = selectors.year_on_year(royal_free)
    causes = {row.response.domain.key: row.level_change.cause for row in rows if row.level_change}

    assert ANSWER not in causes.values() and "both" not in causes.values()
    assert causes["data_security_and_governance"] is None  # merged, re-keyed: the same criteria met
    assert FRAMEWORK in causes.values()  # new or raised criteria elsewhere, said as such
    assert draft_flags(royal_free) == []
    summary = selectors.year_on_year_summary(royal_free, rows)
    assert summary.question_set_changed
    assert summary.like_for_like.domains == len(causes)
    assert summary.like_for_like.last_year == summary.like_for_like.this_year


def test_one_answer_changed_by_two_levels_raises_exactly_one_flag(royal_free):
    lead = User.objects.get(email="lead@demo.nhs.uk")
    response = royal_free.responses.select_related("domain").get(domain__key="digital_strategy")
    assert response.level >= 2
    keep = [c.key for c in response.domain.criteria.filter(level__number__lte=response.level - 2)]
    response_save(
        response_id=response.pk,
        expected_version=response.version,
        answer=Answer(met_criteria=keep, notes=response.notes, complete=True),
        actor=lead,
    )

    [flag] = draft_flags(royal_free)
    assert flag.kind == flag_rules.LEVEL_JUMP_WITHOUT_NOTE and flag.domain_key == "digital_strategy"


@pytest.mark.needs_chromium
def test_the_lead_sees_the_framework_change_and_a_like_for_like_comparison(royal_free, browser, live_server):
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Email address").fill("lead@demo.nhs.uk")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()
    base = f"{live_server.url}/assessments/{royal_free.cycle.slug}/{DEMO_TRUST}"

    page.goto(base + "/changes/")
    text = page.locator("main").inner_text()
    assert "The questions changed between 2024/25" in text
    assert "<p" not in text  # the note is markup, not escaped text
    assert page.locator("#question-set-changed").is_visible()
    assert "Like for like" in text and "This year's framework changed (new or raised criteria)" in text
    assert "The organisation changed its answer" not in text
    last, this = (float(v) for v in page.locator("#like-for-like + p strong").all_inner_texts())
    assert last == this

    page.goto(base + "/domains/data_security_and_governance/")
    text = page.locator("main").inner_text()
    assert "Now: level 0" not in text
    assert "last year's notes" in text.lower()

    page.goto(base + "/check/")
    text = page.locator("main").inner_text()
    assert "Check these before you submit" not in text
    assert "The questions changed between 2024/25" in text
