"""The knowledge base's pages: search with facet filters (a GET form that works without
JavaScript) and one entry. For everyone signed in; shared entries were published with consent."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from framework.knowledge_forms import KnowledgeSearchForm
from framework.knowledge_selectors import current_domain_names, knowledge_entry, knowledge_search
from framework.measures import SUCCESS_MEASURES
from framework.models import KnowledgeEntry
from organisations.models import CareSetting
from organisations.pagination import pagination

PER_PAGE = 20


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    domains = current_domain_names()
    form = KnowledgeSearchForm(request.GET or None, domains=domains)
    arguments = form.search_arguments()
    results = knowledge_search(arguments.pop("query"), **arguments, domains=domains)
    form.count_choices(results.facets)
    paginator = Paginator(results.entries, PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "framework/knowledge/search.html",
        {
            "form": form,
            "results": results,
            "page": page,
            "entries": list(page.object_list),
            "pagination": pagination(request, paginator, page),
            "domains": domains,
            "measures": SUCCESS_MEASURES,
            "filtered": any(value for value in results.filters.values()) or bool(results.query),
        },
    )


@require_safe
def entry(request: HttpRequest, entry_key: str) -> HttpResponse:
    try:
        found = knowledge_entry(entry_key)
    except KnowledgeEntry.DoesNotExist:
        raise Http404("No such entry in the knowledge base") from None
    domains = current_domain_names()
    return render(
        request,
        "framework/knowledge/entry.html",
        {
            "entry": found,
            "domains": [(key, domains[key][0] if key in domains else key) for key in found.domain_keys],
            "measures": [SUCCESS_MEASURES.get(key, key) for key in found.measure_keys],
            "care_settings": [CareSetting(value).label for value in found.care_settings if value in CareSetting.values],
        },
    )
