"""Board report rendering: figures from the selectors, HTML from a Jinja2 template (autoescaped),
PDF from WeasyPrint.

Everything in a report that a person typed (notes, evidence titles and links, board sign-off,
flag comments) is escaped text. WeasyPrint would otherwise follow what markup names: fetch
images and stylesheets over the network, read local files (file://) and embed them as PDF
attachments (<link rel="attachment">). So it is given a fetcher that serves only the report's own
stylesheet from the static files, and refuses, and logs, every other URL.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from markupsafe import Markup
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from assessments.presenters import like_for_like_context
from assessments.rules.evidence import is_web_link
from reports import charts, figures
from reports.selectors import Comparison, ReportData

logger = logging.getLogger(__name__)

# A base URL that can never be fetched from the network: relative URLs in the template resolve
# under it, and the fetcher maps exactly the allowed names under it to local files.
BASE_URL = "https://portal.invalid/static/"
STYLESHEET = "reports/board-report.css"
PACK_STYLESHEET = "reports/system-pack.css"  # the ICS board pack (reports.pack_render)
ALLOWED_ASSETS = frozenset({STYLESHEET, PACK_STYLESHEET})
CONTENT_TYPES = {".css": "text/css"}
TEMPLATE = "reports/board_report.html"


class RefusedFetch(ValueError):
    """The report asked for something other than its own static assets."""


def static_asset_path(name: str) -> Path | None:
    """The file of an allowed static asset: from the collected static root, else the finders."""
    if name not in ALLOWED_ASSETS:
        return None
    root = Path(settings.STATIC_ROOT).resolve()
    collected = (root / name).resolve()
    if collected.is_relative_to(root) and collected.is_file():
        return collected
    found = finders.find(name)
    return Path(found).resolve() if found else None


class RestrictedFetcher(URLFetcher):
    """Serves the allowed static assets from disk; refuses everything else (no network, no other
    files, no data: URLs, no redirects because nothing is ever fetched over HTTP)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("https",), allow_redirects=False, fail_on_errors=False)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        name = url[len(BASE_URL) :] if url.startswith(BASE_URL) else None
        path = static_asset_path(name) if name is not None else None
        if path is None:
            logger.warning("Board report rendering refused to fetch %r", url[:300])
            raise RefusedFetch(f"Board reports may not fetch {url[:300]!r}")
        content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})


def _not_shown(comparison: Comparison) -> str:
    return (
        f"The comparison with {comparison.name[0].lower()}{comparison.name[1:]} is not shown: it has "
        f"{comparison.size} organisation{'s' if comparison.size != 1 else ''} with a scored assessment this "
        f"cycle, fewer than {figures.MIN_GROUP_SIZE}. With so few, a median would all but reveal other "
        "organisations' scores, and would say little about any of them."
    )


def _peer_position(peers: Comparison, quarter: str) -> str:
    """E.g. "This overall score is in the second-highest quarter of the 118 acute trusts (trusts
    whose main care setting is acute) with a scored assessment this cycle." The group is named in
    words and counted, so a board knows what "quarter" is a quarter of."""
    return (
        f"This overall score is {quarter} of the {peers.size} {peers.members} "
        f"({peers.name[0].lower()}{peers.name[1:]}) with a scored assessment this cycle. "
        f"Their median overall score is {peers.overall_median}."
    )


def report_context(data: ReportData) -> dict[str, Any]:
    assessment = data.assessment
    organisation = assessment.organisation
    comparisons = [c for c in (data.ics, data.peer_group, data.national) if c is not None]
    shown = [c for c in comparisons if c.shown]
    labels = [m.name for m in data.measures]
    series = [charts.Series(organisation.name, [m.score for m in data.measures])]
    series += [charts.Series(f"Median: {c.name}", [c.measure_medians.get(m.key) for m in data.measures]) for c in shown]
    radar_title = "Score for each success measure, out of 5"
    radar_description = "Radar chart of the seven success measure scores of " + organisation.name + (
        ", beside the medians of " + ", ".join(c.name.lower() for c in shown) if shown else ""
    ) + ". The table below gives the same figures."  # fmt: skip
    trend_title = "Overall score by year, out of 5"
    trend_description = "Line chart of the overall score in each cycle: " + "; ".join(
        f"{cycle} {value}" for cycle, value in data.trend
    )
    if data.peer_group is None:
        peer_sentence = (
            "No peer group comparison is shown: peer groups are trusts with the same main care setting, "
            "and this organisation has none recorded."
        )
    elif not data.peer_group.shown:
        peer_sentence = _not_shown(data.peer_group)
    elif data.peer_quarter:
        peer_sentence = _peer_position(data.peer_group, data.peer_quarter)
    else:
        peer_sentence = "The overall score could not be placed in its peer group."
    return {
        "assessment": assessment,
        "organisation": organisation,
        "ics": organisation.ics,
        "region": organisation.ics.region if organisation.ics_id else None,
        "cycle": assessment.cycle,
        "score": data.score,
        "previous_score": data.previous_score,
        "measures": data.measures,
        "comparisons_shown": shown,
        "comparisons_hidden": [_not_shown(c) for c in comparisons if not c.shown and c is not data.peer_group],
        "peer_sentence": peer_sentence,
        "radar_svg": _trusted_svg(charts.radar(labels, series, radar_title, radar_description)),
        "radar_title": radar_title,
        "trend": data.trend,
        "trend_framework_changes": data.trend_framework_changes,
        "pulse": data.pulse,
        "plan_targets": data.plan_targets,
        "plan_signed_off_at": data.plan_signed_off_at,
        "like_for_like": like_for_like_context(data.year_on_year),
        "trend_svg": _trusted_svg(
            charts.trend([c for c, _ in data.trend], [v for _, v in data.trend], trend_title, trend_description)
        )
        if len(data.trend) >= 2
        else None,
        "trend_title": trend_title,
        # The report is the organisation's own (its board reads it; everyone who may see the
        # assessment may download it), so it carries the answer flags and only the number of
        # pattern flags: those name other organisations and quote their notes and files, and are
        # for the reviewers (assessments.access.VIEW_FLAG_EVIDENCE).
        "flags": [flag for flag in data.flags if not flag.is_pattern],
        "pattern_flag_count": sum(1 for flag in data.flags if flag.is_pattern),
        "severity_label": _severity_label,
        "evidence": data.evidence,
        "generated_at": timezone.localtime(),
        "is_link": is_web_link,
        "change": _change,
    }


