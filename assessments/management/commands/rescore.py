import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments.selectors import scored_since, submitted_assessments
from assessments.services.scoring import assessments_rescore_request

BAR_WIDTH = 20


def progress_line(done: int, total: int) -> str:
    """'[##########----------]  50% scored (122 of 244)': a bar, the percentage and the step."""
    per_cent = 100 if not total else round(100 * done / total)
    filled = BAR_WIDTH * per_cent // 100
    return f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {per_cent:3d}% scored ({done} of {total})"


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
        ids = list(submitted_assessments(cycle_name=cycle, ods_code=organisation).values_list("pk", flat=True))
        started = timezone.now()
        request = assessments_rescore_request(assessment_ids=ids)
        queued = request.queued
        self.stdout.write(f"Queued {queued} of {len(ids)} submitted assessments for scoring.")
        if queued < len(ids):
            # True since each is marked for re-scoring: the scoring sweep queues what is marked.
            self.stderr.write(f"{len(ids) - queued} could not be queued now; the periodic sweep will retry them.")
        deadline = time.monotonic() + wait
        while wait:
            done = scored_since(ids, started)
            self.stdout.write(progress_line(done, len(ids)))
            if done >= len(ids) or time.monotonic() >= deadline:
                break
            time.sleep(1)
