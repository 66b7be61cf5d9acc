from django.apps import AppConfig
from django.core.signals import request_finished, request_started


class FrameworkConfig(AppConfig):
    name = "framework"
    label = "framework"
    verbose_name = "WGLL framework"

    def ready(self) -> None:
        from framework.selectors import forget_states_after_this_request, remember_states_for_this_request

        request_started.connect(remember_states_for_this_request, dispatch_uid="framework-states-start")
        request_finished.connect(forget_states_after_this_request, dispatch_uid="framework-states-end")
