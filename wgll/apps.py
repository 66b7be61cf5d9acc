from django.apps import AppConfig


class WgllConfig(AppConfig):
    name = "wgll"
    verbose_name = "Portal"
