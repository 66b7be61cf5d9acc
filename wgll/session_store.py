"""Sessions read from the shared cache (Redis) and kept in the database: Django's `cached_db`
store, made to fail open and to trust a cached copy only briefly.

Why: reading the session was one database query on every signed-in page. With the activity stamp
written at most once a minute (wgll/sessions.py), nearly every request only reads it, so a copy in
Redis answers it. Settings turn this store on only when the cache is Redis, which every web worker
shares: with a per-process cache a sign-out in one worker would leave the session alive in the
others.

While Redis is down nothing fails: reads go to the database (and, after one failure, this process
asks only the database for READ_BACKOFF_SECONDS instead of waiting on Redis at every request),
writes and deletes still reach the database and the cache error is logged. A copy the cache could
not be told about (a sign-out, or a stamp written while it was unreachable) is trusted for at most
CACHED_SECONDS after it was stored, so it can outlive the change by no more than that.
"""

from __future__ import annotations

import logging
import time

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CACHED_SECONDS = 120  # twice the activity stamp's interval: an active session is re-cached as it is stamped
READ_BACKOFF_SECONDS = 10

CACHE_ERRORS = (RedisError, OSError)  # Redis stopped, unreachable or timing out

_reads_skipped_until = 0.0


def _cache_failed(action: str) -> None:
    global _reads_skipped_until
    _reads_skipped_until = time.monotonic() + READ_BACKOFF_SECONDS
    logger.warning("Session cache unavailable (%s); using the database alone", action, exc_info=True)


class SessionStore(CachedDBStore):
    def load(self):
        if time.monotonic() < _reads_skipped_until:
            return DBStore.load(self)
        try:
            data = self._cache.get(self.cache_key)
        except CACHE_ERRORS:  # Redis down or unreachable: the database has every session
            _cache_failed("read")
            return DBStore.load(self)
        if data is not None:
            return data
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        self._cache_set(data, self.get_expiry_age(expiry=row.expire_date))
        return data

    def exists(self, session_key):
        # Asked only when a new key is drawn; the database knows every key, cached or not.
        return DBStore.exists(self, session_key)

    def save(self, must_create=False):
        DBStore.save(self, must_create)
        self._cache_set(self._session, self.get_expiry_age())

    def delete(self, session_key=None):
        DBStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except CACHE_ERRORS:  # the copy expires within CACHED_SECONDS
            _cache_failed("delete")

    def _cache_set(self, data, expiry_age: int) -> None:
        try:
            self._cache.set(self.cache_key, data, min(expiry_age, CACHED_SECONDS))
        except CACHE_ERRORS:  # the database has it; a stale copy expires within CACHED_SECONDS
            _cache_failed("write")
