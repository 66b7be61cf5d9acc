"""Scoring throughput: domain levels computed in Python (the pure rule over answers fetched in
bulk, and the full scoring service per assessment) against one SQL aggregate that applies the
same rule inside the database, for one real-size cycle and for a synthetic national scale.

The rule (assessments/scoring.py): a domain's level is the highest L such that every criterion
of levels 1..L is met. In SQL: count, per answer and level, the met criteria (met_criteria is a
JSON list of keys, unnested with json_each on SQLite and jsonb_array_elements_text on
PostgreSQL), compare with the number each level asks for, and take the first level not fully
met, minus one.
"""

from __future__ import annotations

import os
import random
import time

from django.db import connection, transaction
from django.utils import timezone

from assessments.models import Assessment, AssessmentScore, Cycle, DomainResponse, DomainScore, ValidationFlag
from assessments.rules import scoring
from assessments.services.cycles import cycle_open
from assessments.services.flags import cycle_flags_refresh
from assessments.services.scoring import assessment_score, cycle_rescore
from assessments.tasks import cycle_flags_deferred
from framework.models import Criterion, Domain, FrameworkVersion, Level
from framework.selectors import framework_criteria
from organisations.models import IntegratedCareSystem, Organisation, Region
from reports.tasks import cycle_figures_deferred

NATIONAL_ORGANISATIONS = int(os.environ.get("WGLL_BENCH_ORGANISATIONS", "25000"))
rng = random.Random(20250401)  # benchmark data, not secrets


def random_ticks(levels: dict[int, list[str]]) -> list[str]:
    """A plausible answer: every criterion up to some level, part of the next, and now and then
    a criterion of a higher level (a gap the rule must not count past)."""
    reached = rng.choices(range(6), weights=[5, 20, 30, 25, 15, 5])[0]
    met = [key for number in range(1, reached + 1) for key in levels.get(number, [])]
    following = levels.get(reached + 1, [])
    if following and rng.random() < 0.6:
        met += rng.sample(following, rng.randint(1, max(1, len(following) - 1)))
    if reached + 2 in levels and rng.random() < 0.1:
        met.append(rng.choice(levels[reached + 2]))
    return met


# The two ways of computing every domain level of a cycle.


def levels_in_python(cycle: Cycle) -> dict[int, int]:
    """The pure scoring rule over answers fetched in one streamed query."""
    criteria = framework_criteria(cycle.framework_id)
    return {
        response_id: scoring.domain_level(criteria[domain_id], met)
        for response_id, domain_id, met in DomainResponse.objects.filter(assessment__cycle=cycle)
        .values_list("id", "domain_id", "met_criteria")
        .iterator(chunk_size=10_000)
    }


def _level_sql() -> str:
    response = DomainResponse._meta.db_table
    assessment = Assessment._meta.db_table
    criterion = Criterion._meta.db_table
    level = Level._meta.db_table
    if connection.vendor == "postgresql":
        unnest = "CROSS JOIN LATERAL jsonb_array_elements_text(r.met_criteria::jsonb) AS j(value)"
    else:
        unnest = "JOIN json_each(r.met_criteria) AS j"
    # `complete` holds the levels an answer meets completely; numbering them in order, a level is
    # reached when it is the n-th fully met level and n equals its number (1, 2, ... with no gap).
    return f"""
        WITH need AS (
            SELECT c.domain_id, l.number AS level, COUNT(*) AS n
            FROM {criterion} c JOIN {level} l ON l.id = c.level_id
            GROUP BY c.domain_id, l.number
        ),
        met AS (
            SELECT r.id AS response_id, r.domain_id, l.number AS level, COUNT(DISTINCT c.id) AS n
            FROM {response} r
            JOIN {assessment} a ON a.id = r.assessment_id
            {unnest}
            JOIN {criterion} c ON c.domain_id = r.domain_id AND c.key = j.value
            JOIN {level} l ON l.id = c.level_id
            WHERE a.cycle_id = %s
            GROUP BY r.id, r.domain_id, l.number
        ),
        complete AS (
            SELECT m.response_id, m.level,
                   ROW_NUMBER() OVER (PARTITION BY m.response_id ORDER BY m.level) AS nth
            FROM met m JOIN need ON need.domain_id = m.domain_id AND need.level = m.level
            WHERE m.n = need.n
        ),
        reached AS (
            SELECT response_id, MAX(level) AS level FROM complete WHERE nth = level GROUP BY response_id
        )
        SELECT r.id, COALESCE(reached.level, 0)
        FROM {response} r
        JOIN {assessment} a ON a.id = r.assessment_id
        LEFT JOIN reached ON reached.response_id = r.id
        WHERE a.cycle_id = %s
    """


