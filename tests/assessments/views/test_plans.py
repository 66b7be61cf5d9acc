"""The improvement plan pages: the access matrix on every page (another organisation's plan is a
plain 404 unless you are its ICS or national staff; refused POSTs change nothing), and the pages
themselves: prefilled domain, errors naming the field, a stale save keeping the person's input,
sign-off and reopening, and the domain page's line about the plan."""

import datetime

import pytest
from django.urls import reverse

from assessments.models import AuditEvent, ImprovementPlan, PlanAction, PlanTarget
from assessments.services.plans import plan_action_save, plan_sign_off, plan_target_save

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
LATER = TODAY + datetime.timedelta(days=300)
SEES = {"lead", "contributor", "approver", "viewer", "reviewer", "board", "analyst", "framework_admin"}
OUTSIDERS = {"other_lead", "other_reviewer", "same_ics_lead", "nobody"}
ACTORS = ["anonymous", *sorted(SEES), *sorted(OUTSIDERS)]
EDITORS = {"lead", "contributor"}

# page -> who among those who see the plan may open it (the rest get 403); the plan is a draft
PAGES = {
    "plan": SEES,
    "plan-target-add": EDITORS,
    "plan-target": EDITORS,
    "plan-action-add": EDITORS,
    "plan-action": EDITORS,
    "plan-sign-off": {"approver"},
    "plan-reopen": set(),  # a draft has nothing to reopen
}


@pytest.fixture
def planned(assessment, team):
    """Trust A's draft plan: a strategy target with one action."""
    target = plan_target_save(
        assessment=assessment, domain_key="strategy", target_level=3, target_date=LATER, version=None,
        actor=team["lead"],
    )  # fmt: skip
    action = plan_action_save(
        target=target, description="Agree the strategy at board", owner=team["contributor"], due_date=LATER,
        status="not_started", version=None, actor=team["lead"],
    )  # fmt: skip
    return target, action


def url(name, assessment, planned=None):
    args = [assessment.cycle.slug, assessment.organisation.ods_code]
    if name in {"plan-target", "plan-action-add", "plan-action"}:
        args.append("strategy")
    if name == "plan-action":
        args.append(planned[1].pk)
    return reverse(f"assessments:{name}", args=args)


def domain_url(assessment):
    return reverse("assessments:domain", args=[assessment.cycle.slug, assessment.organisation.ods_code, "strategy"])


def sign_in(client, team, actor):
    if actor != "anonymous":
        client.force_login(team[actor])


