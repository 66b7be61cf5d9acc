import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments.models import Assessment, AssessmentScore
from assessments.tasks import queue_scoring


class Command(BaseCommand):
    help = "Re-score submitted assessments of a cycle and/or organisation by fanning out scoring tasks."

    def add_arguments(self, parser):
        parser.add_argument("--cycle", help="cycle name, e.g. 2025/26")
        parser.add_argument("--organisation", help="ODS code of one organisation")
        parser.add_argument("--wait", type=int, default=0, help="seconds to wait for the workers, reporting progress")

    def handle(self, *args, cycle, organisation, wait, **options):
        if not cycle and not organisation:
            raise CommandError("Name a --cycle, an --organisation, or both.")
        assessments = Assessment.objects.filter(status__in=Assessment.SUBMITTED_OR_LATER)
        if cycle:
            assessments = assessments.filter(cycle__name=cycle)
        if organisation:
            assessments = assessments.filter(organisation__ods_code=organisation)
        ids = list(assessments.values_list("pk", flat=True))
        started = timezone.now()
        queued = sum(queue_scoring(pk) for pk in ids)
        self.stdout.write(f"Queued {queued} of {len(ids)} submitted assessments for scoring.")
        if queued < len(ids):
            self.stderr.write(f"{len(ids) - queued} could not be queued now; the periodic sweep will retry them.")
        deadline = time.monotonic() + wait
        while wait:
            done = AssessmentScore.objects.filter(assessment_id__in=ids, scored_at__gte=started).count()
            self.stdout.write(f"Scored {done} of {len(ids)}")
            if done >= len(ids) or time.monotonic() >= deadline:
                break
            time.sleep(1)
