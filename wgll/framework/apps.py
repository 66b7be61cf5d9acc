from django.apps import AppConfig


class FrameworkConfig(AppConfig):
    name = "wgll.framework"
    label = "framework"
    verbose_name = "WGLL framework"
