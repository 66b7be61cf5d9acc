"""The Celery application.

With no broker configured (the embedded default) tasks run in-process, so a laptop needs
neither Redis nor a worker; production and CI point CELERY_BROKER_URL at Redis.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wgll.settings")

app = Celery("wgll")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
