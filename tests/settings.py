"""Test settings: the real settings, with fast hashing and mail kept in memory."""

import tempfile

from wgll.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="wgll-test-media-")
# Unit and page tests run tasks in-process, inside the call that queued them, so a test sees
# their outcome at once (not on the development default's background thread: assessments.tasks);
# tests marked needs_worker use a real worker.
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
WGLL_INPROCESS_TASKS = "eager"
CELERY_RESULT_BACKEND = None
