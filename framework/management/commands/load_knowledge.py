from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from framework.definition import DefinitionError
from framework.knowledge_services import KNOWLEDGE_DIR, knowledge_load


class Command(BaseCommand):
    help = "Validate and load the reviewed knowledge-base files (a YAML file, or a folder of them)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, default=KNOWLEDGE_DIR)

    def handle(self, *args, path: Path, **options):
        if not path.exists():
            raise CommandError(f"{path}: no such file or folder")
        try:
            outcome = knowledge_load(path=path)
        except DefinitionError as error:
            raise CommandError(f"Nothing was loaded: {len(error.problems)} problem(s):\n{error}") from error
        self.stdout.write(str(outcome))
