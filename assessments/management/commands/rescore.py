import time
from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments.selectors import scored_since, submitted_assessments
from assessments.tasks import queue_cycle_rescore


class Command(BaseCommand):
    help = (
        "Re-score the submitted assessments of a cycle and/or an organisation: one bulk task per cycle "
        "(assessments whose figures are unchanged keep them and make no new board report)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cycle", help="cycle name, e.g. 2025/26")
        parser.add_argument("--organisation", help="ODS code of one organisation")
        parser.add_argument("--wait", type=int, default=0, help="seconds to wait for the workers, reporting progress")

    def handle(self, *args, cycle, organisation, wait, **options):
        if not cycle and not organisation:
            raise CommandError("Name a --cycle, an --organisation, or both.")
        by_cycle: dict[int, list[int]] = defaultdict(list)
        for pk, cycle_id in submitted_assessments(cycle_name=cycle, ods_code=organisation).values_list(
            "pk", "cycle_id"
        ):
            by_cycle[cycle_id].append(pk)
        ids = [pk for pks in by_cycle.values() for pk in pks]
        started = timezone.now()
        # A whole cycle is named by its id alone, so the task also scores one submitted meanwhile.
        queued = sum(
            len(pks)
            for cycle_id, pks in by_cycle.items()
            if queue_cycle_rescore(cycle_id, pks if organisation else None)
        )
        self.stdout.write(f"Queued {queued} of {len(ids)} submitted assessments for scoring.")
        if queued < len(ids):
            self.stderr.write(f"{len(ids) - queued} could not be queued now: run this again once the broker is back.")
        deadline = time.monotonic() + wait
        while wait:
            done = scored_since(ids, started)
            self.stdout.write(f"Scored {done} of {len(ids)}")
            if done >= len(ids) or time.monotonic() >= deadline:
                break
            time.sleep(1)
