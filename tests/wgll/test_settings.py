"""Configuration comes from the environment, with safe defaults and a strict production mode."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


# DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests in this process, never in a deployment.
SET_BY_TESTS = {
    "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "WGLL_MODE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}  # fmt: skip


def settings_in(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in SET_BY_TESTS}
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG, s.SESSION_COOKIE_SECURE, "
        "s.SITE_URL)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "wgll.settings", **env},
    )  # fmt: skip


PRODUCTION = {"WGLL_MODE": "production", "SECRET_KEY": "test-only-" + "0123456789" * 5, "ALLOWED_HOSTS": "dma.nhs.uk"}
SITE = {"SITE_URL": "https://dma.nhs.uk"}


def test_defaults_are_sqlite_in_process_tasks_and_no_debug():
    result = settings_in({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "False", "False", "http://127.0.0.1:8000"]


def test_a_broker_url_sends_tasks_to_workers_and_a_database_url_is_used():
    result = settings_in({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0", "DATABASE_URL": "postgres://u@h:5432/d"})
    assert result.stdout.split()[:2] == ["django.db.backends.postgresql", "False"]


def test_production_refuses_to_start_without_secret_key_allowed_hosts_and_site_url():
    result = settings_in({"WGLL_MODE": "production"})
    assert result.returncode != 0
    assert "Production mode needs SECRET_KEY, ALLOWED_HOSTS, SITE_URL set in the environment" in result.stderr


@pytest.mark.parametrize(
    ("key", "hosts", "words"),
    [
        ("short-key", "dma.nhs.uk", "SECRET_KEY must be at least 50 characters"),
        ("x" * 60, "dma.nhs.uk", "at least 5 different ones"),
        ("test-only-" + "0123456789" * 5, "*", "ALLOWED_HOSTS must name the portal's host names, not '*'"),
        ("test-only-" + "0123456789" * 5, "dma.nhs.uk,*", "not '*'"),
    ],
)
def test_production_refuses_a_weak_secret_key_or_any_host(key, hosts, words):
    result = settings_in({**PRODUCTION, **SITE, "SECRET_KEY": key, "ALLOWED_HOSTS": hosts})
    assert result.returncode != 0 and words in result.stderr


def test_production_refuses_to_start_without_site_url():
    result = settings_in(PRODUCTION)
    assert result.returncode != 0
    assert "Production mode needs SITE_URL set in the environment" in result.stderr


@pytest.mark.parametrize("site_url", ["http://dma.nhs.uk", "dma.nhs.uk", "https://"])
def test_production_refuses_a_site_url_that_is_not_an_https_address(site_url):
    result = settings_in({**PRODUCTION, "SITE_URL": site_url})
    assert result.returncode != 0
    assert "SITE_URL must be the portal's https:// address in production mode" in result.stderr


def test_production_refuses_debug():
    result = settings_in({**PRODUCTION, **SITE, "DEBUG": "true"})
    assert result.returncode != 0 and "DEBUG must not be on" in result.stderr


def test_production_with_its_settings_starts_with_secure_cookies_and_its_site_url():
    result = settings_in({**PRODUCTION, "SITE_URL": "https://dma.nhs.uk/"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["True", "https://dma.nhs.uk"]


def test_site_url_comes_from_the_environment_in_development():
    assert settings_in({"SITE_URL": "http://localhost:8080"}).stdout.split()[-1] == "http://localhost:8080"


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


def test_with_a_broker_there_is_no_result_backend_unless_one_is_set_and_publishing_fails_fast():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "o = s.CELERY_BROKER_TRANSPORT_OPTIONS; "
        "print(s.CELERY_RESULT_BACKEND, s.CELERY_TASK_IGNORE_RESULT, o['max_retries'], o['socket_connect_timeout'], "
        "o['socket_timeout'], s.PUBLISH_BACKOFF_SECONDS)"
    )
    clean = {key: value for key, value in os.environ.items() if key not in SET_BY_TESTS | {"CELERY_RESULT_BACKEND"}}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "wgll.settings", "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert result.stdout.split() == ["None", "True", "0", "0.5", "1", "10.0"], result.stderr


def jinja_in(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in SET_BY_TESTS | {"JINJA_BYTECODE_CACHE_DIR"}}
    code = (
        "import django; django.setup(); from django.template import engines; e = engines['jinja2'].env; "
        "e.get_template('layouts/base.html'); c = e.bytecode_cache; "
        "print(e.auto_reload, type(c).__name__, c.directory if c else '-', e.cache.capacity)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "wgll.settings", **env},
    )  # fmt: skip


def test_production_compiles_templates_once_and_keeps_the_bytecode_on_disk(tmp_path):
    cache = tmp_path / "jinja"
    result = jinja_in({**PRODUCTION, **SITE, "JINJA_BYTECODE_CACHE_DIR": str(cache)})
    assert result.returncode == 0, result.stderr
    auto_reload, kind, directory, capacity = result.stdout.split()
    assert (auto_reload, kind, directory) == ("False", "FileSystemBytecodeCache", str(cache))
    assert int(capacity) >= 400  # every page and macro file stays compiled in memory too
    assert list(cache.glob("__jinja2_*.cache"))  # the layout and the macros it imports


def test_development_reloads_changed_templates_only_with_debug():
    assert jinja_in({}).stdout.split()[:3] == ["False", "NoneType", "-"]
    assert jinja_in({"DEBUG": "true"}).stdout.split()[:2] == ["True", "NoneType"]


def test_production_refuses_template_auto_reload():
    result = jinja_in({**PRODUCTION, **SITE, "JINJA_AUTO_RELOAD": "true"})
    assert result.returncode != 0
    assert "JINJA_AUTO_RELOAD must not be on in production mode" in result.stderr


def test_the_deployment_check_finds_nothing_in_production_mode():
    clean = {key: value for key, value in os.environ.items() if key not in SET_BY_TESTS}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**clean, "DJANGO_SETTINGS_MODULE": "wgll.settings", **PRODUCTION, **SITE},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (1 silenced)" in result.stdout


def test_the_join_collapse_limit_comes_from_the_environment_and_keeps_options_from_the_url():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['OPTIONS']['options'])"
    )
    clean = {key: value for key, value in os.environ.items() if key not in SET_BY_TESTS}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "wgll.settings", "DATABASE_JOIN_COLLAPSE_LIMIT": "6",
             "DATABASE_URL": "postgres://u@db:5432/wgll?options=-c%20statement_timeout%3D5000"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "-c statement_timeout=5000 -c join_collapse_limit=6 -c from_collapse_limit=6"