def snapshot():
    return (
        list(ImprovementPlan.objects.values_list("pk", "status", "version", "signed_off_at")),
        list(PlanTarget.objects.values_list("pk", "target_level", "target_date", "domain_key")),
        list(PlanAction.objects.values_list("pk", "status", "description", "owner_id")),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("page", list(PAGES))
def test_who_sees_each_plan_page(client, assessment, team, planned, actor, page):
    sign_in(client, team, actor)
    response = client.get(url(page, assessment, planned))
    if actor == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    elif actor in OUTSIDERS:
        assert response.status_code == 404
    else:
        assert response.status_code == (200 if actor in PAGES[page] else 403)


GOOD_POSTS = {
    "plan-target-add": {"domain": "cloud", "target_level": "2", **{f"target_date_{p}": v for p, v in
                        (("day", LATER.day), ("month", LATER.month), ("year", LATER.year))}, "version": "2"},
    "plan-target": {"domain": "strategy", "target_level": "5", **{f"target_date_{p}": v for p, v in
                    (("day", LATER.day), ("month", LATER.month), ("year", LATER.year))}, "version": "2"},
    "plan-action-add": {"description": "Another", "owner": "", "status": "not_started", "version": "2",
                        **{f"due_date_{p}": v for p, v in (("day", 1), ("month", 1), ("year", LATER.year))}},
    "plan-sign-off": {"version": "2"},
    "plan-reopen": {"reason": "Because"},
}  # fmt: skip


@pytest.mark.parametrize("actor", [a for a in ACTORS if a not in EDITORS | {"approver"}])
@pytest.mark.parametrize("page", list(GOOD_POSTS))
def test_refused_posts_change_nothing(client, assessment, team, planned, actor, page):
    sign_in(client, team, actor)
    before = snapshot()
    response = client.post(url(page, assessment, planned), GOOD_POSTS[page])
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert actor == "anonymous"
    assert snapshot() == before


def test_the_approver_cannot_edit_and_editors_cannot_sign_off(client, assessment, team, planned):
    before = snapshot()
    client.force_login(team["approver"])
    assert client.post(url("plan-target", assessment, planned), GOOD_POSTS["plan-target"]).status_code == 403
    client.force_login(team["contributor"])
    assert client.post(url("plan-sign-off", assessment), GOOD_POSTS["plan-sign-off"]).status_code == 403
    assert snapshot() == before


def test_the_lead_adds_a_target_prefilled_from_the_domain_page(client, assessment, team):
    client.force_login(team["lead"])
    domain_page = client.get(domain_url(assessment))
    add = url("plan-target-add", assessment) + "?domain=strategy"
    assert "Add to your improvement plan" in domain_page.content.decode() and add in domain_page.content.decode()

    page = client.get(add).content.decode()
    assert '<option value="strategy" selected' in page and "What level 1 needs" in page

    response = client.post(url("plan-target-add", assessment), GOOD_POSTS["plan-target"] | {"version": "0"})
    assert response.status_code == 302 and response.url == url("plan", assessment)
    target = PlanTarget.objects.get()
    assert (target.domain_key, target.target_level, target.target_date) == ("strategy", 5, LATER)

    domain_page = client.get(domain_url(assessment))
    assert "In your plan: " in domain_page.content.decode()
    assert f"level 5 by {LATER:%B %Y}" in domain_page.content.decode()
    plan = client.get(url("plan", assessment)).content.decode()
    assert "Digital strategy" in plan and "Not answered → level 5" in plan and "Criterion 5a is met." in plan


def test_bad_input_is_named_in_the_error_summary_and_changes_nothing(client, assessment, team):
    client.force_login(team["lead"])
    before = snapshot()
    response = client.post(
        url("plan-target-add", assessment),
        {"domain": "strategy", "target_level": "", "target_date_day": "31", "target_date_month": "2",
         "target_date_year": str(LATER.year), "version": "0"},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page and 'href="#id_target_level"' in page and "Choose the target level" in page
    assert "The target date must be a real date" in page
    assert snapshot() == before


def test_a_stale_save_is_refused_and_keeps_what_was_typed(client, assessment, team, planned):
    client.force_login(team["lead"])
    before = snapshot()
    stale = {**GOOD_POSTS["plan-action-add"], "description": "Train the ward champions", "version": "0"}
    response = client.post(url("plan-action-add", assessment, planned), stale)
    page = response.content.decode()
    assert response.status_code == 400 and "Someone else changed this plan" in page
    assert "Train the ward champions" in page and 'name="version" value="2"' in page
    assert snapshot() == before
    again = client.post(url("plan-action-add", assessment, planned), {**stale, "version": "2"})
    assert again.status_code == 302 and PlanAction.objects.filter(description="Train the ward champions").exists()


def test_an_action_is_changed_and_a_dropped_one_needs_a_reason(client, assessment, team, planned):
    client.force_login(team["contributor"])
    _, action = planned
    post = {**GOOD_POSTS["plan-action-add"], "description": "Agree the strategy at board", "status": "dropped"}
    post["owner"] = str(team["lead"].pk)
    refused = client.post(url("plan-action", assessment, planned), post)
    assert refused.status_code == 400 and "Enter why the action was dropped" in refused.content.decode()
    done = client.post(url("plan-action", assessment, planned), {**post, "dropped_reason": "The ICS leads it"})
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.status == "dropped" and action.owner == team["lead"] and action.dropped_reason == "The ICS leads it"


def test_the_approver_signs_off_and_the_lead_reopens(client, assessment, team, planned):
    client.force_login(team["approver"])
    confirm = client.get(url("plan-sign-off", assessment)).content.decode()
    assert "Sign off the improvement plan" in confirm and "Digital strategy" in confirm
    assert client.post(url("plan-sign-off", assessment), {"version": "2"}).status_code == 302
    plan = ImprovementPlan.objects.get()
    assert plan.status == "signed_off" and plan.signed_off_by == team["approver"]

    client.force_login(team["lead"])
    shown = client.get(url("plan", assessment)).content.decode()
    assert "Signed off by" in shown and "Add a target" not in shown and "Reopen the plan" in shown
    before = snapshot()
    assert client.post(url("plan-target", assessment, planned), GOOD_POSTS["plan-target"]).status_code == 403
    assert snapshot() == before
    assert client.post(url("plan-reopen", assessment), {"reason": "New EPR"}).status_code == 302
    assert ImprovementPlan.objects.get().status == "draft"


def test_sign_off_names_each_target_without_an_owned_action(client, assessment, team, planned):
    PlanAction.objects.update(owner=None)
    client.force_login(team["approver"])
    response = client.post(url("plan-sign-off", assessment), {"version": "2"})
    assert response.status_code == 400 and "Digital strategy: add an action with an owner" in response.content.decode()
    assert ImprovementPlan.objects.get().status == "draft"


def test_a_signed_off_plan_is_reopened_only_by_the_lead(client, assessment, team, planned):
    plan_sign_off(plan=ImprovementPlan.objects.get(), version=None, actor=team["approver"])
    before = snapshot()
    for actor in ("contributor", "approver", "viewer", "reviewer", "board", "analyst"):
        client.force_login(team[actor])
        assert client.post(url("plan-reopen", assessment), {"reason": "x"}).status_code == 403, actor
    client.force_login(team["other_lead"])
    assert client.post(url("plan-reopen", assessment), {"reason": "x"}).status_code == 404
    assert snapshot() == before
    client.force_login(team["lead"])
    assert client.get(url("plan-reopen", assessment)).status_code == 200


def test_a_carried_plan_shows_whether_last_years_targets_were_met_by_this_years_result(
    client, last_year_cycle, frameworks, world, team, django_capture_on_commit_callbacks
):
    from assessments.models import Assessment
    from tests.assessments.conftest import complete_everything, open_next_year
    from tests.reports.conftest import submit

    last_year = Assessment.objects.get(cycle=last_year_cycle, organisation=world.trust_a)
    for key, level in (("strategy", 2), ("infra", 4)):
        plan_target_save(
            assessment=last_year, domain_key=key, target_level=level, target_date=LATER, version=None,
            actor=team["lead"],
        )  # fmt: skip
    this_year = open_next_year(world.trust_a)
    client.force_login(team["viewer"])
    page = client.get(url("plan", this_year)).content.decode()
    assert "Last year&#39;s targets" in page or "Last year's targets" in page
    assert page.count("Awaiting result") == 2  # not scored yet

    complete_everything(this_year, team["lead"], level=3)
    with django_capture_on_commit_callbacks(execute=True):
        submit(this_year, team)
    page = client.get(url("plan", this_year)).content.decode()
    # Strategy reached level 3 (target 2): met. Infra was split this year: no result for its key.
    assert "Digital strategy" in page and ">Met<" in page
    assert "Infrastructure and hosting" in page and "No result for this domain" in page
    assert "carries forward last year" in page  # the carried plan says so
