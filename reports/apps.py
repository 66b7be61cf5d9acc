from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from assessments.services.scoring import on_rescored
        from reports import (
            access,  # noqa: F401  (registers the report rules with the access module)
            pack_tasks,  # noqa: F401  (the ICS pack tasks: autodiscovery finds only reports.tasks)
        )
        from reports.services import report_refresh_if_stale
        from reports.tasks import queue_figures_after_rescored

        # Reports sit above assessments, so they register for the explicit re-scored hook rather
        # than being called by scoring: every way of re-scoring regenerates a stale report.
        on_rescored("board reports", lambda assessment_id: report_refresh_if_stale(assessment_id=assessment_id))
        # And every re-scoring moves the cycle's comparison figures (coalesced, see reports.tasks).
        on_rescored("comparison figures", queue_figures_after_rescored)
