"""The knowledge base's pages: search with facet filters (a GET form that works without
JavaScript) and one entry. For everyone signed in; shared entries were published with consent."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from framework.knowledge_selectors import MAX_QUERY, current_domain_names, knowledge_entry, knowledge_search
from framework.measures import LEVELS, SUCCESS_MEASURES
from framework.models import KnowledgeEntry
from organisations.models import CareSetting
from organisations.pagination import pagination

PER_PAGE = 20
FACET_FIELDS = {"measure": "measure", "domain": "domain", "care_setting": "care_setting", "level": "level"}


class KnowledgeSearchForm(forms.Form):
    q = forms.CharField(
        label="Search the knowledge base",
        required=False,
        max_length=MAX_QUERY,
        error_messages={"max_length": f"Search words must be {MAX_QUERY} characters or fewer"},
    )
    measure = forms.ChoiceField(label="Success measure", required=False)
    domain = forms.ChoiceField(label="Domain", required=False)
    care_setting = forms.ChoiceField(label="Care setting", required=False)
    level = forms.ChoiceField(label="Your level now", required=False)

    def __init__(self, *args, domains: dict[str, tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        options = {
            "measure": list(SUCCESS_MEASURES.items()),
            "domain": [(key, name) for key, (name, _) in domains.items()],
            "care_setting": list(CareSetting.choices),
            "level": [(str(n), f"Level {n}") for n in LEVELS[:-1]],
        }
        for name, choices in options.items():
            field = self.fields[name]
            field.choices = [("", "Any"), *choices]
            field.error_messages["invalid_choice"] = f"Select one of the {field.label.lower()} options"

    def search_arguments(self) -> dict:
        """The valid parts of what was asked: a bad filter is reported and left out, not guessed."""
        if not self.is_bound:
            return {"query": ""}
        self.is_valid()
        data = self.cleaned_data
        arguments = {name: data.get(name) or None for name in FACET_FIELDS}
        if arguments["level"]:
            arguments["level"] = int(arguments["level"])
        return {"query": data.get("q", "") or "", **arguments}

    def count_choices(self, facets) -> None:
        """Each option labelled with how many entries choosing it would give."""
        for name in FACET_FIELDS:
            counts = {facet.value: facet.count for facet in facets[name]}
            field = self.fields[name]
            field.choices = [
                (value, label if value == "" else f"{label} ({counts.get(value, 0)})") for value, label in field.choices
            ]


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
