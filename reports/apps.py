from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Registers the report rules with the one access module.
        from celery.signals import task_success

        from reports import access  # noqa: F401
        from reports.tasks import regenerate_after_scoring

        # Reports sit above assessments, so they listen for scoring rather than being called by it.
        task_success.connect(regenerate_after_scoring, weak=False, dispatch_uid="reports-regenerate-after-scoring")
