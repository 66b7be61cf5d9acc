"""URLs reversed once per process: `url(name, *args, **kwargs)` is Django's `reverse`, kept.

Why: every page reverses the same few names (the header's navigation, the footer, the session
warning, each row's links), and Django's `reverse` costs about 20 µs a call: a third of a
millisecond a page before its own links. A URL is a pure function of the name, its arguments,
the script prefix (from the request, when the portal is served under a path) and the URL
configuration, so all of these are the key; only plain string and integer arguments are kept
(anything else, such as a model instance, is reversed every time). A bounded number are kept,
the least recently used dropped.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

KEPT = 4096


@lru_cache(maxsize=KEPT)
def _kept(prefix: str, urlconf: str | None, name: str, args: tuple, kwargs: tuple) -> str:
    return reverse(name, args=args or None, kwargs=dict(kwargs) or None)


def _plain(values) -> bool:
    return all(type(value) in (str, int) for value in values)


def url(name: str, *args, **kwargs) -> str:
    urlconf = get_urlconf()
    if not _plain(args) or not _plain(kwargs.values()) or not (urlconf is None or isinstance(urlconf, str)):
        return reverse(name, args=args or None, kwargs=kwargs or None)
    urlconf = urlconf or settings.ROOT_URLCONF
    return _kept(get_script_prefix(), urlconf, name, args, tuple(sorted(kwargs.items())))
