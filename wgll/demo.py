"""Demo people for every role and three cycles of demo assessments, for trying the service.

Never run in production (the command refuses): the password is printed for anyone to read.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.db.models import F, QuerySet
from django.test.utils import override_settings
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from assessments.models import Assessment, AssessmentScore, AuditEvent, Cycle, DomainResponse, Evidence
from organisations.models import IntegratedCareSystem, Organisation, Role, RoleAssignment, User
from wgll.framework.models import Criterion, FrameworkVersion

DEMO_PASSWORD = "demo-password-not-for-production"
DEMO_TRUST = "RAL"  # Royal Free London, in North Central London ICS
OTHER_DEMO_TRUST = "RRK"  # University Hospitals Birmingham, a different ICS: proves the walls
DEMO_ICS = "QMJ"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    first_name: str
    last_name: str
    job_title: str
    role: str | None
    where: str | None  # ODS code of the organisation or ICB; None for national roles
    superuser: bool = False


DEMO_PEOPLE = [
    DemoPerson("lead@demo.nhs.uk", "Aisha", "Khan", "Chief Information Officer", Role.ASSESSMENT_LEAD, DEMO_TRUST),
    DemoPerson("contributor@demo.nhs.uk", "Tom", "Evans", "Head of Infrastructure", Role.CONTRIBUTOR, DEMO_TRUST),
    DemoPerson("approver@demo.nhs.uk", "Grace", "Okafor", "Chief Executive", Role.APPROVER, DEMO_TRUST),
    DemoPerson("viewer@demo.nhs.uk", "Mark", "Lewis", "Non-executive Director", Role.VIEWER, DEMO_TRUST),
    DemoPerson(
        "other-lead@demo.nhs.uk", "Priya", "Shah", "Chief Digital Officer", Role.ASSESSMENT_LEAD, OTHER_DEMO_TRUST
    ),
    DemoPerson("ics-reviewer@demo.nhs.uk", "Sam", "Murphy", "ICS Digital Lead", Role.ICS_REVIEWER, DEMO_ICS),
    DemoPerson("ics-board@demo.nhs.uk", "Helen", "Wright", "ICB Chair", Role.ICS_BOARD_VIEWER, DEMO_ICS),
    DemoPerson("analyst@demo.nhs.uk", "Daniel", "Price", "National Analyst", Role.NATIONAL_ANALYST, None),
    DemoPerson("framework-admin@demo.nhs.uk", "Ruth", "Green", "Framework Manager", Role.FRAMEWORK_ADMIN, None),
    DemoPerson("service-desk@demo.nhs.uk", "Alex", "Morgan", "Service Desk", None, None, superuser=True),
]


@transaction.atomic
def demo_users_create() -> list[tuple[DemoPerson, str]]:
    """Create (or reset) the demo people; returns each with where their role applies."""
    created = []
    for person in DEMO_PEOPLE:
        user, _ = User.objects.update_or_create(
            email=person.email,
            defaults={
                "first_name": person.first_name,
                "last_name": person.last_name,
                "job_title": person.job_title,
                "is_staff": person.superuser,
                "is_superuser": person.superuser,
                "is_active": True,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        where = "everything (service desk)" if person.superuser else "national level"
        if person.role in {Role.ICS_REVIEWER, Role.ICS_BOARD_VIEWER}:
            ics = IntegratedCareSystem.objects.get(icb_ods_code=person.where)
            RoleAssignment.objects.get_or_create(user=user, role=person.role, ics=ics)
            where = f"{ics.short_name} ICS"
        elif person.where:
            organisation = Organisation.objects.get(ods_code=person.where)
            RoleAssignment.objects.get_or_create(user=user, role=person.role, organisation=organisation)
            where = organisation.name
        elif person.role:
            RoleAssignment.objects.get_or_create(user=user, role=person.role, organisation=None, ics=None)
        created.append((person, where))
    return created


# ---------------------------------------------------------------------------------------------
# Three cycles of demo history, made through the same services as real use.
#
# Each organisation's answers come from a small model of digital maturity: a national baseline,
# an ICS effect, a care-setting effect, a bonus for the 2016 Global Digital Exemplars, an effect
# per success measure (Smart foundations strongest, Empower citizens weakest, as in the national
# 2023 results) and noise per domain, rising by about 0.2 of a level a year. Every random draw
# comes from a random.Random seeded with the organisation's ODS code (and domain key), so the
# data are the same on every machine and for any subset of organisations.
# ---------------------------------------------------------------------------------------------

SEED = "wgll-demo-1"
SEEDED_PEOPLE_DOMAIN = "demo.nhs.uk"


@dataclass(frozen=True)
class DemoCycle:
    name: str
    framework: str
    opens_on: datetime.date | None  # None: the live cycle, open from a month ago for three months
    closes_on: datetime.date | None


DEMO_CYCLES = [
    DemoCycle("2023/24", "2024/25", datetime.date(2023, 4, 1), datetime.date(2023, 6, 30)),
    DemoCycle("2024/25", "2024/25", datetime.date(2024, 4, 1), datetime.date(2024, 6, 30)),
    DemoCycle("2025/26", "2025/26", None, None),
]

BASELINE = 2.38
MEASURE_EFFECT = {
    "well_led": 0.2,
    "smart_foundations": 0.8,
    "safe_practice": 0.3,
    "support_people": 0.0,
    "empower_citizens": -0.4,
    "improve_care": -0.2,
    "healthy_populations": -0.5,
}
SETTING_EFFECT = {"acute": 0.0, "acute_specialist": 0.25, "mental_health": -0.15, "community": -0.2, "ambulance": -0.1}
EXEMPLAR_BONUS = 0.45
YEARLY_GROWTH = 0.2

NOTES_BY_LEVEL = {
    0: "Not in place yet; scoping work and a business case are planned for next year.",
    1: "Early work under way in some services; the approach is agreed but not yet funded.",
    2: "Plans approved by the executive team and partly delivered; roll-out continues this year.",
    3: "Delivered and in routine use across most services; see the linked evidence.",
    4: "Embedded across the organisation with outcomes measured and reported to the board.",
    5: "Recognised as an exemplar; our approach has been shared and adopted across the system.",
}
FIRST_NAMES = ["Amina", "Ben", "Chloe", "David", "Ewa", "Farah", "George", "Hannah", "Imran", "Jess", "Kofi", "Laura"]
LAST_NAMES = ["Adeyemi", "Brown", "Chen", "Davies", "Ellis", "Fraser", "Gill", "Hughes", "Iqbal", "Jones", "Kaur"]
LEAD_TITLES = ["Chief Information Officer", "Chief Digital Information Officer", "Director of Digital"]


def _rng(*parts: object) -> random.Random:
    # Demo data, not secrets: a seeded generator is the point (the same data on every machine).
    return random.Random(":".join([SEED, *map(str, parts)]))  # noqa: S311


def _rank(ods_code: str) -> str:
    return hashlib.sha256(f"{SEED}:{ods_code}".encode()).hexdigest()


@dataclass(frozen=True)
class Anomalies:
    """Organisations whose latest answers give validation something to find."""

    jumpers: frozenset[str]  # two levels up in several domains, last year's notes left unchanged
    no_evidence: frozenset[str]  # never attach evidence, and claim level 4 in a few domains
    inflators: frozenset[str]  # claim level 5 across Empower citizens: far above their peers
    deflators: frozenset[str]  # drop to level 0-1 across Smart foundations: far below their peers

    def kind(self, ods_code: str) -> str:
        for name in ("jumpers", "no_evidence", "inflators", "deflators"):
            if ods_code in getattr(self, name):
                return name
        return ""


def demo_anomalies() -> Anomalies:
    """Chosen from all trusts (not a subset), so a subset keeps the same choices; the demo ICS
    gets one jumper so its demo reviewer has something to look at."""
    codes = sorted(
        Organisation.objects.filter(kind=Organisation.Kind.TRUST)
        .exclude(ods_code__in=[DEMO_TRUST, OTHER_DEMO_TRUST])
        .values_list("ods_code", "ics__icb_ods_code"),
        key=lambda row: _rank(row[0]),
    )
    in_demo_ics = [code for code, icb in codes if icb == DEMO_ICS][:1]
    others = [code for code, _ in codes if code not in in_demo_ics]
    return Anomalies(
        jumpers=frozenset(in_demo_ics + others[:4]),
        no_evidence=frozenset(others[4:7]),
        inflators=frozenset(others[7:9]),
        deflators=frozenset(others[9:11]),
    )


@dataclass(frozen=True)
class Actors:
    leads: dict[int, User]
    approvers: dict[int, User]
    reviewers: dict[int, User]  # by ICS id
    analyst: User


def _seeded_person(rng: random.Random, email: str, job_title: str) -> User:
    user = User(
        email=email,
        first_name=rng.choice(FIRST_NAMES),
        last_name=rng.choice(LAST_NAMES),
        job_title=job_title,
        is_active=True,
    )
    user.set_unusable_password()  # seeded colleagues exist to act in the history, not to sign in
    return user


def demo_actors_create(organisations: list[Organisation]) -> Actors:
    """A lead and an approver for every organisation and a reviewer for every ICS; the demo
    people play their own parts (the Royal Free, North Central London, the national analyst)."""
    demo = {person.email: person for person in DEMO_PEOPLE}
    users = {u.email: u for u in User.objects.filter(email__in=demo)}
    wanted: dict[str, tuple[User, str, Organisation | None, IntegratedCareSystem | None]] = {}
    for organisation in organisations:
        code = organisation.ods_code.lower()
        rng = _rng("people", organisation.ods_code)
        lead_email = "lead@demo.nhs.uk" if organisation.ods_code == DEMO_TRUST else f"lead.{code}@demo.nhs.uk"
        if organisation.ods_code == OTHER_DEMO_TRUST:
            lead_email = "other-lead@demo.nhs.uk"
        approver_email = (
            "approver@demo.nhs.uk" if organisation.ods_code == DEMO_TRUST else f"approver.{code}@demo.nhs.uk"
        )
        for email, role, title in (
            (lead_email, Role.ASSESSMENT_LEAD, rng.choice(LEAD_TITLES)),
            (
                approver_email,
                Role.APPROVER,
                "Chief Executive" if organisation.kind == "trust" else "ICB Chief Executive",
            ),
        ):
            user = users.get(email) or _seeded_person(rng, email, title)
            wanted[f"{role}:{organisation.pk}"] = (user, role, organisation, None)
        ics = organisation.ics
        if f"reviewer:{ics.pk}" not in wanted:
            email = (
                "ics-reviewer@demo.nhs.uk"
                if ics.icb_ods_code == DEMO_ICS
                else f"reviewer.{ics.icb_ods_code.lower()}@demo.nhs.uk"
            )
            user = users.get(email) or _seeded_person(_rng("people", ics.icb_ods_code), email, "ICS Digital Lead")
            wanted[f"reviewer:{ics.pk}"] = (user, Role.ICS_REVIEWER, None, ics)
    new_users = {u.email: u for u, *_ in wanted.values() if u.pk is None}
    existing = {u.email: u for u in User.objects.filter(email__in=new_users)}
    User.objects.bulk_create([u for email, u in new_users.items() if email not in existing])
    users.update({u.email: u for u in User.objects.filter(email__in=new_users)})
    held = set(
        RoleAssignment.objects.filter(user__in=[users[u.email] for u, *_ in wanted.values()]).values_list(
            "user_id", "role", "organisation_id", "ics_id"
        )
    )
    assignments = []
    leads, approvers, reviewers = {}, {}, {}
    for user, role, organisation, ics in wanted.values():
        user = users[user.email]
        key = (user.pk, role, organisation.pk if organisation else None, ics.pk if ics else None)
        if key not in held:
            held.add(key)
            assignments.append(RoleAssignment(user=user, role=role, organisation=organisation, ics=ics))
        if role == Role.ASSESSMENT_LEAD:
            leads[organisation.pk] = user
        elif role == Role.APPROVER:
            approvers[organisation.pk] = user
        else:
            reviewers[ics.pk] = user
    bulk_create_with_history(assignments, RoleAssignment, batch_size=500)
    analyst = User.objects.get(email="analyst@demo.nhs.uk")
    return Actors(leads, approvers, reviewers, analyst)


@dataclass(frozen=True)
class Profile:
    """An organisation's place in the maturity model."""

    base: float
    growth: float
    domain_spread: float