def _severity_label(severity: str) -> str:
    return f"{str(severity).capitalize()} severity"


def _trusted_svg(svg: str) -> Markup:
    """Our own chart SVG, inserted unescaped: pygal builds it with an XML tree, which escapes every
    label (organisation and measure names included), and charts.py escapes the title it adds."""
    return Markup(svg)  # noqa: S704 - built by pygal's etree and charts.py, see above  # nosec B704


def _change(now: Decimal | int | None, before: Decimal | int | None) -> str:
    if now is None or before is None:
        return "–"
    difference = now - before
    return f"+{difference}" if difference > 0 else ("no change" if difference == 0 else f"{difference}")


def report_html(data: ReportData) -> str:
    return render_to_string(TEMPLATE, report_context(data), using="jinja2")


class _Typesetting:
    """The font configuration and the parsed stylesheets, one of each per process.

    WeasyPrint makes a new FontConfiguration (a fontconfig configuration and a Pango font map)
    for every document it is not given one for, and a long-lived worker never gives that memory
    back: about 250 KiB a render. Nothing in a board report or an ICS pack changes either (no
    @font-face, fixed stylesheets), so the one font configuration is shared by every document
    and each stylesheet is parsed on its first use. They are made lazily, never at import, so
    that each prefork child builds its own after the fork. WeasyPrint and Pango are not made for
    one font map to be used by two threads at once, so renders in one process take turns
    (`lock`): Celery's solo and prefork pools run one task a process anyway, and the in-process
    runner one at a time.
    """

    lock = threading.RLock()
    _font_config: FontConfiguration | None = None
    _stylesheets: dict[str, CSS] = {}

    @classmethod
    def stylesheet(cls, name: str) -> tuple[FontConfiguration, CSS]:
        """The shared font configuration and the parsed stylesheet `name` (an allowed asset)."""
        with cls.lock:
            if cls._font_config is None:
                cls._font_config = FontConfiguration()
                cls._stylesheets = {}
            if name not in cls._stylesheets:
                # Through the restricted fetcher, like every other URL a document names.
                cls._stylesheets[name] = CSS(
                    url=BASE_URL + name, url_fetcher=RestrictedFetcher(), font_config=cls._font_config
                )
            return cls._font_config, cls._stylesheets[name]

    @classmethod
    def get(cls) -> tuple[FontConfiguration, CSS]:
        """The font configuration and the board report's stylesheet."""
        return cls.stylesheet(STYLESHEET)

    @classmethod
    def reset(cls) -> None:
        """Forget them all (tests that watch the stylesheet being fetched; a changed stylesheet)."""
        with cls.lock:
            cls._font_config = None
            cls._stylesheets = {}


def report_document(data: ReportData) -> Document:
    """The board report laid out in pages (what the PDF is written from, and what tests inspect
    to check where pages break)."""
    return _layout(report_html(data))


def _layout(html: str) -> Document:
    with _Typesetting.lock:
        font_config, stylesheet = _Typesetting.get()
        return HTML(string=html, base_url=BASE_URL, url_fetcher=RestrictedFetcher()).render(
            font_config=font_config, stylesheets=[stylesheet], pdf_variant="pdf/ua-1", pdf_tags=True
        )


def report_pdf(data: ReportData, on_step: Callable[[int, str], Any] | None = None) -> bytes:
    """The board report as a tagged PDF (PDF/UA-1), A4, with page numbers. `on_step(per_cent,
    words)` is told as each stage begins, for the page that shows the render's progress."""
    step = on_step or (lambda per_cent, words: None)
    step(25, "Drawing the charts")
    html = report_html(data)
    step(45, "Laying out the pages")
    document = _layout(html)
    step(85, "Writing the PDF")
    with _Typesetting.lock:
        return document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
