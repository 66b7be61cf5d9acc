from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from framework.definition import DefinitionError
from framework.services import DEFINITIONS_DIR, framework_load


class Command(BaseCommand):
    help = "Validate and load framework definition files (a YAML file, or a folder of them in version order)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, default=DEFINITIONS_DIR)

    def handle(self, *args, path: Path, **options):
        if not path.exists():
            raise CommandError(f"{path}: no such file or folder")
        try:
            outcomes = framework_load(path=path)
        except DefinitionError as error:
            raise CommandError(f"Nothing was loaded: {len(error.problems)} problem(s):\n{error}") from error
        for outcome in outcomes:
            self.stdout.write(str(outcome))