def _profile(organisation: Organisation, exemplars: set[int]) -> Profile:
    rng = _rng("profile", organisation.ods_code)
    ics_effect = _rng("ics", organisation.ics.icb_ods_code).gauss(0, 0.25)
    if organisation.kind == Organisation.Kind.ICB:
        return Profile(BASELINE + 0.1 + ics_effect + rng.gauss(0, 0.15), rng.gauss(YEARLY_GROWTH, 0.08), 0.4)
    base = BASELINE + ics_effect + SETTING_EFFECT.get(organisation.main_care_setting or "", 0.0) + rng.gauss(0, 0.35)
    if organisation.pk in exemplars:
        base += EXEMPLAR_BONUS
    return Profile(base, rng.gauss(YEARLY_GROWTH, 0.1), 0.6)


def target_level(profile: Profile, ods_code: str, domain_key: str, measure_key: str, year: int) -> int:
    """The level an organisation reaches in a domain in the `year`-th demo cycle (0, 1, 2).

    A latent maturity per domain that grows each year by the organisation's growth plus a
    little noise, rounded to a whole level: most domains stay where they were from one year to
    the next, some rise by one, a few fall back (a stricter framework or an honest reassessment).
    """
    rng = _rng("domain", ods_code, domain_key)
    latent = profile.base + MEASURE_EFFECT.get(measure_key, 0.0) + rng.gauss(0, profile.domain_spread)
    for _ in range(year):
        latent += profile.growth + rng.gauss(0, 0.25)
    return max(0, min(5, math.floor(latent + 0.5)))


