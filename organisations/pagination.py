"""Pages of a long list: the NHS.UK pagination component's items for a Django paginator. Here, in
the lowest app, so every app's list pages (organisations, assessments, flags) share one rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination


def _page_url(request: Any, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return f"?{urlencode(sorted(query.items()))}"


def pagination(request: Any, paginator: Paginator, page: Page) -> dict | None:
    """The NHS pagination component's items (keeping the page's other query parameters, such as
    its filters), with ellipses for long lists; None when everything fits on one page."""
    if paginator.num_pages <= 1:
        return None
    return {
        "previous": {"href": _page_url(request, page.previous_page_number())} if page.has_previous() else None,
        "next": {"href": _page_url(request, page.next_page_number())} if page.has_next() else None,
        "items": [
            {"ellipsis": True}
            if number == Paginator.ELLIPSIS
            else {"number": number, "href": _page_url(request, number), "current": number == page.number}
            for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        ],
    }


def page_by_ids(
    request: Any, ordered: QuerySet, per_page: int, rows_of: Callable[[list], list] | None = None
) -> tuple[Paginator, Page, list]:
    """A page of `ordered` (a query with its final order_by): the page's primary keys are found
    with a narrow query (the sort reads only the columns it orders by), then just those rows are
    loaded with every join the page needs. Sorting the whole wide join to keep 50 rows grew with
    the number of organisations; the narrow sort stays cheap. Three queries: count, ids, rows.

    `rows_of(ids)`, when given, loads the rows (in `ordered`'s order, with what the page shows)
    instead of `ordered` filtered to the ids: a prepared query (prepared.py), whose SQL does not
    carry the list's filters again, since the ids already passed them."""
    paginator = Paginator(ordered.values_list("pk", flat=True), per_page)
    page = paginator.get_page(request.GET.get("page"))
    ids = list(page.object_list)
    if not ids:
        return paginator, page, []
    rows = rows_of(ids) if rows_of is not None else list(ordered.filter(pk__in=ids))
    return paginator, page, rows


class ApiPagination(PageNumberPagination):
    """Numbered pages (`?page=2`) of 100, or of `?page_size=` up to 500, with the total count and
    `next` and `previous` links. Every list using it orders on a unique key, so pages never
    overlap or skip a row. It is REST_FRAMEWORK's default; here (a module that does not import
    DRF's views) so loading DRF's settings cannot import it in a circle."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
