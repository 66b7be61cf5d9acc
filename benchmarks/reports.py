"""Board report rendering: one realistic report to PDF bytes (the pure renderer, no Celery, no
storage) against a ceiling document (WeasyPrint laying out the same text, without the charts and
with a plain stylesheet: what the report could cost at best) and a one-paragraph document, and the
worker's memory over many renders.

The report is a demo organisation's: a few organisations are seeded through the services with
`demo` (three cycles, so the report has a change since last year and a trend chart), enough
trusts in one ICS and one care setting for the ICS, peer group and national comparisons to be
shown. The scoring benchmark leaves a 2025/26 cycle of random answers behind; it is renamed out of
the demo's way first (names sort after the demo cycles, so it is neither a previous cycle nor part
of a trend).
"""

from __future__ import annotations

import gc
import io
import logging
import os
import re
import time

from django.db.models import Count
from pypdf import PdfReader

from assessments.models import Assessment, Cycle
from demo.cycles import DEMO_CYCLES
from demo.history import demo_history_seed
from demo.people import demo_users_create
from organisations.models import Organisation
from reports.selectors import board_report_data

# North Central London's trusts (the demo ICS, so its comparison is shown), acute trusts elsewhere
# that the demo leaves submitted this year (so the acute peer group is shown too) and the ICB.
ORGANISATIONS = [
    *("G6V2S", "RAL", "RKE", "RNK", "RP4", "RP6", "RRV", "RV3"),
    *("RRK", "R0A", "R0B", "R1F", "R1K", "RA7"),
    "QMJ",
]
RENDERS = int(os.environ.get("WGLL_BENCH_RENDERS", "100"))

# The ceiling document's stylesheet: the page size and font of the report, nothing else.
PLAIN_STYLESHEET = (
    '@page { size: A4; margin: 20mm 18mm } html { font-family: "Liberation Sans", sans-serif; font-size: 10.5pt }'
)
CHART = re.compile(r'<figure class="chart">.*?</figure>|<link rel="stylesheet"[^>]*>', re.DOTALL)


