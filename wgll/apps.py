from django.apps import AppConfig


class WgllConfig(AppConfig):
    name = "wgll"
    verbose_name = "Portal"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from wgll.sessions import stamp_sign_in

        user_logged_in.connect(stamp_sign_in, dispatch_uid="wgll.sessions.stamp_sign_in")
