from celery import shared_task


@shared_task(name="wgll.ping", acks_late=True, time_limit=10, soft_time_limit=5)
def ping() -> str:
    """Proves the broker and a worker are reachable (used by health checks and tests)."""
    return "pong"
