import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.history import demo_history_seed
from demo.knowledge import demo_knowledge_seed
from demo.people import DEMO_PASSWORD, demo_users_create
from organisations.models import Role


class Command(BaseCommand):
    help = (
        "Create demo people for every role and three cycles of demo assessments for every organisation, "
        "then print how to sign in (never in production). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--organisation",
            action="append",
            dest="organisations",
            metavar="ODS",
            help="Seed only this organisation (repeatable); default: every organisation.",
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo prints a shared password and must not run in production mode.")
        started = time.perf_counter()
        people = demo_users_create()
        for line in demo_history_seed(organisations=options["organisations"], progress=self.stdout.write):
            self.stdout.write(line)
        for line in demo_knowledge_seed():
            self.stdout.write(line)
        self.stdout.write(f"Demo data ready in {time.perf_counter() - started:.0f} s")
        self.stdout.write(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD})")
        for person, where in people:
            role = Role(person.role).label if person.role else "Service desk (superuser, admin)"
            self.stdout.write(f"  {person.email:<30} {role:<28} {where}")
