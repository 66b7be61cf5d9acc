"""The steps higher layers hang on this app's changes, without signals: reports registers a
listener in its AppConfig.ready() (a re-scored assessment's board report, a published cycle's
national files...), and the service making the change runs every listener once its transaction
has committed. A listener's failure is logged and never undoes or fails the change: the sweeps
catch up with whatever it did not do."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


class AfterCommit:
    """Named listeners of one kind of change, each called with the change's arguments."""

    def __init__(self, change: str) -> None:
        self.change = change
        self.listeners: dict[str, Callable[..., Any]] = {}

    def register(self, name: str, listener: Callable[..., Any]) -> None:
        self.listeners[name] = listener

    def after_commit(self, *args: Any) -> None:
        """Run the listeners once the current transaction commits (at once outside one)."""
        transaction.on_commit(lambda: self.run(*args))

    def run(self, *args: Any) -> None:
        for name, listener in list(self.listeners.items()):
            try:
                listener(*args)
            except Exception:
                logger.exception("The %s step after %s %s failed", name, self.change, args)
