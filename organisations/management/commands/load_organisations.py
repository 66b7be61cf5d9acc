from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from organisations.reference_data import DEFAULT_DATA_DIR, ReferenceDataError
from organisations.services import organisations_load_reference_data


class Command(BaseCommand):
    help = "Load or refresh NHS regions, ICSs, ICBs and trusts from the reference extract (upsert by ODS code)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="folder holding regions.csv, icbs.csv, ..."
        )

    def handle(self, *args, data_dir: Path, **options):
        try:
            summary = organisations_load_reference_data(directory=data_dir)
        except ReferenceDataError as error:
            raise CommandError(f"Nothing was loaded: {len(error.errors)} problem(s) in {data_dir}:\n{error}") from error
        for line in summary.lines():
            self.stdout.write(line)
