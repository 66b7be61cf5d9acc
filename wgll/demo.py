"""Demo people for every role, for a local portal and for trying the service.

Never run in production (the command refuses): the password is printed for anyone to read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

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


@transaction.atomic
def demo_cycle_open() -> str:
    """An open 2025/26 cycle for the demo: opened a month ago, closing in three months."""
    from assessments.cycles import cycle_open
    from assessments.models import Cycle
    from wgll.framework.models import FrameworkVersion

    today = timezone.localdate()
    cycle, _ = Cycle.objects.get_or_create(
        name="2025/26",
        defaults={
            "framework": FrameworkVersion.objects.get(version="2025/26"),
            "opens_on": today - datetime.timedelta(days=30),
            "closes_on": today + datetime.timedelta(days=90),
        },
    )
    summary = cycle_open(cycle=cycle)
    total = summary.created + summary.already_open
    return f"Cycle {cycle.name} open until {cycle.closes_on:%d %B %Y}: {total} assessments"
