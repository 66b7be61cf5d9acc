from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Registers the report rules with the one access module.
        from reports import access  # noqa: F401
