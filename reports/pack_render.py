"""ICS board pack rendering: the pack's figures (reports.pack_data) into HTML from a Jinja2
template (autoescaped), and into an A4 PDF by WeasyPrint.

The same safeguards as board reports (reports.render): the restricted fetcher serves only the
pack's own stylesheet, one font configuration and one parsed stylesheet per process, renders
in one process take turns. Charts are the dashboard's own chart cards, printed with the card
macro's print variant, so the pack and the dashboard can never show different figures.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML, Document

from assessments.rules.disclosure import MIN_GROUP_SIZE
from reports.dashboard_cards import MEDIAN_METHOD, MIX_ADJUSTED_METHOD, SOURCE
from reports.models import SystemPack
from reports.pack_data import PackData
from reports.render import BASE_URL, PACK_STYLESHEET, RestrictedFetcher, _Typesetting

TEMPLATE = "reports/system_pack.html"

AUDIENCE_NOTES = {
    SystemPack.Audience.BOARD: (
        "This pack shows what an ICS board viewer sees: results that trusts have submitted, and the "
        "validation flags about a trust's own answers. Work not yet submitted is shown only as "
        "“not yet submitted”; flags that compare a trust's answers with other organisations' are for "
        "the ICS's reviewers and are not in this pack."
    ),
    SystemPack.Audience.REVIEWERS: (
        "This pack is for the ICS's reviewers: it shows the status of work not yet submitted and every "
        "open validation flag, including those that compare a trust's answers with other organisations'. "
        "Those flags are for independent reviewers only: do not circulate this version with board papers "
        "(ask for the board pack instead)."
    ),
}


def level_of(value: Decimal | int | None) -> int | None:
    """The whole level a score reaches (3.7 is level 3), 0 to 5: what the cell's bar shows."""
    return None if value is None else max(0, min(5, int(value)))


def pack_context(data: PackData) -> dict[str, Any]:
    board = data.dashboard
    audience = SystemPack.Audience(data.audience)
    overall = board.system.overall
    return {
        "data": data,
        "board": board,
        "ics": board.ics,
        "cycle": board.cycle,
        "audience": audience,
        "audience_label": audience.label,
        "audience_note": AUDIENCE_NOTES[audience],
        "overall": overall,
        "national_overall": board.national.overall,
        "computed_at": board.computed_at,
        "generated_at": timezone.now(),
        "min_group": MIN_GROUP_SIZE,
        "source": SOURCE.format(cycle=board.cycle.name),
        "median_method": MEDIAN_METHOD,
        "mix_adjusted_method": MIX_ADJUSTED_METHOD,
        "level_of": level_of,
        "counted_members": [page for page in data.members if page.row.counts],
        "previous_cycle": next((page.previous_cycle for page in data.members if page.previous_cycle), None),
    }


def pack_html(data: PackData) -> str:
    return render_to_string(TEMPLATE, pack_context(data), using="jinja2")


def pack_document(data: PackData) -> Document:
    """The pack laid out in pages (what the PDF is written from, and what tests inspect)."""
    html = pack_html(data)
    with _Typesetting.lock:
        font_config, stylesheet = _Typesetting.stylesheet(PACK_STYLESHEET)
        return HTML(string=html, base_url=BASE_URL, url_fetcher=RestrictedFetcher()).render(
            font_config=font_config, stylesheets=[stylesheet], pdf_variant="pdf/ua-1", pdf_tags=True
        )


def pack_pdf(document: Document) -> bytes:
    """The laid-out pack as a tagged PDF (PDF/UA-1)."""
    with _Typesetting.lock:
        return document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
