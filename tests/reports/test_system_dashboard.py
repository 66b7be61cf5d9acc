"""The ICS dashboard's figures, checked against the scores in the database computed here
independently; the refresh that precomputes them; and who sees what."""

import random
import statistics
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Assessment, AssessmentScore, DomainScore, MeasureScore
from assessments.services.cycles import cycle_open
from assessments.services.scoring import assessment_score
from organisations.models import Organisation
from reports import dashboards
from reports.models import Figure, FigureSet
from reports.refresh import cycle_figures_due, cycle_figures_refresh, cycles_with_figures_due
from tests import factories
from tests.reports.system_data import answer_at_levels, submit_and_score

pytestmark = pytest.mark.django_db


def one(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# The country is built once for the module (country_data); each test's changes are rolled back.
@pytest.fixture
def world(country_data):
    return country_data[0]


@pytest.fixture
def country(country_data):
    return country_data[1]


@pytest.fixture
def board(world):
    user = factories.UserFactory()
    factories.grant(user, "ics_board_viewer", world.ics_1)
    return user


@pytest.fixture
def reviewer(world):
    user = factories.UserFactory()
    factories.grant(user, "ics_reviewer", world.ics_1)
    return user


def comparable_scores(cycle, **where):
    return AssessmentScore.objects.filter(
        assessment__cycle=cycle,
        assessment__status__in=Assessment.SUBMITTED_OR_LATER,
        assessment__organisation__kind=Organisation.Kind.TRUST,
        **where,
    )


def test_system_figures_match_the_scores_in_the_database(country, board):
    cycle = country.this_year
    data = dashboards.system_dashboard(board, country.ics_1, cycle)
    overall = [s.overall for s in comparable_scores(cycle, assessment__organisation__ics=country.ics_1)]
    assert len(overall) == 5  # seven trusts, one draft, one ready for sign-off
    assert data.system.overall.size == 5
    assert data.system.overall.median == one(statistics.median(overall))
    assert data.system.overall.mean == one(sum(overall) / len(overall))
    assert (data.system.overall.minimum, data.system.overall.maximum) == (min(overall), max(overall))
    national = [s.overall for s in comparable_scores(cycle)]
    assert data.national.overall.median == one(statistics.median(national))
    for measure in data.measures:
        values = list(
            MeasureScore.objects.filter(
                score__in=comparable_scores(cycle, assessment__organisation__ics=country.ics_1), measure_key=measure.key
            ).values_list("value", flat=True)
        )
        figure = data.system.measure(measure.key)
        assert figure.size == len(values)
        if len(values) >= 5:
            assert figure.median == one(statistics.median(values)), measure.key
        else:  # a measure only some trusts answer (remote monitoring is for acute trusts)
            assert figure.median is None, measure.key


def test_mix_adjusted_score_is_each_trust_against_its_care_setting_averaged(country, board):
    cycle = country.this_year
    national = comparable_scores(cycle)
    by_setting: dict[str, list[Decimal]] = {}
    for score in national.select_related("assessment__organisation"):
        by_setting.setdefault(score.assessment.organisation.care_settings[0], []).append(score.overall)
    everyone = one(statistics.median([s.overall for s in national]))
    differences = []
    for score in national.filter(assessment__organisation__ics=country.ics_1).select_related(
        "assessment__organisation"
    ):
        peers = by_setting[score.assessment.organisation.care_settings[0]]
        peer_median = one(statistics.median(peers)) if len(peers) >= 5 else everyone
        differences.append(score.overall - peer_median)
    difference = one(sum(differences) / len(differences))
    data = dashboards.system_dashboard(board, country.ics_1, cycle)
    assert data.system.overall.adjusted_difference == difference
    assert data.system.overall.mix_adjusted == everyone + difference
    assert len(by_setting["community"]) < 5  # too small a peer group to compare with
    members = national.filter(assessment__organisation__ics=country.ics_1).select_related("assessment__organisation")
    small = [s for s in members if len(by_setting[s.assessment.organisation.care_settings[0]]) < 5]
    assert data.system.overall.adjusted_fallbacks == len(small)


def test_board_viewers_never_see_work_in_progress(country, board, reviewer):
    cycle = country.this_year
    for_board = {row.organisation.pk: row for row in dashboards.system_dashboard(board, country.ics_1, cycle).members}
    assert for_board[country.draft.pk].status == for_board[country.ready.pk].status == dashboards.NOT_SUBMITTED
    assert not for_board[country.draft.pk].linked and not for_board[country.draft.pk].counts
    for_reviewer = {
        row.organisation.pk: row for row in dashboards.system_dashboard(reviewer, country.ics_1, cycle).members
    }
    assert for_reviewer[country.draft.pk].status == "Draft"
    assert for_reviewer[country.ready.pk].status == "Ready for sign-off"
    assert for_reviewer[country.draft.pk].linked
    # and the figures are the same for both: drafts count for nobody
    assert (
        dashboards.system_dashboard(board, country.ics_1, cycle).system.overall.median
        == dashboards.system_dashboard(reviewer, country.ics_1, cycle).system.overall.median
    )


def test_change_since_last_year_joins_each_trust_to_its_previous_assessment(country, board):
    data = dashboards.system_dashboard(board, country.ics_1, country.this_year)
    for row in data.members:
        if not row.counts:
            continue
        previous = AssessmentScore.objects.get(
            assessment__cycle=country.last_year, assessment__organisation=row.organisation
        ).overall
        assert row.change == row.overall - previous


def test_a_system_too_small_to_compare_says_why(country, world):
    user = factories.UserFactory()
    factories.grant(user, "ics_board_viewer", country.ics_3)
    data = dashboards.system_dashboard(user, country.ics_3, country.this_year)
    assert data.system.suppressed is not None
    assert "only 3 organisations" in data.system.suppressed.reason.lower()
    assert data.system.overall.median is None and data.system.overall.mix_adjusted is None
    assert [row.overall is not None for row in data.members] == [True, True, True]  # each member still shown


def test_trend_covers_every_cycle_with_results(country, board):
    data = dashboards.system_dashboard(board, country.ics_1, country.this_year)
    assert [point.cycle for point in data.trend] == ["2024/25", "2025/26"]
    last = [s.overall for s in comparable_scores(country.last_year, assessment__organisation__ics=country.ics_1)]
    assert data.trend[0].system_median == one(statistics.median(last))
    assert data.trend[0].size == 7


def test_a_split_domain_carries_its_history_through_the_crosswalk(country, board):
    drill = dashboards.system_domain(board, country.ics_1, country.this_year, "cloud")
    assert [p.cycle for p in drill.trend] == ["2024/25", "2025/26"]
    assert drill.trend[0].as_name == "Infrastructure and hosting"
    assert "Infrastructure and hosting" in drill.lineage_note
    infra = Figure.objects.get(
        figure_set__cycle=country.last_year, scope="ics", scope_key=country.ics_1.icb_ods_code, domain_key="infra"
    )
    assert drill.trend[0].system_median == infra.median


def test_domain_drill_down_lists_the_trusts_at_each_level(country, board):
    drill = dashboards.system_domain(board, country.ics_1, country.this_year, "strategy")
    listed = {m.organisation.pk: level for level, members in drill.at_level.items() for m in members}
    expected = {
        s.score.assessment.organisation_id: s.level
        for s in DomainScore.objects.filter(
            score__in=comparable_scores(country.this_year, assessment__organisation__ics=country.ics_1),
            domain_key="strategy",
        ).select_related("score__assessment")
    }
    assert listed == expected
    assert country.draft.pk not in listed
    counts = drill.figures.system.level_counts
    assert sum(counts.values()) == len(expected)


def test_dashboard_queries_do_not_grow_with_the_number_of_organisations(country, board):
    def count():
        with CaptureQueriesContext(connection) as queries:
            dashboards.system_dashboard(board, country.ics_1, country.this_year)
        return len(queries.captured_queries)

    count()  # the user's grants are read once and kept
    before = count()
    rng = random.Random(3)
    for _ in range(6):
        factories.OrganisationFactory(ics=country.ics_1, care_settings=["acute"])
    cycle_open(cycle=country.this_year)
    for assessment in Assessment.objects.filter(cycle=country.this_year, score__isnull=True, status="draft").exclude(
        organisation=country.draft
    ):
        answer_at_levels(assessment, rng)
        submit_and_score(assessment)
    cycle_figures_refresh(cycle_id=country.this_year.pk)
    assert len(dashboards.system_dashboard(board, country.ics_1, country.this_year).members) == 13
    assert count() == before


def test_refresh_is_idempotent_and_due_only_after_a_change(country):
    cycle = country.this_year
    first = {
        (f.scope, f.scope_key, f.measure_key, f.domain_key, f.median)
        for f in Figure.objects.filter(figure_set__cycle=cycle)
    }
    assert not cycle_figures_due(cycle.pk)
    assert cycle_figures_refresh(cycle_id=cycle.pk, only_if_due=True) is None
    cycle_figures_refresh(cycle_id=cycle.pk)
    again = {
        (f.scope, f.scope_key, f.measure_key, f.domain_key, f.median)
        for f in Figure.objects.filter(figure_set__cycle=cycle)
    }
    assert again == first
    assert FigureSet.objects.filter(cycle=cycle).count() == 1
    # A return for changes drops a trust from the comparisons: the sweep finds the cycle due.
    returned = Assessment.objects.filter(cycle=cycle, status="submitted").first()
    returned.status = Assessment.Status.RETURNED
    returned.save()
    assert cycles_with_figures_due() == [cycle.pk]
    refreshed = cycle_figures_refresh(cycle_id=cycle.pk, only_if_due=True)
    assert refreshed is not None and refreshed.organisations == FigureSet.objects.get(cycle=cycle).organisations
    assert cycles_with_figures_due() == []


def test_a_new_score_queues_one_refresh_of_its_cycle(country, django_capture_on_commit_callbacks, monkeypatch):
    from reports import tasks

    queued = []
    monkeypatch.setattr(tasks, "queue_safely", lambda task, *args, **kwargs: queued.append((task.name, args)) or True)
    assessment = Assessment.objects.filter(cycle=country.this_year, status="submitted").first()
    with django_capture_on_commit_callbacks(execute=True):
        assessment_score(assessment_id=assessment.pk)
    assert ("reports.refresh_cycle_figures", (country.this_year.pk,)) in queued


def test_the_sweep_queues_every_due_cycle(country, monkeypatch):
    from reports import tasks

    queued = []
    monkeypatch.setattr(tasks, "queue_safely", lambda task, *args, **kwargs: queued.append(args) or True)
    assert tasks.sweep_cycle_figures_task() == 0
    Assessment.objects.filter(cycle=country.last_year).update(updated_at=timezone.now())
    assert tasks.sweep_cycle_figures_task() == 1
    assert queued == [(country.last_year.pk,)]


def test_the_dashboard_lists_each_members_plan_with_its_status_and_counts(country, board, client):
    import datetime

    from assessments.models import ImprovementPlan, PlanAction, PlanTarget

    cycle = country.this_year
    member = Assessment.objects.filter(cycle=cycle, organisation__ics=country.ics_1, organisation__kind="trust").first()
    plan = ImprovementPlan.objects.create(assessment=member, status="signed_off", signed_off_at=timezone.now())
    response = member.responses.select_related("domain").first()
    target = PlanTarget.objects.create(
        plan=plan, domain=response.domain, domain_key=response.domain.key, target_level=5,
        target_date=datetime.date.today() + datetime.timedelta(days=200),
    )  # fmt: skip
    for status in ("done", "in_progress"):
        PlanAction.objects.create(target=target, description=status, due_date=target.target_date, status=status)

    data = dashboards.system_dashboard(board, country.ics_1, cycle)
    row = next(m for m in data.members if m.organisation == member.organisation)
    assert (row.plan.status_label, row.plan.targets, row.plan.actions, row.plan.actions_done) == ("Signed off", 1, 2, 1)
    assert [m.organisation for m in data.with_plans] == [member.organisation]

    client.force_login(board)
    page = client.get(f"/systems/{country.ics_1.icb_ods_code}/{cycle.slug}/").content.decode()
    assert "Member trusts&#39; improvement plans" in page or "Member trusts' improvement plans" in page
    plan_url = f"/assessments/{cycle.slug}/{member.organisation.ods_code}/plan/"
    assert plan_url in page and "1 of 2" in page
    assert client.get(plan_url).status_code == 200  # the ICS's board viewer may open it
