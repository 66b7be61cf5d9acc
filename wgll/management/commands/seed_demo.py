from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from organisations.models import Role
from wgll.demo import DEMO_PASSWORD, demo_cycle_open, demo_users_create


class Command(BaseCommand):
    help = "Create demo people for every role and print how to sign in (never in production)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo prints a shared password and must not run in production mode.")
        people = demo_users_create()
        self.stdout.write(demo_cycle_open())
        self.stdout.write(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD})")
        for person, where in people:
            role = Role(person.role).label if person.role else "Service desk (superuser, admin)"
            self.stdout.write(f"  {person.email:<30} {role:<28} {where}")
