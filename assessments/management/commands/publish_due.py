from django.core.management.base import BaseCommand

from assessments.services.publication import cycles_publish_due


class Command(BaseCommand):
    help = (
        "Publish every cycle whose announced publication time has come (what Celery beat does every "
        "PUBLICATION_SWEEP_SECONDS; for the embedded default, which runs no beat). Idempotent."
    )

    def handle(self, *args, **options):
        published = cycles_publish_due()
        if published:
            self.stdout.write(f"Published: {', '.join(published)}")
        else:
            self.stdout.write("No cycle is due for publication.")
