"""Queries whose SQL the ORM writes once per process, for the lookups every page makes. Here, in
the lowest app, so every app's selectors may use it.

Building and compiling a queryset costs the ORM more than running it does for the pages' lookups:
a domain's answer with its domain, measure and people took 1.0 ms to write as SQL and 0.6 ms to
run; the signed-in person's roles 0.2 ms to write and 0.1 ms to run. A prepared query is a
function of plain arguments (ids, keys, names, and short lists of them for `__in`) that returns a
queryset. The first call with arguments of a kind builds and compiles it with stand-in values;
each call after that runs the same SQL with the real values, and the ORM's own iterables turn the
rows into the same objects (select_related, prefetch_related, annotations, values() as the
queryset says).

What makes that safe, and is checked on the first compile (otherwise the query simply goes through
the ORM as usual, every time):
* every argument is an int or a str, or a list or tuple of up to 64 distinct ones of one kind (not
  None, not a boolean, not an empty list: those change the SQL's shape; a list's length is part of
  its kind), of the kind the ORM expects where it goes (text for a number is converted: not
  prepared);
* each stand-in reaches the SQL's parameters unchanged (a `contains` lookup wraps it in %...%:
  such a query is not prepared), every one of them is used, and no parameter is built from one;
* the queryset is not a related manager's (its rows would be given the stand-in's instance).
The one rule the check cannot see: `build` must depend on its arguments only (no clock, no
settings, no person's grants), since whatever else it reads is written into the SQL once.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet, FullResultSet, MultipleObjectsReturned, ValidationError
from django.db import connections
from django.db.models import QuerySet

T = TypeVar("T")

LONGEST_LIST = 64
# Stand-ins no real argument is: far outside any id, and text no key or name holds.
_INT_BASE = -7_344_190_000_000_000
_STR_FORMAT = "\x1fwgll-prepared-{}-{}\x1f"

Kind = type | tuple[type, int]  # a scalar's type, or a list's element type and length
Where = tuple[int, int | None]  # the argument, and the place in it for a list


@dataclass(frozen=True)
class _Shape:
    queryset: QuerySet
    compiler: Any
    sql: str
    params: tuple[tuple[Where | None, Any], ...]  # (where the argument is, or None and a constant)


class PreparedQuery(Generic[T]):
    """`PreparedQuery(build)(*args)`: the list `build(*args)` would give, its SQL written once."""

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self.build = build
        self._shapes: dict[tuple, _Shape | None] = {}
        self._lock = threading.Lock()

    def __call__(self, *args: Any) -> list[T]:
        shape = self._shape(args)
        if shape is None:
            return list(self.build(*args))
        return list(_bound(shape, args))

    def one_or_none(self, *args: Any) -> T | None:
        """The one row, or None; more than one is an error, as QuerySet.get() says."""
        rows = self(*args)
        if len(rows) > 1:
            raise MultipleObjectsReturned(f"{self.build.__qualname__} returned {len(rows)} rows, not one")
        return rows[0] if rows else None

    def is_prepared(self, *args: Any) -> bool:
        """Whether calls with arguments like these run SQL written once (for tests)."""
        return self._shape(args) is not None

    def _shape(self, args: tuple) -> _Shape | None:
        kinds = tuple(_kind(arg) for arg in args)
        if None in kinds:
            return None
        try:
            return self._shapes[kinds]
        except KeyError:
            pass
        with self._lock:
            if kinds not in self._shapes:
                try:
                    queryset = self.build(*(_stand_in(kind, index) for index, kind in enumerate(kinds)))
                    self._shapes[kinds] = _compile(queryset, kinds)
                except (ValueError, TypeError, ValidationError):
                    # A stand-in the ORM would not take where this argument goes (text for a
                    # number, say): the real values go through the ORM, which converts them.
                    self._shapes[kinds] = None
        return self._shapes[kinds]


def _scalar_kind(arg: Any) -> type | None:
    if isinstance(arg, bool):
        return None
    if isinstance(arg, int):
        return int
    if isinstance(arg, str):
        return str
    return None


def _kind(arg: Any) -> Kind | None:
    if isinstance(arg, list | tuple):
        kinds = {_scalar_kind(item) for item in arg}
        if not 0 < len(arg) <= LONGEST_LIST or len(kinds) != 1 or None in kinds or len(set(arg)) != len(arg):
            return None  # empty, mixed or repeated values change the SQL (`__in` drops repeats)
        return (kinds.pop(), len(arg))
    return _scalar_kind(arg)


def _scalar_stand_in(kind: type, index: int, place: int) -> Any:
    return _INT_BASE - index * 1000 - place if kind is int else _STR_FORMAT.format(index, place)


def _stand_in(kind: Kind, index: int) -> Any:
    if isinstance(kind, tuple):
        element, length = kind
        return [_scalar_stand_in(element, index, place) for place in range(length)]
    return _scalar_stand_in(kind, index, 0)


def _compile(queryset: QuerySet, kinds: tuple[Kind, ...]) -> _Shape | None:
    if queryset._known_related_objects:
        return None
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except (EmptyResultSet, FullResultSet):
        return None
    stand_ins: dict[Any, Where] = {}
    for index, kind in enumerate(kinds):
        if isinstance(kind, tuple):
            element, length = kind
            stand_ins |= {_scalar_stand_in(element, index, place): (index, place) for place in range(length)}
        else:
            stand_ins[_scalar_stand_in(kind, index, 0)] = (index, None)
    texts = [value for value in stand_ins if isinstance(value, str)]
    template: list[tuple[Where | None, Any]] = []
    for value in params:
        if type(value) in (int, str) and value in stand_ins:
            template.append((stand_ins[value], None))
        elif isinstance(value, str) and any(text in value for text in texts):
            return None  # an argument changed on its way into the SQL
        else:
            template.append((None, value))
    used = {where for where, _ in template if where is not None}
    if used != set(stand_ins.values()) or any(text in sql for text in texts) or str(_INT_BASE)[:10] in sql:
        return None
    return _Shape(queryset=queryset, compiler=compiler, sql=sql, params=tuple(template))


def _bound(shape: _Shape, args: tuple) -> QuerySet:
    """A fresh copy of the prepared queryset whose compiler writes nothing: it hands over the SQL
    written once and this call's parameters, with the state the ORM's iterables read (the
    selected columns, the related models, the annotations) from that first compile."""
    params = tuple(
        constant if where is None else args[where[0]] if where[1] is None else args[where[0]][where[1]]
        for where, constant in shape.params
    )
    queryset = shape.queryset._chain()
    compiler = copy.copy(shape.compiler)
    compiler.connection = connections[queryset.db]
    compiler.query = queryset.query
    compiler.as_sql = lambda *_, **__: (shape.sql, params)
    queryset.query.get_compiler = lambda *_, **__: compiler
    return queryset
