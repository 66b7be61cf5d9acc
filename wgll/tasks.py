from celery import shared_task


@shared_task(name="wgll.ping", acks_late=True, time_limit=10, soft_time_limit=5, ignore_result=False)
def ping() -> str:
    """Proves the broker and a worker are reachable (used by health checks and tests). The one
    task whose result is read, so it is the one that stores it (given a result backend)."""
    return "pong"
