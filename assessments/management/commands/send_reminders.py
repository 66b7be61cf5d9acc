from django.core.management.base import BaseCommand

from assessments.services.reminders import reminders_send


class Command(BaseCommand):
    help = (
        "Send the reminders due today (what Celery beat does every REMINDERS_SWEEP_SECONDS; for the "
        "embedded default, which runs no beat). Idempotent: at most one of each kind a person a day."
    )

    def handle(self, *args, **options):
        sent = reminders_send()
        if sent:
            self.stdout.write("Sent: " + ", ".join(f"{count} {kind}" for kind, count in sorted(sent.items())))
        else:
            self.stdout.write("No reminders are due.")
