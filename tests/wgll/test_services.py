"""The real services CI provides: PostgreSQL for the database and Redis with a Celery worker."""

import pytest
from django.db import connection

from wgll.tasks import ping


@pytest.mark.needs_postgres
@pytest.mark.django_db
def test_the_suite_runs_on_postgresql_where_required():
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert cursor.fetchone()[0]
    assert connection.vendor == "postgresql"


@pytest.mark.needs_worker
def test_a_task_travels_through_redis_to_a_real_worker_and_back(celery_worker_process):
    result = ping.delay()
    assert result.get(timeout=20) == "pong"
    assert result.successful()


def test_without_a_broker_tasks_run_in_process(settings):
    assert ping.delay().get(timeout=1) == "pong"


@pytest.mark.needs_postgres
@pytest.mark.django_db
def test_the_portals_connections_reorder_joins_in_groups_of_the_configured_size():
    """The pages' eight-table lookups are planned in smaller groups (settings: the planning cost)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        joins = cursor.fetchone()[0]
        cursor.execute("SHOW from_collapse_limit")
        froms = cursor.fetchone()[0]
    assert (joins, froms) == ("4", "4")


def test_each_xdist_worker_has_its_own_redis_database_and_outage_ports(monkeypatch):
    from tests import services

    monkeypatch.setattr(services, "WORKER", 0)
    assert services._redis_url_of_this_worker("redis://127.0.0.1:6379/15") == "redis://127.0.0.1:6379/15"
    monkeypatch.setattr(services, "WORKER", 3)
    assert services._redis_url_of_this_worker("redis://127.0.0.1:6379/15") == "redis://127.0.0.1:6379/12"
    assert services._redis_url_of_this_worker("redis://:secret@redis:6379/9") == "redis://:secret@redis:6379/6"
    with pytest.raises(RuntimeError, match="no Redis database left for xdist worker 3"):
        services._redis_url_of_this_worker("redis://127.0.0.1:6379/2")
    # The suite's own process: whatever it runs as, its ports are ten of its own from 6390.
    ports = services.RedisServer.PORTS
    assert len(ports) == 10 and (ports.start - 6390) % 10 == 0
