"""Three cycles of demo history, made through the same services as real use, then moved back
into their own years."""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import F, QuerySet
from django.test.utils import override_settings
from django.utils import timezone

from assessments.models import Assessment, AssessmentScore, AuditEvent, Cycle, CycleEvent, DomainResponse, Evidence
from assessments.services.cycles import cycle_open
from assessments.services.publication import cycle_publish, cycle_release_provisionally
from assessments.tasks import cycle_flags_deferred
from demo.anomalies import Anomalies, demo_anomalies
from demo.cycles import DEMO_CYCLES, DemoCycle
from demo.facts import demo_peer_facts_seed
from demo.improvement import demo_plans_seed
from demo.model import profile_for
from demo.people import DEMO_TRUST, Actors, demo_actors_create
from demo.plans import seed_organisation
from demo.summary import demo_summary
from framework.models import FrameworkVersion
from framework.selectors import framework_criteria
from organisations.models import Organisation
from reports.tasks import cycle_figures_deferred


def _selected(organisations: Iterable[str] | QuerySet[Organisation] | None) -> list[Organisation]:
    queryset = Organisation.objects.select_related("ics").order_by("ods_code")
    if organisations is None:
        return list(queryset)
    if isinstance(organisations, QuerySet):
        return list(queryset.filter(pk__in=organisations.values("pk")))
    return list(queryset.filter(ods_code__in=list(organisations)))


def _seeded_organisation_ids(cycle: Cycle) -> set[int]:
    """Organisations whose assessment has been worked on: anything beyond its opening."""
    return set(
        AuditEvent.objects.filter(assessment__cycle=cycle)
        .exclude(kind=AuditEvent.Kind.CYCLE_OPENED)
        .values_list("assessment__organisation_id", flat=True)
        .distinct()
    )


