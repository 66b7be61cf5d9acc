"""The ICS dashboard and its drill-down. Thin: the ICS through the scoped selector (another ICS
is a plain 404, like one that does not exist), the figures from the dashboard selectors, the
chart cards from reports.dashboard_cards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from assessments.models import Cycle
from organisations.models import IntegratedCareSystem
from organisations.selectors import systems_visible_to
from reports import dashboard_cards, dashboards
from reports.cards import ChartCard, card_csv_response
from reports.pack_views import pack_section


def _system(request: HttpRequest, icb_code: str) -> IntegratedCareSystem:
    return get_object_or_404(systems_visible_to(request.user), icb_ods_code=icb_code)


def _cycle(cycle_slug: str) -> Cycle:
    return get_object_or_404(dashboards.cycles_with_results(), name=cycle_slug.replace("-", "/"))


def _builder(builders: dict[str, Callable[[Any], ChartCard]], key: str) -> Callable[[Any], ChartCard]:
    if key not in builders:
        raise Http404("No such chart.")
    return builders[key]


@require_safe
def system_latest(request: HttpRequest, icb_code: str) -> HttpResponse:
    """The dashboard of the latest cycle with results (or a page saying there are none yet)."""
    system = _system(request, icb_code)
    latest = dashboards.cycles_with_results().first()
    if latest is None:
        return render(request, "reports/system/no_results.html", {"system": system})
    return redirect("systems:dashboard", icb_code=system.icb_ods_code, cycle_slug=latest.slug)


@require_safe
def system_dashboard(request: HttpRequest, icb_code: str, cycle_slug: str) -> HttpResponse:
    system = _system(request, icb_code)
    chosen = request.GET.get("cycle")
    if chosen and chosen != cycle_slug:  # the cycle chooser (a GET form, so it works without JavaScript)
        return redirect("systems:dashboard", icb_code=system.icb_ods_code, cycle_slug=_cycle(chosen).slug)
    data = dashboards.system_dashboard(request.user, system, _cycle(cycle_slug))
    if data is None:
        raise Http404("No figures for this cycle.")
    return render(
        request,
        "reports/system/dashboard.html",
        {
            "data": data,
            "cards": dashboard_cards.dashboard_cards(data),
            "args": [system.icb_ods_code, cycle_slug],
            "pack": pack_section(request.user, system, data.cycle),
        },
    )


@require_safe
def system_chart_csv(request: HttpRequest, icb_code: str, cycle_slug: str, card_key: str) -> HttpResponse:
    system = _system(request, icb_code)
    build = _builder(dashboard_cards.DASHBOARD_CARDS, card_key)
    data = dashboards.system_dashboard(request.user, system, _cycle(cycle_slug))
    if data is None:
        raise Http404("No figures for this cycle.")
    card = build(data)
    return card_csv_response(card, f"{system.icb_ods_code}-{cycle_slug}-{card.key}.csv")


@require_safe
def system_measure(request: HttpRequest, icb_code: str, cycle_slug: str, measure_key: str) -> HttpResponse:
    system = _system(request, icb_code)
    data = dashboards.system_measure(system, _cycle(cycle_slug), measure_key)
    if data is None:
        raise Http404("No such measure in this cycle.")
    return render(
        request,
        "reports/system/measure.html",
        {"data": data, "card": dashboard_cards.measure_domains_card(data), "args": [system.icb_ods_code, cycle_slug]},
    )


@require_safe
def system_measure_csv(request: HttpRequest, icb_code: str, cycle_slug: str, measure_key: str) -> HttpResponse:
    system = _system(request, icb_code)
    data = dashboards.system_measure(system, _cycle(cycle_slug), measure_key)
    if data is None:
        raise Http404("No such measure in this cycle.")
    card = dashboard_cards.measure_domains_card(data)
    return card_csv_response(card, f"{system.icb_ods_code}-{cycle_slug}-{measure_key}-{card.key}.csv")


@require_safe
def system_domain(request: HttpRequest, icb_code: str, cycle_slug: str, domain_key: str) -> HttpResponse:
    system = _system(request, icb_code)
    data = dashboards.system_domain(request.user, system, _cycle(cycle_slug), domain_key)
    if data is None:
        raise Http404("No such domain in this cycle.")
    return render(
        request,
        "reports/system/domain.html",
        {"data": data, "cards": dashboard_cards.domain_cards(data), "args": [system.icb_ods_code, cycle_slug]},
    )


@require_safe
def system_domain_csv(
    request: HttpRequest, icb_code: str, cycle_slug: str, domain_key: str, card_key: str
) -> HttpResponse:
    system = _system(request, icb_code)
    build = _builder(dashboard_cards.DOMAIN_CARDS, card_key)
    data = dashboards.system_domain(request.user, system, _cycle(cycle_slug), domain_key)
    if data is None:
        raise Http404("No such domain in this cycle.")
    card = build(data)
    return card_csv_response(card, f"{system.icb_ods_code}-{cycle_slug}-{domain_key}-{card.key}.csv")
