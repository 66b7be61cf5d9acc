"""The national dashboard's figures and counts, checked against the database computed here
independently; the refresh that precomputes the counts, when it is due, and its query count."""

import csv
import datetime
import io
import random
import statistics
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Cycle, DomainResponse, DomainScore, MeasureScore, ValidationFlag
from framework.models import Domain, FrameworkVersion
from organisations.models import CareSetting, IntegratedCareSystem, Organisation
from reports import national_cards, national_dashboard
from reports.models import CountFigure
from reports.refresh import cycle_figures_due, cycle_figures_refresh
from tests import factories

pytestmark = pytest.mark.django_db


def one(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@pytest.fixture
def world(country_data):
    return country_data[0]


@pytest.fixture
def country(country_data):
    return country_data[1]


@pytest.fixture
def analyst():
    user = factories.UserFactory()
    factories.grant(user, "national_analyst")
    return user


def comparable_trusts(cycle, **where):
    return MeasureScore.objects.filter(
        score__assessment__cycle=cycle,
        score__assessment__status__in=Assessment.SUBMITTED_OR_LATER,
        score__assessment__organisation__kind=Organisation.Kind.TRUST,
        **where,
    )


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_measure_figures_are_englands_trusts_submitted_scores(country):
    data = national_dashboard.national_dashboard(country.this_year)
    card = national_cards.measures_card(data)
    by_name = {row[0]: row for row in card.rows}
    for measure in data.measures:
        values = sorted(comparable_trusts(country.this_year, measure_key=measure.key).values_list("value", flat=True))
        mean, median, lowest, lower_q, upper_q, highest, size = by_name[measure.name][1:]
        assert size == len(values) and size >= 5
        assert mean == one(sum(values) / len(values))
        assert median == one(statistics.median(values))
        assert (lowest, highest) == (values[0], values[-1])
        lq, _, uq = statistics.quantiles(values, n=4, method="inclusive")
        assert (lower_q, upper_q) == (one(lq), one(uq))
    # The draft and the assessment ready for sign-off are never counted.
    assert (
        data.national.overall.size
        == Assessment.objects.filter(
            cycle=country.this_year, status__in=Assessment.SUBMITTED_OR_LATER, organisation__kind="trust"
        ).count()
    )


def test_regions_and_systems_match_their_trusts_scores_and_small_ones_say_why(country):
    data = national_dashboard.national_dashboard(country.this_year)
    submitted = Assessment.objects.filter(
        cycle=country.this_year, status__in=Assessment.SUBMITTED_OR_LATER, organisation__kind="trust"
    )
    overall = dict(submitted.values_list("organisation_id", "score__overall"))
    organisations = Organisation.objects.filter(pk__in=overall).select_related("ics__region")
    systems_card = national_cards.systems_card(data)
    by_system = {row[0]: row for row in systems_card.rows}
    for ics in IntegratedCareSystem.objects.all():
        values = sorted(overall[o.pk] for o in organisations if o.ics_id == ics.pk)
        row = by_system[ics.short_name]
        assert row[-1] == len(values)
        if len(values) >= 5:
            assert row[2] == one(statistics.median(values)) and row[3] == one(sum(values) / len(values))
            assert row[4] is not None  # mix-adjusted
        else:  # ICS 3's three trusts: the figures are not shown, and the card says why
            assert row[2:5] == (None, None, None)
            reason = f"{ics.short_name}: not shown. Only {len(values)}"
            assert any(note.startswith(reason) for note in systems_card.notes)
    regions_card = national_cards.regions_card(data)
    for row in regions_card.rows:
        values = sorted(overall[o.pk] for o in organisations if o.ics.region.name == row[0])
        assert row[-1] == len(values)
        assert row[1] == (one(statistics.median(values)) if len(values) >= 5 else None)
    settings_card = national_cards.care_settings_card(data)
    community = sum(1 for o in organisations if o.care_settings[0] == "community")
    assert 0 < community < 5
    row = next(row for row in settings_card.rows if row[0] == "Community")
    assert row[1] is None and row[-1] == community
    # Several peer groups too small: one note names each with its size.
    [note] = settings_card.notes
    assert note.startswith("Not shown: ") and "fewer than 5 organisations with submitted results" in note
    for setting in CareSetting:
        size = sum(1 for o in organisations if o.care_settings[0] == setting.value)
        assert (f"{setting.label} ({size})" in note) is (size < 5), setting


def _progress_expected(cycle):
    expected: dict[str, dict[str, int]] = {}
    for assessment in Assessment.objects.filter(cycle=cycle).select_related("organisation__ics"):
        stage = assessment.status
        if stage == Assessment.Status.DRAFT:
            saved = DomainResponse.objects.filter(assessment=assessment, updated_at__isnull=False).exists()
            stage = "in_progress" if saved else "not_started"
        counts = expected.setdefault(assessment.organisation.ics.short_name, {})
        counts[stage] = counts.get(stage, 0) + 1
    return expected


def test_progress_counts_every_assessment_of_the_cycle_by_stage(world, country, analyst, client):
    cycle = country.this_year
    # One saved answer turns a draft from "not started" to "in progress".
    draft = Assessment.objects.get(cycle=cycle, organisation=country.draft)
    DomainResponse.objects.filter(pk=draft.responses.first().pk).update(updated_at=timezone.now())
    cycle_figures_refresh(cycle_id=cycle.pk)
    data = national_dashboard.national_dashboard(cycle)
    expected = _progress_expected(cycle)
    assert expected[world.ics_1.short_name]["in_progress"] == 1
    card = national_cards.progress_systems_card(data)
    stages = [key for key, _ in data.progress.stages]
    for row in card.rows:
        counts = expected.get(row[0], {})
        assert list(row[2 : 2 + len(stages)]) == [counts.get(stage, 0) for stage in stages], row[0]
        assert row[-1] == sum(counts.values())
    assert data.progress.england.total == Assessment.objects.filter(cycle=cycle).count()
    assert data.progress.days_left == (cycle.closes_on - timezone.localdate()).days
    client.force_login(analyst)
    rows = csv_rows(client.get(reverse("national:chart-csv", args=[cycle.slug, "progress-systems"])))
    assert rows[0] == list(card.columns)
    assert rows[1:] == [["" if v is None else str(v) for v in row] for row in card.rows]
    page = client.get(reverse("national:dashboard", args=[cycle.slug])).content.decode()
    assert "days left" in page and "Submission progress by integrated care system" in page


def test_open_flags_by_kind_match_the_unresolved_flags(country, analyst):
    cycle = country.this_year
    flag = ValidationFlag.objects.filter(assessment__cycle=cycle).first()
    assert flag is not None, "the country's scoring raises answer flags"
    ValidationFlag.objects.filter(pk=flag.pk).update(resolved_at=timezone.now(), resolved_by=analyst)
    # A returned assessment's flags are not counted until it is resubmitted.
    returned = ValidationFlag.objects.filter(assessment__cycle=cycle).exclude(pk=flag.pk).first().assessment
    Assessment.objects.filter(pk=returned.pk).update(status=Assessment.Status.RETURNED)
    assert cycle_figures_due(cycle.pk)  # a resolved flag makes the cycle due
    cycle_figures_refresh(cycle_id=cycle.pk)
    assert not cycle_figures_due(cycle.pk)
    card = national_cards.flags_card(national_dashboard.national_dashboard(cycle))
    assert (
        sum(row[1] for row in card.rows)
        < ValidationFlag.objects.filter(assessment__cycle=cycle, resolved_at__isnull=True).count()
    )
    for kind, label in ValidationFlag.Kind.choices:
        open_flags = ValidationFlag.objects.filter(
            assessment__cycle=cycle,
            assessment__status__in=Assessment.SUBMITTED_OR_LATER,
            kind=kind,
            resolved_at__isnull=True,
        )
        row = next(r for r in card.rows if r[0] == label)
        assert row[1:] == (open_flags.count(), open_flags.values("assessment").distinct().count())


def test_an_answer_saved_makes_the_cycle_due_for_its_progress(country):
    cycle = country.this_year
    assert not cycle_figures_due(cycle.pk)
    draft = Assessment.objects.get(cycle=cycle, organisation=country.draft)
    DomainResponse.objects.filter(pk=draft.responses.first().pk).update(updated_at=timezone.now())
    assert cycle_figures_due(cycle.pk)
    cycle_figures_refresh(cycle_id=cycle.pk, only_if_due=True)
    england = CountFigure.objects.get(figure_set__cycle=cycle, topic="progress", scope="national")
    assert england.counts["in_progress"] == 1


def test_a_cycle_opened_with_nothing_submitted_is_counted_and_shown(country, analyst, client):
    cycle = Cycle.objects.create(
        name="2026/27",
        framework=FrameworkVersion.objects.get(version="2025/26"),
        opens_on=timezone.localdate(),
        closes_on=timezone.localdate() + datetime.timedelta(days=60),
    )
    from assessments.services.cycles import cycle_open

    cycle_open(cycle=cycle)
    assert cycle_figures_due(cycle.pk)
    cycle_figures_refresh(cycle_id=cycle.pk, only_if_due=True)
    client.force_login(analyst)
    page = client.get(reverse("national:dashboard", args=[cycle.slug])).content.decode()
    assert "Closes " in page and "60 days left" in page
    assert "All trusts in England: not shown. No organisations with submitted results" in page
    # The latest cycle with results stays the default, and says the open one's progress is elsewhere.
    latest = client.get(reverse("national:latest"))
    assert latest.url == reverse("national:dashboard", args=[country.this_year.slug])
    assert "2026/27 is open" in client.get(latest.url).content.decode()


def test_domain_levels_and_year_on_year_through_the_crosswalk(country):
    cycle = country.this_year
    measure = national_dashboard.national_measure(cycle, "smart_foundations")
    levels = national_cards.domain_levels_card(measure)
    for row, domain in zip(levels.rows, measure.domains, strict=True):
        rows = DomainScore.objects.filter(
            score__assessment__cycle=cycle,
            score__assessment__status__in=Assessment.SUBMITTED_OR_LATER,
            score__assessment__organisation__kind="trust",
            domain_key=domain.key,
        )
        found = [rows.filter(level=level).count() for level in range(6)]
        assert row[-1] == sum(found)
        assert list(row[1:7]) == (found if sum(found) >= 5 else [None] * 6)
    change = national_cards.domain_change_card(measure)
    cloud = next(row for row in change.rows if row[0] == next(d.name for d in measure.domains if d.key == "cloud"))
    # "cloud" was split from last year's "infra": its year-on-year joins on the crosswalk.
    last_year = [
        Decimal(level)
        for level in DomainScore.objects.filter(
            score__assessment__cycle=country.last_year,
            score__assessment__status__in=Assessment.SUBMITTED_OR_LATER,
            score__assessment__organisation__kind="trust",
            domain_key="infra",
        ).values_list("level", flat=True)
    ]
    assert cloud[2] == one(sum(last_year) / len(last_year))
    assert cloud[4] == cloud[3] - cloud[2]
    infra = Domain.objects.get(framework__version="2024/25", key="infra").name
    assert cloud[1] == infra
    assert any(note.endswith(f"shows {infra}, which it continues.") for note in change.notes)


def test_every_card_csv_holds_exactly_its_figures(country, analyst, client):
    client.force_login(analyst)
    cycle = country.this_year
    data = national_dashboard.national_dashboard(cycle)
    for key, build in national_cards.DASHBOARD_CARDS.items():
        card = build(data)
        rows = csv_rows(client.get(reverse("national:chart-csv", args=[cycle.slug, key])))
        assert rows == [list(card.columns), *[["" if v is None else str(v) for v in row] for row in card.rows]], key


def test_suppression_is_shown_with_its_reason_on_the_page(world, country, analyst, client):
    client.force_login(analyst)
    page = client.get(reverse("national:dashboard", args=[country.this_year.slug])).content.decode()
    ics_3 = country.ics_3.short_name
    assert f"{ics_3}: not shown. Only 3 organisations with submitted results, fewer than 5" in page
    assert "Community (2); Ambulance (0). Each has fewer than 5 organisations with submitted results" in page


def _add_organisations(cycle, count, rng, start=0):
    from benchmarks.dashboards import bulk_scores

    systems = list(IntegratedCareSystem.objects.order_by("pk"))
    organisations = Organisation.objects.bulk_create(
        Organisation(
            ods_code=f"Y{n:05d}",
            name=f"Extra Trust {n}",
            official_name=f"EXTRA TRUST {n}",
            kind=Organisation.Kind.TRUST,
            ics=systems[n % len(systems)],
            care_settings=[["acute", "mental_health", "community"][n % 3]],
        )
        for n in range(start, start + count)
    )
    bulk_scores(cycle, organisations, rng)


def test_refresh_and_pages_are_a_fixed_number_of_queries_at_1x_and_10x(country, analyst, client):
    """The refresh (figures, progress, flags) and every national page read the same number of
    queries whatever the number of organisations: 1x, then 10x as many."""
    rng = random.Random(11)
    cycle = Cycle.objects.create(
        name="2031/32",
        framework=FrameworkVersion.objects.get(version="2025/26"),
        opens_on=timezone.localdate(),
        closes_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    client.force_login(analyst)
    paths = [
        reverse("national:dashboard", args=[cycle.slug]),
        reverse("national:chart-csv", args=[cycle.slug, "progress-systems"]),
        reverse("national:measure", args=[cycle.slug, "smart_foundations"]),
        reverse("national:domain", args=[cycle.slug, "cloud"]),
    ]

    def counted():
        reset_queries()  # a full query log (9,000 entries) would count nothing
        with CaptureQueriesContext(connection) as refresh:
            cycle_figures_refresh(cycle_id=cycle.pk)
        pages = []
        for path in paths:
            client.get(path)  # warm the user's grants and caches
            with CaptureQueriesContext(connection) as page:
                assert client.get(path).status_code == 200, path
            pages.append(len(page.captured_queries))
        return len(refresh.captured_queries), pages

    _add_organisations(cycle, 20, rng)
    small = counted()
    _add_organisations(cycle, 180, rng, start=20)
    assert Assessment.objects.filter(cycle=cycle).count() == 200
    assert counted() == small


def test_home_page_gives_national_staff_the_headline_and_the_link(world, country, analyst, client):
    client.force_login(analyst)
    page = client.get(reverse("home")).content.decode()
    england = national_dashboard.national_dashboard(country.this_year).national.overall
    assert f"Median overall score {england.median}" in page
    assert reverse("national:latest") in page
    lead = factories.UserFactory()
    factories.grant(lead, "assessment_lead", world.trust_a)
    client.force_login(lead)
    assert reverse("national:latest") not in client.get(reverse("home")).content.decode()


def test_opening_the_dashboard_before_publication_puts_the_viewer_on_the_pre_release_list(country, analyst, client):
    from assessments.models import PreReleaseAccess

    cycle = country.this_year
    client.force_login(analyst)
    for _ in range(2):
        assert client.get(reverse("national:dashboard", args=[cycle.slug])).status_code == 200
    entry = PreReleaseAccess.objects.get(cycle=cycle)
    assert entry.user == analyst and entry.recorded_by is None and "national dashboard" in entry.reason
    # Once published, the figures are public: nobody more is listed.
    Cycle.objects.filter(pk=cycle.pk).update(release=Cycle.Release.FINAL)
    other = factories.UserFactory()
    factories.grant(other, "framework_admin")
    client.force_login(other)
    assert client.get(reverse("national:dashboard", args=[cycle.slug])).status_code == 200
    assert PreReleaseAccess.objects.filter(cycle=cycle).count() == 1
