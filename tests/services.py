"""Access to real services for tests that need them.

On a laptop without a service, such tests skip with the reason printed. With
WGLL_REQUIRE_SERVICES=1 (set by .ci/run) the same situation is a failure, so CI can never pass
by skipping.
"""

import os

import pytest

REQUIRE_SERVICES = os.environ.get("WGLL_REQUIRE_SERVICES") == "1"
TEST_REDIS_URL = os.environ.get("WGLL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable (WGLL_REQUIRE_SERVICES=1): {reason}", pytrace=False)
    pytest.skip(reason)


def redis_reachable(url: str = TEST_REDIS_URL) -> str | None:
    """None when Redis answers, otherwise why not."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping()
    except Exception as error:  # noqa: BLE001 - any failure means unreachable; the reason is reported
        return f"Redis at {url} is not reachable ({error.__class__.__name__}: {error})"
    return None


def reconfigure_celery(app, **conf) -> dict:
    """Point the in-process Celery app at another broker/backend; returns the previous values.

    Celery caches its connection pool, producer pool and result backend, so those are dropped
    too (the same reset Celery itself does after a fork).
    """
    import threading

    from kombu import pools

    previous = {key: app.conf[key] for key in conf}
    app.conf.update(conf)
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    # kombu keeps process-wide producer pools keyed by connection URL; closed ones must go too.
    pools.reset()
    if "amqp" in app.__dict__:
        app.__dict__["amqp"]._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()
    return previous