def ticks_for(criteria: dict[int, list[str]], level: int, rng: random.Random) -> list[str]:
    """Criteria ticked to reach exactly `level`: all of levels 1..level, often part of the next."""
    met = [key for number in range(1, level + 1) for key in criteria.get(number, [])]
    following = criteria.get(level + 1, [])
    if len(following) > 1 and rng.random() < 0.6:
        met += rng.sample(following, rng.randint(1, len(following) - 1))
    return met


@dataclass
class _Plan:
    """What one organisation does in one cycle."""

    status: str
    share_answered: float = 1.0


def _latest_status(organisation: Organisation, anomalies: Anomalies) -> _Plan:
    if anomalies.kind(organisation.ods_code):
        return _Plan(Assessment.Status.SUBMITTED)
    draw = _rng("status", organisation.ods_code).random()
    if draw < 0.07:
        return _Plan(Assessment.Status.DRAFT, share_answered=0.3 + draw * 7)
    if draw < 0.13:
        return _Plan(Assessment.Status.READY)
    if draw < 0.145:
        return _Plan(Assessment.Status.RETURNED)
    if draw < 0.45:
        return _Plan(Assessment.Status.SUBMITTED)
    return _Plan(Assessment.Status.VALIDATED)


def _board_date(latest: bool, real_closes_on: datetime.date, rng: random.Random) -> datetime.date:
    """A past cycle's boards met in the weeks before its submissions (see _backdate); this
    year's in the last few weeks."""
    if latest:
        return timezone.localdate() - datetime.timedelta(days=rng.randint(1, 20))
    return real_closes_on - datetime.timedelta(days=rng.randint(8, 40))


