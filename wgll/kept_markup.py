"""Design-system markup that every page draws the same way, kept per process by its parameters.

Why: the NHS.UK header and footer macros are pure functions of their parameters (the header's
service name, navigation and account items; the footer's links), yet they were the largest part
of every signed-in page's layout, about a millisecond a page (the header alone is a 260-line
template with attribute, icon and indent passes for every item). A person sees the same few
headers over and over (one per navigation item that can be current), so each process keeps the
markup the macro wrote for the last KEPT distinct parameter sets and hands it back for the same
parameters. The markup is the design system's own, so nothing can drift from it; parameters that
cannot be frozen into a key (anything but plain data) are never kept, just rendered.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import Undefined
from markupsafe import Markup

KEPT = 1024  # parameter sets; a header is a few kilobytes, so at most a few megabytes a process

_kept: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


class _Unkeepable(Exception):
    """A parameter that is not plain data: its markup is rendered every time."""


def _frozen(value: Any) -> Any:
    if isinstance(value, Undefined):
        return ("undefined",)  # not None: the macros' `default` filter treats the two differently
    if value is None:
        return None
    if isinstance(value, Markup):
        return ("markup", str(value))  # "<b>" as markup and as text are different parameters
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), _frozen(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("seq", tuple(_frozen(v) for v in value))
    raise _Unkeepable(type(value).__name__)


def kept_markup(name: str, params: Any, macro: Callable[[Any], Any]) -> Markup:
    """`macro(params)` as markup, written once per process for the same `name` and parameters."""
    try:
        key = (name, _frozen(params))
    except _Unkeepable:
        return Markup(str(macro(params)))  # noqa: S704 - the macro's own (escaped) output  # nosec B704
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
    if html is None:
        html = str(macro(params))
        with _lock:
            _kept[key] = html
            while len(_kept) > KEPT:
                _kept.popitem(last=False)
    return Markup(html)  # noqa: S704 - the design system macro's own output, escaped by it  # nosec B704


def forget_kept_markup() -> None:
    """For tests that change what a macro writes (a different template loader)."""
    with _lock:
        _kept.clear()
