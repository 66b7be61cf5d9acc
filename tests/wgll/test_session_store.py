"""Sessions read from the shared Redis cache and kept in the database (wgll/session_store.py):
a signed-in page reads its session without a query, sign-out removes the cached copy, and while
Redis is down every page, sign-in and sign-out still work from the database."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from tests.factories import UserFactory
from tests.services import TEST_REDIS_URL
from wgll import session_store

pytestmark = pytest.mark.django_db

REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": TEST_REDIS_URL}}
# Nothing listens on port 1: every cache call fails at once, as with Redis stopped.
DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}
STORE = "wgll.session_store"


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch):
    monkeypatch.setattr(session_store, "_reads_skipped_until", 0.0)


def cache_key(session_key: str) -> str:
    return session_store.SessionStore.cache_key_prefix + session_key


def session_queries(client, path="/") -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]


def test_settings_choose_the_cached_store_only_for_a_shared_redis_cache():
    from django.conf import settings

    redis_cache = settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    assert (settings.SESSION_ENGINE == STORE) == redis_cache


@pytest.mark.needs_redis
@override_settings(SESSION_ENGINE=STORE, CACHES=REDIS)
def test_a_signed_in_page_reads_its_session_from_the_cache_not_the_database(client):
    caches["default"].clear()
    client.force_login(UserFactory())
    client.get(reverse("home"))  # the first page may stamp activity
    assert session_queries(client) == []
    import redis

    key = caches["default"].make_key(cache_key(client.cookies["sessionid"].value))
    ttl = redis.Redis.from_url(TEST_REDIS_URL).ttl(key)
    assert 0 < ttl <= session_store.CACHED_SECONDS  # a copy the cache missed a change of is short-lived


@pytest.mark.needs_redis
@override_settings(SESSION_ENGINE=STORE, CACHES=REDIS)
def test_signing_out_ends_the_cached_session_too(client):
    caches["default"].clear()
    client.force_login(UserFactory())
    assert client.get(reverse("home")).status_code == 200
    key = client.cookies["sessionid"].value
    assert caches["default"].get(cache_key(key)) is not None
    client.post(reverse("sign-out"))
    assert caches["default"].get(cache_key(key)) is None
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies["sessionid"] = key  # the old cookie, replayed, is signed out
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.needs_redis
@override_settings(SESSION_ENGINE=STORE, CACHES=REDIS)
def test_a_session_missing_from_the_cache_is_read_from_the_database_and_cached(client):
    client.force_login(UserFactory())
    client.get(reverse("home"))
    caches["default"].clear()
    assert len(session_queries(client)) == 1
    assert session_queries(client) == []


@override_settings(SESSION_ENGINE=STORE, CACHES=DOWN)
def test_while_redis_is_down_sign_in_pages_and_sign_out_work_from_the_database(client, caplog):
    user = UserFactory()
    client.force_login(user)
    key = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("home")).status_code == 200
    assert "Session cache unavailable" in caplog.text
    client.post(reverse("sign-out"))
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies["sessionid"] = key
    assert client.get(reverse("home")).status_code == 302


@override_settings(SESSION_ENGINE=STORE, CACHES=DOWN)
def test_after_a_cache_failure_reads_go_to_the_database_without_asking_redis(client, monkeypatch):
    client.force_login(UserFactory())
    client.get(reverse("home"))  # fails over, and starts the backoff
    asked = []
    monkeypatch.setattr(RedisCache, "get", lambda *args, **kwargs: asked.append(args))
    assert client.get(reverse("home")).status_code == 200
    assert asked == []
