"""Configuration comes from the environment, with safe defaults and a strict production mode."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def settings_in(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "WGLL_MODE"}
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG, s.SESSION_COOKIE_SECURE)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "wgll.settings", **env},
    )  # fmt: skip


def test_defaults_are_sqlite_in_process_tasks_and_no_debug():
    result = settings_in({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "False", "False"]


def test_a_broker_url_sends_tasks_to_workers_and_a_database_url_is_used():
    result = settings_in({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0", "DATABASE_URL": "postgres://u@h:5432/d"})
    assert result.stdout.split()[:2] == ["django.db.backends.postgresql", "False"]


def test_production_refuses_to_start_without_secret_key_and_allowed_hosts():
    result = settings_in({"WGLL_MODE": "production"})
    assert result.returncode != 0
    assert "Production mode needs SECRET_KEY, ALLOWED_HOSTS set in the environment" in result.stderr


def test_production_refuses_debug():
    result = settings_in(
        {"WGLL_MODE": "production", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "dma.nhs.uk", "DEBUG": "true"}
    )
    assert result.returncode != 0 and "DEBUG must not be on" in result.stderr


def test_production_with_its_settings_starts_with_secure_cookies():
    result = settings_in({"WGLL_MODE": "production", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "dma.nhs.uk"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "True"


def test_debug_only_when_asked():
    assert settings_in({"DEBUG": "true"}).stdout.split()[2] == "True"


def inprocess_mode(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings as s; print(s.WGLL_INPROCESS_TASKS)"
    clean = {key: value for key, value in os.environ.items() if key != "WGLL_INPROCESS_TASKS"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "wgll.settings", **env},
    )  # fmt: skip


def test_in_process_tasks_run_on_a_background_thread_unless_told_to_run_inline():
    assert inprocess_mode({}).stdout.strip() == "thread"
    assert inprocess_mode({"WGLL_INPROCESS_TASKS": "eager"}).stdout.strip() == "eager"
    refused = inprocess_mode({"WGLL_INPROCESS_TASKS": "later"})
    assert refused.returncode != 0 and "WGLL_INPROCESS_TASKS must be 'thread' or 'eager'" in refused.stderr