def _seed_organisation(
    *,
    cycle: Cycle,
    year: int,
    latest: bool,
    organisation: Organisation,
    criteria: dict[int, dict[int, list[str]]],
    actors: Actors,
    anomalies: Anomalies,
    profile: Profile,
    real_closes_on: datetime.date,
) -> Callable[[], object] | None:
    """One organisation's assessment for one cycle, answered and moved on through the services.

    Returns the ICS review still to do, run by the caller after this transaction has committed
    (and the submission been scored), as a reviewer would later."""
    from assessments.answers import Answer, evidence_add_link, response_save, responses_confirm_carried_forward
    from assessments.workflow import (
        assessment_mark_ready,
        assessment_return,
        assessment_sign_off_and_submit,
        assessment_validate,
    )

    lead, approver = actors.leads[organisation.pk], actors.approvers[organisation.pk]
    reviewer = actors.reviewers[organisation.ics_id]
    code = organisation.ods_code
    rng = _rng("answers", code, cycle.name)
    plan = _latest_status(organisation, anomalies) if latest else _Plan(Assessment.Status.VALIDATED)
    anomaly = anomalies.kind(code) if latest else ""
    # Most organisations attach evidence to every claim of level 3 or above; some are patchy.
    evidence_rate = 0.0 if code in anomalies.no_evidence else (0.75 if _rng("patchy", code).random() < 0.15 else 1.0)
    assessment = Assessment.objects.select_related("cycle", "organisation").get(cycle=cycle, organisation=organisation)
    responses = list(
        assessment.responses.select_related("domain__measure", "carried_forward_from").order_by(
            "domain__measure__position", "domain__position"
        )
    )
    with_evidence = set(Evidence.objects.filter(response__assessment=assessment).values_list("response_id", flat=True))
    jump_domains = (
        set(rng.sample(range(len(responses)), min(len(responses), rng.randint(4, 6))))
        if anomaly in {"jumpers", "no_evidence"}
        else set()
    )

    for index, response in enumerate(responses):
        domain = response.domain
        levels = criteria[domain.pk]
        if plan.status == Assessment.Status.DRAFT and rng.random() > plan.share_answered:
            continue  # a draft still has answers to review
        carried = response.status == DomainResponse.Status.CARRIED_FORWARD
        # Last year's level of the domain this one continues (for a split domain, the whole).
        before = response.carried_forward_from.level if carried and response.carried_forward_from else None
        latent_key = domain.replaces[0] if domain.replaces else domain.key
        level = target_level(profile, code, latent_key, domain.measure.key, year)
        notes = NOTES_BY_LEVEL[level] if rng.random() > 0.12 else ""
        if anomaly == "jumpers" and index in jump_domains and before is not None:
            level, notes = min(5, before + 2), response.notes  # the notes say nothing of the jump
        elif anomaly == "no_evidence" and index in jump_domains:
            level = 4
        elif anomaly == "inflators" and domain.measure.key == "empower_citizens":
            level = 5
        elif anomaly == "deflators" and domain.measure.key == "smart_foundations":
            level = rng.randint(0, 1)
        elif before is not None:
            if level == response.level == before:
                continue  # last year's answer still holds: confirmed below with the others
            if level > before:
                notes = f"Up from level {before} last year: {NOTES_BY_LEVEL[level]}"
            elif level < before:
                notes = (
                    f"Down from level {before} last year after reassessment against this year's criteria. "
                    f"{NOTES_BY_LEVEL[level]}"
                )
            else:
                notes = f"Still level {before}, reviewed against this year's criteria. {NOTES_BY_LEVEL[level]}"
        complete = plan.status != Assessment.Status.DRAFT or rng.random() < 0.7
        response = response_save(
            response_id=response.pk,
            expected_version=response.version,
            answer=Answer(met_criteria=ticks_for(levels, level, rng), notes=notes, complete=complete),
            actor=lead,
        )
        if response.level >= 3 and response.pk not in with_evidence and rng.random() < evidence_rate:
            evidence_add_link(
                response_id=response.pk,
                url=f"https://evidence.example.org/{code.lower()}/{cycle.slug}/{domain.key}",
                title=(domain.evidence_expected or [f"{domain.name} evidence"])[0][:200],
                actor=lead,
            )
    if plan.status == Assessment.Status.DRAFT:
        # Every draft has been started: at least last year's Well led answers are confirmed.
        responses_confirm_carried_forward(assessment=assessment, actor=lead, measure_key="well_led")
        return None
    responses_confirm_carried_forward(assessment=assessment, actor=lead)
    assessment_mark_ready(assessment=assessment, actor=lead)
    if plan.status == Assessment.Status.READY:
        return None
    assessment_sign_off_and_submit(
        assessment=assessment,
        actor=approver,
        name=approver.get_full_name() or approver.email,
        role=approver.job_title or "Chief Executive",
        meeting_date=_board_date(latest, real_closes_on, rng),
        minute_reference=f"TB/{cycle.name[2:4]}/{rng.randint(20, 140):03d}",
    )
    if plan.status == Assessment.Status.RETURNED:
        return lambda: assessment_return(
            assessment=assessment,
            actor=reviewer,
            comment="Please add evidence for the level 3 claims in Safe practice "
            "and explain the rise in Smart foundations.",
        )
    if plan.status == Assessment.Status.VALIDATED:
        return lambda: assessment_validate(
            assessment=assessment, actor=reviewer, comment="Consistent with the ICS digital board's view."
        )
    return None


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
    anomalies = demo_anomalies()
    exemplars = set(
        Organisation.objects.filter(programmes__key="global_digital_exemplar_acute_2016").values_list("pk", flat=True)
    )
    # Eager Celery logs every task it runs; thousands of "succeeded" lines would bury the summary.
    trace_logger = logging.getLogger("celery.app.trace")
    trace_level = trace_logger.level
    trace_logger.setLevel(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            _seed_cycles(selected, actors, anomalies, exemplars, say)
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
    from assessments.cycles import cycle_open
    from assessments.workflow import cycle_publish

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
            # Past cycles are read-only after their closing date: open it while it is seeded.
            Cycle.objects.filter(pk=cycle.pk).update(**open_now)
            cycle.refresh_from_db()
            cycle_open(cycle=cycle)
            criteria = _criteria_by_domain(cycle.framework_id)
            started = time.perf_counter()
            for organisation in todo:
                with transaction.atomic():
                    review = _seed_organisation(
                        cycle=cycle,
                        year=year,
                        latest=latest,
                        organisation=organisation,
                        criteria=criteria,
                        actors=actors,
                        anomalies=anomalies,
                        profile=_profile(organisation, exemplars),
                        real_closes_on=spec.closes_on or open_now["closes_on"],
                    )
                if review is not None:
                    review()
            say(f"{cycle.name}: {len(todo)} organisations answered in {time.perf_counter() - started:.1f} s")
        if not latest:
            if todo or cycle.release != Cycle.Release.FINAL:
                cycle_publish(cycle=cycle, actor=actors.analyst, final=False)
                cycle_publish(cycle=cycle, actor=actors.analyst, final=True)
            Cycle.objects.filter(pk=cycle.pk).update(opens_on=spec.opens_on, closes_on=spec.closes_on)
            if todo:
                _backdate(cycle, spec, since)


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


def _criteria_by_domain(framework_id: int) -> dict[int, dict[int, list[str]]]:
    criteria: dict[int, dict[int, list[str]]] = {}
    for domain_id, number, key in (
        Criterion.objects.filter(domain__framework_id=framework_id)
        .order_by("level__number", "position")
        .values_list("domain_id", "level__number", "key")
    ):
        criteria.setdefault(domain_id, {}).setdefault(number, []).append(key)
    return criteria


def _mean(values: list) -> float | None:
    return sum(float(v) for v in values) / len(values) if values else None


def demo_summary(*, organisations: list[Organisation] | None = None) -> list[str]:
    """Per demo cycle: national mean overall score, mean per measure, ICS range, statuses, flags."""
    from assessments.models import MeasureScore

    ids = [o.pk for o in organisations] if organisations is not None else None
    lines = []
    for cycle in Cycle.objects.filter(name__in=[c.name for c in DEMO_CYCLES]).order_by("name"):
        assessments = Assessment.objects.filter(cycle=cycle)
        if ids is not None:
            assessments = assessments.filter(organisation_id__in=ids)
        scores = AssessmentScore.objects.filter(assessment__in=assessments, overall__isnull=False)
        overall = list(scores.values_list("overall", "assessment__organisation__ics__name"))
        by_ics: dict[str, list] = {}
        for value, ics in overall:
            by_ics.setdefault(ics, []).append(value)
        ics_means = [_mean(v) for v in by_ics.values()]
        mean = _mean([v for v, _ in overall])
        lines.append(
            f"{cycle.name} ({cycle.get_release_display().lower()}, "
            f"{cycle.opens_on:%d %b %Y} to {cycle.closes_on:%d %b %Y}): "
            + (f"national mean {mean:.2f} over {len(overall)} scored" if mean is not None else "nothing scored yet")
            + (f", ICS means {min(ics_means):.1f} to {max(ics_means):.1f}" if ics_means else "")
        )
        measures: dict[str, list] = {}
        for name, value in (
            MeasureScore.objects.filter(score__in=scores).order_by("position").values_list("measure_name", "value")
        ):
            measures.setdefault(name, []).append(value)
        lines.append("  " + ", ".join(f"{name} {_mean(values):.2f}" for name, values in measures.items()))
        statuses = Counter(assessments.values_list("status", flat=True))
        lines.append("  " + ", ".join(f"{Assessment.Status(s).label.lower()} {n}" for s, n in sorted(statuses.items())))
        flag_model = _flag_model()
        if flag_model is not None:
            flagged = flag_model.objects.filter(assessment__in=assessments).values("assessment").distinct().count()
            lines.append(f"  organisations with validation flags: {flagged}")
    return lines


def _flag_model():
    """Validation flags, when the installed assessments app has them."""
    if not apps.is_installed("assessments"):
        return None
    try:
        return apps.get_model("assessments", "ValidationFlag")
    except LookupError:
        return None