def demo_history_seed(
    *,
    organisations: Iterable[str] | QuerySet[Organisation] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[str]:
    """Three cycles of plausible assessments for `organisations` (ODS codes or a queryset;
    default all), made, submitted, validated, scored and published through the services.

    Safe to run again: organisations already worked on in a cycle are skipped. The demo trust's
    2025/26 assessment is left a draft pre-filled from its 2024/25 answers for the demo lead.
    E-mail is not sent: the notifications would go to thousands of seeded colleagues.
    """
    say = progress or (lambda line: None)
    selected = _selected(organisations)
    names = [c.name for c in DEMO_CYCLES]
    existing = set(Cycle.objects.filter(name__in=names).values_list("name", flat=True))
    if names[-1] in existing and names[0] not in existing:
        return [
            f"Cycle {names[-1]} was opened before the demo history existed, so no history was added. "
            "For the full demo, delete var/wgll.sqlite3 and run `make data`."
        ]
    actors = demo_actors_create(selected)
    demo_peer_facts_seed(selected, actors)
    anomalies = demo_anomalies()
    exemplars = set(
        Organisation.objects.filter(programmes__key="global_digital_exemplar_acute_2016").values_list("pk", flat=True)
    )
    # Eager Celery logs every task it runs; thousands of "succeeded" lines would bury the summary.
    trace_logger = logging.getLogger("celery.app.trace")
    trace_level = trace_logger.level
    trace_logger.setLevel(logging.WARNING)
    try:
        # Without a broker, tasks run inline while seeding: each submission must be scored as its
        # transaction commits, before the ICS review that follows it and the backdating of its cycle.
        # Each cycle's pattern flags are judged, and its comparison figures computed, once, with
        # every organisation in, not after each one.
        with (
            override_settings(
                EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend", WGLL_INPROCESS_TASKS="eager"
            ),
            cycle_flags_deferred(),
            cycle_figures_deferred(),
        ):
            _seed_cycles(selected, actors, anomalies, exemplars, say)
            planned = demo_plans_seed(cycle_name=names[-1], organisations=selected, actors=actors)
            if planned:
                say(f"{names[-1]}: {planned} improvement plans made")
    finally:
        trace_logger.setLevel(trace_level)
    return demo_summary(organisations=selected)


def _seed_cycles(
    selected: list[Organisation],
    actors: Actors,
    anomalies: Anomalies,
    exemplars: set[int],
    say: Callable[[str], None],
) -> None:
    """Each cycle in turn, so each is pre-filled from the one before it. Organisations already
    worked on are skipped; each of the others is one transaction (scored when it commits)."""
    today = timezone.localdate()
    open_now = {"opens_on": today - datetime.timedelta(days=30), "closes_on": today + datetime.timedelta(days=90)}
    for year, spec in enumerate(DEMO_CYCLES):
        latest = spec.opens_on is None
        cycle, _ = Cycle.objects.get_or_create(
            name=spec.name,
            defaults={"framework": FrameworkVersion.objects.get(version=spec.framework), **open_now},
        )
        since = timezone.now()
        done = _seeded_organisation_ids(cycle)
        todo = [o for o in selected if o.pk not in done and not (latest and o.ods_code == DEMO_TRUST)]
        if todo:
            # Past cycles are read-only after their closing date: keep it open while it is seeded,
            # from its real opening day, so its board meetings fall in its sign-off window.
            opens_on = spec.opens_on or open_now["opens_on"]
            Cycle.objects.filter(pk=cycle.pk).update(opens_on=opens_on, closes_on=open_now["closes_on"])
            cycle.refresh_from_db()
            cycle_open(cycle=cycle)
            criteria = framework_criteria(cycle.framework_id)
            started = time.perf_counter()
            for organisation in todo:
                with transaction.atomic():
                    review = seed_organisation(
                        cycle=cycle,
                        year=year,
                        latest=latest,
                        organisation=organisation,
                        criteria=criteria,
                        actors=actors,
                        anomalies=anomalies,
                        profile=profile_for(organisation, exemplars),
                        real_closes_on=spec.closes_on or open_now["closes_on"],
                    )
                if review is not None:
                    review()
            say(f"{cycle.name}: {len(todo)} organisations answered in {time.perf_counter() - started:.1f} s")
        if not latest:
            if todo or cycle.release != Cycle.Release.FINAL:
                _publish_in_the_past(cycle, spec, actors)
            Cycle.objects.filter(pk=cycle.pk).update(opens_on=spec.opens_on, closes_on=spec.closes_on)
            if todo:
                _backdate(cycle, spec, since)


def _publish_in_the_past(cycle: Cycle, spec: DemoCycle, actors) -> None:
    """Release and publish a past cycle through the services, then give it its own year's
    timetable: reviewed for two weeks two months after closing, published a month later at 9.30am.
    Demo data only: the services refuse dates in the past, as they must for real cycles."""
    today = timezone.localdate()
    cycle_release_provisionally(
        cycle=cycle, actor=actors.analyst, opens_on=today, closes_on=today + datetime.timedelta(days=14)
    )
    closes_on = spec.closes_on or today
    published_at = _at(closes_on + datetime.timedelta(days=90), 9) + datetime.timedelta(minutes=30)
    Cycle.objects.filter(pk=cycle.pk).update(publication_at=published_at)
    cycle_publish(cycle=cycle, now=published_at)
    Cycle.objects.filter(pk=cycle.pk).update(
        review_opens_on=closes_on + datetime.timedelta(days=60),
        review_closes_on=closes_on + datetime.timedelta(days=74),
        publication_announced_at=_at(closes_on + datetime.timedelta(days=55), 10),
    )
    CycleEvent.objects.filter(cycle=cycle, kind=CycleEvent.Kind.PROVISIONAL_RELEASE).update(
        created_at=_at(closes_on + datetime.timedelta(days=60), 9)
    )
    CycleEvent.objects.filter(cycle=cycle, kind=CycleEvent.Kind.PUBLISHED).update(created_at=published_at)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _backdate(cycle: Cycle, spec: DemoCycle, since: datetime.datetime) -> None:
    """Move a past cycle's seeded timeline (made in the last minute) into its own year: opened
    on its opening day, answered and submitted a week before it closed, released two and three
    months later. Only rows this run just wrote move; every interval between them is kept, so
    submissions stay after their answers and scores after their submissions. Demo data only."""
    assert spec.opens_on and spec.closes_on
    shift = _at(spec.closes_on - datetime.timedelta(days=7), 10) - timezone.now()
    Assessment.objects.filter(cycle=cycle, created_at__gte=since).update(created_at=F("created_at") + shift)
    Assessment.objects.filter(cycle=cycle, submitted_at__gte=since).update(
        submitted_at=F("submitted_at") + shift, updated_at=F("updated_at") + shift
    )
    AssessmentScore.objects.filter(assessment__cycle=cycle, scored_at__gte=since).update(
        answers_submitted_at=F("answers_submitted_at") + shift, scored_at=F("scored_at") + shift
    )
    DomainResponse.objects.filter(assessment__cycle=cycle, updated_at__gte=since).update(
        updated_at=F("updated_at") + shift
    )
    Evidence.objects.filter(response__assessment__cycle=cycle, added_at__gte=since).update(
        added_at=F("added_at") + shift
    )
    events = AuditEvent.objects.filter(assessment__cycle=cycle, created_at__gte=since)
    events.filter(kind=AuditEvent.Kind.CYCLE_OPENED).update(created_at=_at(spec.opens_on, 9))
    released = events.filter(kind=AuditEvent.Kind.TRANSITION)
    released.filter(after__status=Assessment.Status.PROVISIONAL).update(
        created_at=_at(spec.closes_on + datetime.timedelta(days=60), 9)
    )
    released.filter(after__status=Assessment.Status.PUBLISHED).update(
        created_at=_at(spec.closes_on + datetime.timedelta(days=90), 9)
    )
    events.filter(created_at__gte=since).update(created_at=F("created_at") + shift)
    Cycle.objects.filter(pk=cycle.pk).update(opened_at=_at(spec.opens_on, 9))
