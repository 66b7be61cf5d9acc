from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from assessments.services.plans import on_plan_signed_off
        from assessments.services.publication import on_published
        from assessments.services.pulse import on_pulse_opened_or_closed
        from assessments.services.scoring import on_rescored
        from reports import (
            access,  # noqa: F401  (registers the report rules with the access module)
            national_file_tasks,  # noqa: F401  (the national files task, like the pack tasks)
            pack_tasks,  # noqa: F401  (the ICS pack tasks: autodiscovery finds only reports.tasks)
        )
        from reports.national_files import national_release_first
        from reports.services import reports_refresh_if_stale
        from reports.tasks import queue_cycle_figures

        # Reports sit above assessments, so they register for the explicit re-scored hook rather
        # than being called by scoring: every way of re-scoring regenerates a stale report.
        on_rescored("board reports", lambda cycle_id, assessment_ids: reports_refresh_if_stale(assessment_ids))
        # And every re-scoring moves the cycle's comparison figures (coalesced, see reports.tasks).
        on_rescored("comparison figures", lambda cycle_id, assessment_ids: queue_cycle_figures(cycle_id))
        # A plan signed off (or reopened) changes what its board report shows, and the national
        # count of targets (counted with the cycle's figures; the figures sweep re-drives both).
        on_plan_signed_off("board reports", lambda cycle_id, assessment_id: reports_refresh_if_stale([assessment_id]))
        on_plan_signed_off("target counts", lambda cycle_id, assessment_id: queue_cycle_figures(cycle_id))
        # A report shows the staff pulse: opening or closing it makes the report out of date.
        on_pulse_opened_or_closed("board reports", lambda assessment_id: reports_refresh_if_stale([assessment_id]))
        # Publishing a cycle makes version 1 of its national files (the sweep makes it if lost).
        on_published("national files", lambda cycle_id: national_release_first(cycle_id=cycle_id))