def levels_in_sql(cycle: Cycle) -> dict[int, int]:
    """One aggregate query: the database applies the rule and returns one level per answer."""
    with connection.cursor() as cursor:
        cursor.execute(_level_sql(), [cycle.pk, cycle.pk])
        return dict(cursor.fetchall())


def _compare(name: str, python: dict[int, int], sql: dict[int, int]) -> None:
    differing = sum(1 for key in python.keys() | sql.keys() if python.get(key) != sql.get(key))
    verdict = "identical" if not differing else f"{differing} DIFFER"
    print(f"  {name}: {len(python):,} domain levels, Python and SQL {verdict}")


def _stored_levels(cycle: Cycle) -> dict[int, int | None]:
    """The stored domain levels of a cycle, keyed by answer (as the two computations are)."""
    stored = {
        (assessment_id, domain_id): level
        for assessment_id, domain_id, level in DomainScore.objects.filter(score__assessment__cycle=cycle).values_list(
            "score__assessment_id", "domain_id", "level"
        )
    }
    return {
        response_id: stored.get((assessment_id, domain_id))
        for response_id, assessment_id, domain_id in DomainResponse.objects.filter(assessment__cycle=cycle).values_list(
            "id", "assessment_id", "domain_id"
        )
    }


# Data.


def _submit_all(cycle: Cycle) -> None:
    Assessment.objects.filter(cycle=cycle).update(status=Assessment.Status.SUBMITTED, submitted_at=timezone.now())


def real_cycle() -> Cycle:
    """Every real organisation's assessment of a cycle on the 2025/26 framework, opened by the
    service, then answered at random and marked submitted in bulk (this measures scoring, not
    answering). Named apart from the demo's cycles, which the pages benchmark seeds before it."""
    framework = FrameworkVersion.objects.get(version="2025/26")
    cycle = Cycle.objects.create(
        name="S-25/26", framework=framework, opens_on=timezone.localdate(), closes_on=timezone.localdate()
    )
    cycle_open(cycle=cycle)
    criteria = framework_criteria(framework.pk)
    responses = list(DomainResponse.objects.filter(assessment__cycle=cycle).only("id", "domain_id"))
    for response in responses:
        response.met_criteria = random_ticks(criteria[response.domain_id])
    DomainResponse.objects.bulk_update(responses, ["met_criteria"], batch_size=2000)
    _submit_all(cycle)
    return cycle


def national_cycle(size: int) -> Cycle:
    """`size` synthetic acute trusts in one synthetic ICS, each with every acute domain of the
    2025/26 framework answered at random: no services, only bulk inserts."""
    framework = FrameworkVersion.objects.get(version="2025/26")
    ics = IntegratedCareSystem.objects.create(
        icb_ods_code="QZZ", ons_code="E54999999", name="NHS Synthetic Integrated Care Board",
        region=Region.objects.order_by("pk").first(),
    )  # fmt: skip
    cycle = Cycle.objects.create(
        name="2026/27", framework=framework, opens_on=timezone.localdate(), closes_on=timezone.localdate()
    )
    criteria = framework_criteria(framework.pk)
    domains = [d.pk for d in Domain.objects.filter(framework=framework) if d.applies_to(["acute"], is_icb=False)]
    pools = {domain: [random_ticks(criteria[domain]) for _ in range(200)] for domain in domains}
    now = timezone.now()
    chunk = 1000
    for start in range(0, size, chunk):
        with transaction.atomic():
            organisations = Organisation.objects.bulk_create(
                Organisation(
                    ods_code=f"Z{n:05d}", name=f"Synthetic Trust {n}", official_name=f"SYNTHETIC TRUST {n}",
                    kind=Organisation.Kind.TRUST, ics=ics, care_settings=["acute"],
                )
                for n in range(start, min(size, start + chunk))
            )  # fmt: skip
            assessments = Assessment.objects.bulk_create(
                Assessment(cycle=cycle, organisation=o, status=Assessment.Status.SUBMITTED, submitted_at=now)
                for o in organisations
            )
            DomainResponse.objects.bulk_create(
                (
                    DomainResponse(assessment=a, domain_id=d, met_criteria=rng.choice(pools[d]))
                    for a in assessments
                    for d in domains
                ),
                batch_size=5000,
            )
    return cycle


