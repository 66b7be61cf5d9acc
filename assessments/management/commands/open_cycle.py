import datetime

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Cycle
from assessments.services.cycles import cycle_open
from framework.models import FrameworkVersion


class Command(BaseCommand):
    help = "Create (if needed) and open an assessment cycle: one assessment per in-scope organisation. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("name", help="cycle name, e.g. 2025/26")
        parser.add_argument("--framework", help="framework version (defaults to the cycle name)")
        parser.add_argument("--opens", type=datetime.date.fromisoformat, help="opening date YYYY-MM-DD")
        parser.add_argument("--closes", type=datetime.date.fromisoformat, help="closing date YYYY-MM-DD")

    def handle(self, *args, name, framework, opens, closes, **options):
        cycle = Cycle.objects.filter(name=name).first()
        if cycle is None:
            version = FrameworkVersion.objects.filter(version=framework or name).first()
            if version is None:
                raise CommandError(f"Framework version {framework or name!r} is not loaded; run load_framework first.")
            if not opens or not closes:
                raise CommandError("A new cycle needs --opens and --closes dates.")
            if closes < opens:
                raise CommandError("--closes must not be before --opens.")
            cycle = Cycle.objects.create(name=name, framework=version, opens_on=opens, closes_on=closes)
        summary = cycle_open(cycle=cycle)
        self.stdout.write(
            f"{cycle.name}: {summary.created} assessments created ({summary.prefilled} domains pre-filled from "
            f"last year), {summary.already_open} already open"
        )