def rss_mib() -> float:
    """This process's resident set size (VmRSS), in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _make_room_for_the_demo() -> None:
    """Rename cycles another benchmark opened under the demo's names, unless the demo history is
    already there ("2025/26" becomes "B-25/26", after every numbered cycle in name order)."""
    names = [c.name for c in DEMO_CYCLES]
    if Cycle.objects.filter(name=names[0]).exists():
        return
    for cycle in Cycle.objects.filter(name__in=names):
        Cycle.objects.filter(pk=cycle.pk).update(name=f"B-{cycle.name[2:]}")


def _seed() -> None:
    """The demo history for ORGANISATIONS. Opening a cycle creates an assessment for every
    organisation in scope, so the scoring benchmark's synthetic trusts (its ICS "QZZ") are put out
    of scope meanwhile: with no care setting, no domain applies to them."""
    _make_room_for_the_demo()
    synthetic = Organisation.objects.filter(ics__icb_ods_code="QZZ")
    settings = dict(synthetic.values_list("pk", "care_settings"))
    synthetic.update(care_settings=[])
    try:
        demo_users_create()
        demo_history_seed(organisations=ORGANISATIONS)
    finally:
        pks_by_settings: dict[tuple[str, ...], list[int]] = {}
        for pk, value in settings.items():
            pks_by_settings.setdefault(tuple(value), []).append(pk)
        for value, pks in pks_by_settings.items():
            for start in range(0, len(pks), 500):
                Organisation.objects.filter(pk__in=pks[start : start + 500]).update(care_settings=list(value))


def _subject() -> Assessment:
    """The latest demo cycle's submitted trust assessment with the longest trend and the most comparisons
    shown (the most evidence breaks ties)."""
    latest = DEMO_CYCLES[-1].name
    candidates = (
        Assessment.objects.filter(
            cycle__name=latest,
            organisation__ods_code__in=ORGANISATIONS,
            organisation__kind="trust",
            status__in=Assessment.SUBMITTED_OR_LATER,
        )
        .annotate(evidence=Count("responses__evidence"))
        .order_by("-evidence", "organisation__ods_code")
    )
    best = None
    for assessment in candidates:
        data = board_report_data(assessment.pk)
        if data is None:
            continue
        key = (len(data.trend), data.peer_group is not None and data.peer_group.shown, data.ics.shown)
        if best is None or key > best[0]:
            best = (key, assessment)
    if best is None:
        raise RuntimeError("the demo seeding left no scored, submitted assessment to report on")
    return best[1]


def run(measure, report) -> None:
    # WeasyPrint logs every layout step at INFO, which the settings print: quiet while measuring.
    progress = logging.getLogger("weasyprint.progress")
    level = progress.level
    progress.setLevel(logging.WARNING)
    try:
        _run(measure, report)
    finally:
        progress.setLevel(level)


def _run(measure, report) -> None:
    # Imported here, after the progress logger is quietened: importing WeasyPrint logs too.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from reports.render import BASE_URL, RestrictedFetcher, report_html, report_pdf

    started = time.perf_counter()
    _seed()
    subject = _subject()
    data = board_report_data(subject.pk)
    assert data is not None
    shown = [c.name for c in (data.ics, data.peer_group, data.national) if c is not None and c.shown]
    print(
        f"\nBoard report: {subject.organisation.name}, {subject.cycle.name} ({subject.status}); "
        f"{len(ORGANISATIONS)} organisations seeded with the demo app in {time.perf_counter() - started:.1f} s"
    )
    print(
        f"  trend {', '.join(name for name, _ in data.trend)}; comparisons shown: {', '.join(shown) or 'none'}; "
        f"{len(data.measures)} measures, {len(data.flags)} flags, {len(data.evidence)} evidence items"
    )

    cold = rss_mib()
    started = time.perf_counter()
    pdf = report_pdf(data)
    first = (time.perf_counter() - started) * 1000
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"  PDF: {pages} pages, {len(pdf) / 1024:.0f} KiB; first render {first:.0f} ms, RSS before it {cold:.0f} MiB")

    def hello() -> bytes:
        return HTML(string="<p>Hello</p>").write_pdf()

    # The same HTML (so the same text, tables and headings) without the charts (and without any
    # linked stylesheet), under a plain stylesheet, with one font configuration like the report's.
    ceiling_html = CHART.sub("", report_html(data))
    ceiling_fonts = FontConfiguration()
    ceiling_css = CSS(string=PLAIN_STYLESHEET, font_config=ceiling_fonts)

    def ceiling() -> bytes:
        document = HTML(string=ceiling_html, base_url=BASE_URL, url_fetcher=RestrictedFetcher())
        return document.write_pdf(stylesheets=[ceiling_css], font_config=ceiling_fonts)

    ceiling_pages = len(PdfReader(io.BytesIO(ceiling())).pages)
    rendered = measure(lambda: report_pdf(data), 10)
    report(
        "board report to PDF bytes (report_pdf, median of 10)",
        rendered,
        f"ceiling: same text, no charts, plain CSS ({ceiling_pages} pages)",
        measure(ceiling, 10),
    )
    report(
        "board report to PDF bytes (report_pdf, median of 10)",
        rendered,
        "one-paragraph WeasyPrint document",
        measure(hello, 20),
    )

    # Memory of a long-lived worker: RSS before and after many renders in this process.
    budget_s = float(os.environ.get("WGLL_BENCH_RENDER_BUDGET_S", "100"))
    renders = max(1, min(RENDERS, int(budget_s * 1000 / rendered[0])))
    gc.collect()
    before = rss_mib()
    started = time.perf_counter()
    for _ in range(renders):
        report_pdf(data)
    elapsed = time.perf_counter() - started
    gc.collect()
    after = rss_mib()
    note = "" if renders == RENDERS else f" (not {RENDERS}: they would take over {budget_s:.0f} s)"
    print(f"worker memory over {renders} renders{note}, {elapsed:.0f} s, {elapsed * 1000 / renders:.0f} ms each")
    print(
        f"  RSS before {before:.1f} MiB, after {after:.1f} MiB, growth {after - before:+.1f} MiB "
        f"({(after - before) * 1024 / renders:+.1f} KiB per render)"
    )