def run(measure, report) -> None:
    started = time.perf_counter()
    cycle = real_cycle()
    assessments = list(Assessment.objects.filter(cycle=cycle).values_list("pk", flat=True))
    print(
        f"\nScoring one cycle: {len(assessments)} real organisations, "
        f"{DomainResponse.objects.filter(assessment__cycle=cycle).count():,} answers "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )

    def one_at_a_time():
        # The scoring task's path, one assessment after another (what a submission runs), with the
        # cycle's flags and figures judged once after the burst, as the debounced refresh does.
        with cycle_flags_deferred(), cycle_figures_deferred():
            for pk in assessments:
                assessment_score(assessment_id=pk)

    def in_bulk():
        # `rescore --cycle`: one task for the cycle; its flags and figures follow as tasks of
        # their own (measured below and in the dashboards section), so they are left out here.
        with cycle_flags_deferred() as flags, cycle_figures_deferred() as figures:
            result = cycle_rescore(cycle_id=cycle.pk)
            flags.clear()  # noted, not run: see above
            figures.clear()
        return result

    tenth = assessments[::10]

    def in_bulk_a_tenth_changed():
        # As after a fix to the rules: one domain level in every tenth assessment comes out different.
        DomainScore.objects.filter(score__assessment_id__in=tenth, domain__position=1).update(level=0)
        return in_bulk()

    def in_bulk_first_scoring():
        # Every score new (the delete of the old ones included): the most a re-score can write.
        AssessmentScore.objects.filter(assessment__cycle=cycle).delete()
        in_bulk()

    python, sql = levels_in_python(cycle), levels_in_sql(cycle)
    _compare("this cycle", python, sql)
    in_bulk()
    _compare("cycle_rescore (stored DomainScore rows) vs SQL", _stored_levels(cycle), sql)

    python_figures = measure(lambda: levels_in_python(cycle), 5)
    report(
        "cycle: one SQL aggregate (all domain levels)",
        measure(lambda: levels_in_sql(cycle), 5),
        "pure rule over a bulk fetch",
        python_figures,
    )
    report(
        "cycle re-score in bulk, figures unchanged",
        measure(in_bulk, 5),
        "pure rule over a bulk fetch (levels only)",
        python_figures,
    )
    print(f"  (a tenth changed: {in_bulk_a_tenth_changed().changed} of {len(assessments)} rewritten)")
    report(
        "cycle re-score in bulk, a tenth of scores changed",
        measure(in_bulk_a_tenth_changed, 5),
        "pure rule over a bulk fetch (levels only)",
        python_figures,
    )
    report(
        "cycle scored in bulk from nothing (every row new)",
        measure(in_bulk_first_scoring, 3),
        "pure rule over a bulk fetch (levels only)",
        python_figures,
    )
    report(
        "cycle scored one assessment at a time (task path)",
        measure(one_at_a_time, 1),
        "pure rule over a bulk fetch (levels only)",
        python_figures,
    )
    _compare("assessment_score (stored DomainScore rows) vs SQL", _stored_levels(cycle), sql)
    print(f"  stored scores: {AssessmentScore.objects.filter(assessment__cycle=cycle).count()}")
    report(
        "cycle: every flag of every assessment (cycle_flags_refresh)",
        measure(lambda: cycle_flags_refresh(cycle_id=cycle.pk), 3),
        "pure rule over a bulk fetch (levels only)",
        python_figures,
    )
    print(f"  stored flags: {ValidationFlag.objects.filter(assessment__cycle=cycle).count()}")

    started = time.perf_counter()
    national = national_cycle(NATIONAL_ORGANISATIONS)
    answers = DomainResponse.objects.filter(assessment__cycle=national).count()
    print(
        f"\nNational scale: {NATIONAL_ORGANISATIONS:,} synthetic organisations, {answers:,} answers "
        f"(bulk-created in {time.perf_counter() - started:.1f} s; set WGLL_BENCH_ORGANISATIONS to change)"
    )
    _compare("national", levels_in_python(national), levels_in_sql(national))
    report(
        "national: one SQL aggregate (all domain levels)",
        measure(lambda: levels_in_sql(national), 1),
        "pure rule over a bulk fetch",
        measure(lambda: levels_in_python(national), 1),
    )
