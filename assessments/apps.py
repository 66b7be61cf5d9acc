from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        # Registers the assessment rules with the one access module.
        from assessments import access  # noqa: F401
