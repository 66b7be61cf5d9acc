"""The national dashboard and its drill-down. Thin: who may see it is one rule
(reports.access.NationalAction.VIEW_DASHBOARD; anyone else gets a plain 404, as for an ICS
dashboard they may not see), the figures come from reports.national_dashboard and the chart
cards from reports.national_cards. Each page view records, before publication, that its viewer saw
the cycle's figures (the pre-release access list)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from assessments.models import Cycle
from assessments.services.publication import pre_release_access_note
from organisations.access import may
from reports import national_cards, national_dashboard
from reports.access import NationalAction
from reports.cards import ChartCard, card_csv_response


def national_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may(request.user, NationalAction.VIEW_DASHBOARD):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return checked


def _cycle(cycle_slug: str) -> Cycle:
    return get_object_or_404(national_dashboard.national_cycles(), name=cycle_slug.replace("-", "/"))


def _seen(request: HttpRequest, cycle: Cycle, what: str) -> Cycle:
    """Record that this person saw the cycle's national figures, if before publication: the
    pre-release access list (assessments.services.publication)."""
    pre_release_access_note(user=request.user, cycle=cycle, what=what)
    return cycle


def _builder(builders: dict[str, Callable[[Any], ChartCard]], key: str) -> Callable[[Any], ChartCard]:
    if key not in builders:
        raise Http404("No such chart.")
    return builders[key]


def _found(data: Any) -> Any:
    if data is None:
        raise Http404("No figures for this.")
    return data


@require_safe
@national_only
def national_latest(request: HttpRequest) -> HttpResponse:
    """The dashboard of the latest cycle with results (or a page saying there is nothing yet)."""
    latest = national_dashboard.latest_cycle()
    if latest is None:
        return render(request, "reports/national/no_results.html")
    return redirect("national:dashboard", cycle_slug=latest.slug)


@require_safe
@national_only
def national_dashboard_page(request: HttpRequest, cycle_slug: str) -> HttpResponse:
    chosen = request.GET.get("cycle")
    if chosen and chosen != cycle_slug:  # the cycle chooser (a GET form, so it works without JavaScript)
        return redirect("national:dashboard", cycle_slug=_cycle(chosen).slug)
    data = _found(national_dashboard.national_dashboard(_seen(request, _cycle(cycle_slug), "the national dashboard")))
    return render(
        request,
        "reports/national/dashboard.html",
        {"data": data, "cards": national_cards.dashboard_cards(data), "args": [cycle_slug]},
    )


@require_safe
@national_only
def national_chart_csv(request: HttpRequest, cycle_slug: str, card_key: str) -> HttpResponse:
    build = _builder(national_cards.DASHBOARD_CARDS, card_key)
    card = build(
        _found(national_dashboard.national_dashboard(_seen(request, _cycle(cycle_slug), "the national dashboard")))
    )
    return card_csv_response(card, f"england-{cycle_slug}-{card.key}.csv")


@require_safe
@national_only
def national_measure(request: HttpRequest, cycle_slug: str, measure_key: str) -> HttpResponse:
    data = _found(
        national_dashboard.national_measure(_seen(request, _cycle(cycle_slug), "the national dashboard"), measure_key)
    )
    return render(
        request,
        "reports/national/measure.html",
        {"data": data, "cards": national_cards.measure_cards(data), "args": [cycle_slug, measure_key]},
    )


@require_safe
@national_only
def national_measure_csv(request: HttpRequest, cycle_slug: str, measure_key: str, card_key: str) -> HttpResponse:
    build = _builder(national_cards.MEASURE_CARDS, card_key)
    card = build(
        _found(
            national_dashboard.national_measure(
                _seen(request, _cycle(cycle_slug), "the national dashboard"), measure_key
            )
        )
    )
    return card_csv_response(card, f"england-{cycle_slug}-{measure_key}-{card.key}.csv")


@require_safe
@national_only
def national_domain(request: HttpRequest, cycle_slug: str, domain_key: str) -> HttpResponse:
    data = _found(
        national_dashboard.national_domain(_seen(request, _cycle(cycle_slug), "the national dashboard"), domain_key)
    )
    return render(
        request,
        "reports/national/domain.html",
        {"data": data, "cards": national_cards.domain_cards(data), "args": [cycle_slug, domain_key]},
    )


@require_safe
@national_only
def national_domain_csv(request: HttpRequest, cycle_slug: str, domain_key: str, card_key: str) -> HttpResponse:
    build = _builder(national_cards.DOMAIN_CARDS, card_key)
    card = build(
        _found(
            national_dashboard.national_domain(_seen(request, _cycle(cycle_slug), "the national dashboard"), domain_key)
        )
    )
    return card_csv_response(card, f"england-{cycle_slug}-{domain_key}-{card.key}.csv")
