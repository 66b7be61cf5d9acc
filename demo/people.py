"""Demo people: one for every role (printed on start), and seeded colleagues who act in the
demo history (a lead and an approver for every organisation, a reviewer for every ICS).

Never run in production (the command refuses): the password is printed for anyone to read.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from demo.model import FIRST_NAMES, LAST_NAMES, LEAD_TITLES, rng_for
from organisations.models import IntegratedCareSystem, Organisation, Role, RoleAssignment, User

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


@dataclass(frozen=True)
class Actors:
    leads: dict[int, User]
    approvers: dict[int, User]
    reviewers: dict[int, User]  # by ICS id
    analyst: User


def seeded_person(rng: random.Random, email: str, job_title: str) -> User:
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
        rng = rng_for("people", organisation.ods_code)
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
            user = users.get(email) or seeded_person(rng, email, title)
            wanted[f"{role}:{organisation.pk}"] = (user, role, organisation, None)
        ics = organisation.ics
        if f"reviewer:{ics.pk}" not in wanted:
            email = (
                "ics-reviewer@demo.nhs.uk"
                if ics.icb_ods_code == DEMO_ICS
                else f"reviewer.{ics.icb_ods_code.lower()}@demo.nhs.uk"
            )
            user = users.get(email) or seeded_person(rng_for("people", ics.icb_ods_code), email, "ICS Digital Lead")
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
