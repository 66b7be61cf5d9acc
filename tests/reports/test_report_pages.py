"""Where board report pages break: a heading is never left at the foot of a page with what it
heads on the next. Checked on WeasyPrint's own page layout, the one the PDF is written from."""

import itertools

import pytest
from weasyprint.formatting_structure import boxes

from reports import render
from reports.selectors import board_report_data

pytestmark = pytest.mark.django_db

HEADINGS = ("h1", "h2", "h3", "h4")
BLOCKS = (*HEADINGS, "p", "li", "tr", "caption", "dt", "dd", "figure")


def _text(box) -> str:
    if isinstance(box, boxes.TextBox):
        return box.text
    return "".join(_text(child) for child in getattr(box, "children", ()))


def _blocks(box, found: list[tuple[str, str]]) -> None:
    if box.element_tag in BLOCKS and isinstance(box, boxes.BlockBox | boxes.TableRowBox):
        found.append((box.element_tag, " ".join(_text(box).split())))
        return
    for child in getattr(box, "children", ()):
        _blocks(child, found)


def pages(document) -> list[list[tuple[str, str]]]:
    """The content blocks (headings, paragraphs, list items, table rows ...) of each page, in order."""
    result = []
    for page in document.pages:
        found: list[tuple[str, str]] = []
        _blocks(page._page_box, found)
        result.append(found)
    return result


def stranded(layout: list[list[tuple[str, str]]]) -> list[str]:
    """Headings at the foot of a page whose content starts on the next: the page's last block is
    a heading, or a heading and the one paragraph leading in to the sub-headings below it (the
    next page starting with one: a measure under "Domains and next steps", a flag under
    "Validation flags"). A heading and a paragraph that is all its section says is complete."""
    problems = []
    for number, (page, following) in enumerate(itertools.pairwise(layout), start=1):
        tags = [tag for tag, _ in page]
        if tags and tags[-1] in HEADINGS:
            problems.append(f"page {number} ends with the heading {page[-1][1]!r}")
        elif len(tags) >= 2 and tags[-2] in HEADINGS and tags[-1] == "p" and following:
            next_tag = following[0][0]
            if next_tag in HEADINGS and next_tag > tags[-2]:  # "h3" > "h2": a sub-heading of it
                problems.append(f"page {number} ends with the heading {page[-2][1]!r} and its lead-in only")
    return problems


def test_no_heading_is_left_at_the_foot_of_a_page(scored):
    """Longer and longer notes on the first domain move every later break point down the pages,
    so each heading of the report meets the foot of a page in one layout or another."""
    data = board_report_data(scored.pk)
    first = data.measures[0].domains[0]
    problems = {}
    for lines in range(0, 56, 6):
        first.notes = "\n".join(f"Line {n} of a long note." for n in range(lines))
        layout = pages(render.report_document(data))
        assert len(layout) >= 5
        if found := stranded(layout):
            problems[lines] = found
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
