from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        # Registers the assessment rules with the one access module.
        from assessments import access  # noqa: F401
        from assessments.services.responses import responses_hand_back
        from organisations.services.team import on_contribution_ended

        # Assessments sit above organisations, so they register for the team's explicit hook:
        # whoever leaves a team (or becomes a viewer) hands back the domains assigned to them.
        on_contribution_ended(
            "assigned domains",
            lambda organisation, member, actor: responses_hand_back(
                organisation=organisation, member=member, actor=actor
            ),
        )
