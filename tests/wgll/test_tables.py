"""The portal's own table macro (templates/macros/table.html) writes the same markup as the
NHS.UK design system's `table` macro for every parameter the portal's pages use: same elements,
classes, roles, scopes and text, whitespace aside. It exists only because the design system's
macro is slow cell by cell."""

from html.parser import HTMLParser

import pytest
from django.template import engines
from markupsafe import Markup

CASES = {
    "plain with a numeric column": {
        "caption": "Versions",
        "head": [{"text": "Version"}, {"text": "Domains", "format": "numeric"}],
        "rows": [[{"text": "2025/26"}, {"text": "46", "format": "numeric"}], [{"text": "2024/25"}, {"text": "45"}]],
    },
    "responsive with links, tags and escaping": {
        "caption": "3 organisations",
        "responsive": True,
        "head": [{"text": "Name"}, {"text": "ODS code"}, {"text": "Status"}],
        "rows": [
            [
                {"html": Markup('<a href="/organisations/RAL/">Royal Free &amp; Co</a>')},
                {"text": "R<A>L & 1"},
                {"html": Markup('<strong class="nhsuk-tag">Draft</strong>')},
            ]
        ],
        "attributes": {"id": "flag-list"},
    },
    "first cell heads its row, small caption, extra classes": {
        "caption": "Scores",
        "captionSize": "s",
        "firstCellIsHeader": True,
        "classes": "app-side-by-side",
        "head": [{"text": "Measure"}, {"text": "Score", "format": "numeric"}, {"html": Markup("<em>Note</em>")}],
        "rows": [
            [{"text": "Well led"}, {"text": "3.2"}, {"text": "a <b> note", "classes": "app-level app-level--3"}],
            [{"html": "<strong>Total</strong>"}, {"html": "<strong>7</strong>", "format": "numeric"}, {"text": "x"}],
        ],
    },
    "responsive with a row header": {
        "caption": "Counts",
        "responsive": True,
        "firstCellIsHeader": True,
        "head": [{"text": "Kind"}, {"text": "Number", "format": "numeric"}],
        "rows": [[{"text": "NHS trusts"}, {"text": "202"}]],
    },
}


class _Tokens(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: " ".join(sorted((value or "").split())) for name, value in attrs}
        self.tokens.append(("start", tag, tuple(sorted(attributes.items()))))

    def handle_endtag(self, tag):
        self.tokens.append(("end", tag))

    def handle_data(self, data):
        text = " ".join(data.split())
        if text:
            # Adjacent text runs are one run whatever the whitespace between them.
            if self.tokens and self.tokens[-1][0] == "text":
                self.tokens[-1] = ("text", self.tokens[-1][1] + " " + text)
            else:
                self.tokens.append(("text", text))


def tokens(html: str) -> list[tuple]:
    parser = _Tokens()
    parser.feed(html)
    return parser.tokens


def render(source: str, params: dict) -> str:
    return engines["jinja2"].env.from_string(source).render(params=params)


DESIGN_SYSTEM = '{% from "nhsuk/components/tables/macro.jinja" import table %}{{ table(params) }}'
OURS = '{% from "macros/table.html" import data_table %}{{ data_table(params) }}'


@pytest.mark.parametrize("params", CASES.values(), ids=CASES.keys())
def test_data_table_writes_the_design_systems_markup(params):
    expected = tokens(render(DESIGN_SYSTEM, params))
    assert tokens(render(OURS, params)) == expected
    assert expected[0] != ("start", "table", ())  # the comparison saw a real table with its classes


def test_data_table_escapes_text_and_attributes():
    page = render(
        OURS,
        {"head": [{"text": "A"}], "rows": [[{"text": "<script>x</script>"}]], "attributes": {"id": '"><b>'}},
    )
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'id="&#34;&gt;&lt;b&gt;"' in page


CARDS = {
    "a card with one action": {
        "card": {
            "heading": {"text": "Cloud & hosting", "level": 3},
            "actions": {"items": [{"href": "/d/", "text": "Change"}]},
        },
        "rows": [
            {"key": {"text": "Level reached"}, "value": {"text": "Level 2 (last year: level <1>)"}},
            {"key": {"text": "Evidence"}, "value": {"html": Markup('<ul class="nhsuk-list"><li>Plan</li></ul>')}},
        ],
    },
    "a card with two actions": {
        "card": {
            "heading": {"text": "Network", "level": 3},
            "actions": {"items": [{"href": "/a/", "text": "Change"}, {"href": "/b/", "text": "Remove"}]},
        },
        "rows": [{"key": {"text": "Notes"}, "value": {"text": "None"}}],
    },
    "a card without actions": {
        "card": {"heading": {"text": "Strategy", "level": 3}},
        "rows": [{"key": {"text": "Status"}, "value": {"text": "Completed"}}],
    },
}

DESIGN_SYSTEM_CARD = (
    '{% from "nhsuk/components/summary-list/macro.jinja" import summaryList %}{{ summaryList(params) }}'
)
OUR_CARD = '{% from "macros/summary_list.html" import summary_card %}{{ summary_card(params) }}'


@pytest.mark.parametrize("params", CARDS.values(), ids=CARDS.keys())
def test_summary_card_writes_the_design_systems_markup(params):
    expected = tokens(render(DESIGN_SYSTEM_CARD, params))
    assert tokens(render(OUR_CARD, params)) == expected
    assert expected[0] == ("start", "div", (("class", "nhsuk-card"),))


def test_data_table_prints_numbers_including_zero_and_leaves_missing_cells_empty():
    page = render(
        OURS,
        {
            "head": [{"text": "Kind"}, {"text": "Number", "format": "numeric"}],
            "rows": [[{"text": "ICBs"}, {"text": 0}]],
        },
    )
    assert '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">0</td>' in page
    empty = render(OURS, {"head": [{"text": "A"}], "rows": [[{"text": None}]]})
    assert '<td class="nhsuk-table__cell"></td>' in empty and "None" not in empty


TASK_LISTS = {
    "linked items with hints, tags and plain statuses": {
        "idPrefix": "task-strategy",
        "items": [
            {
                "heading": {"text": "Cloud & hosting"},
                "href": "/assessments/2025-26/RAL/domains/cloud/",
                "hint": {"text": "Assigned to <Tom>"},
                "status": {"tag": {"text": "Not started", "colour": "white"}},
            },
            {"heading": {"text": "Network"}, "href": "/d/", "hint": None, "status": {"text": "Completed"}},
            {
                "heading": {"text": "Remote monitoring"},
                "href": "/e/",
                "hint": {"text": "Digital"},
                "status": {"tag": {"text": "Carried forward – needs review", "colour": "yellow"}},
            },
        ],
    },
    "an item without a link and a tag without a colour": {
        "idPrefix": "work-1",
        "items": [{"heading": {"text": "Read only"}, "status": {"tag": {"text": "In progress"}}}],
    },
}

DESIGN_SYSTEM_TASKS = '{% from "nhsuk/components/task-list/macro.jinja" import taskList %}{{ taskList(params) }}'
OUR_TASKS = '{% from "macros/task_list.html" import task_list %}{{ task_list(params) }}'


@pytest.mark.parametrize("params", TASK_LISTS.values(), ids=TASK_LISTS.keys())
def test_task_list_writes_the_design_systems_markup(params):
    expected = tokens(render(DESIGN_SYSTEM_TASKS, params))
    assert tokens(render(OUR_TASKS, params)) == expected
    assert expected[0] == ("start", "ul", (("class", "nhsuk-task-list"),))


@pytest.mark.parametrize(
    "params", [{"text": "High severity", "colour": "red"}, {"text": "In <progress>"}, {"text": "x", "colour": "nope"}]
)
def test_tag_writes_the_design_systems_markup(params):
    ours = '{% from "macros/tag.html" import tag %}{{ tag(params) }}'
    theirs = '{% from "nhsuk/components/tag/macro.jinja" import tag %}{{ tag(params) }}'
    assert tokens(render(ours, params)) == tokens(render(theirs, params))


def test_summary_card_escapes_text_and_links_and_trusts_only_html_values():
    page = render(
        OUR_CARD,
        {
            "card": {
                "heading": {"text": "<script>h</script>", "level": 3},
                "actions": {"items": [{"href": '/a/"><b>', "text": "<i>Change</i>"}]},
            },
            "rows": [
                {"key": {"text": "<k>"}, "value": {"text": "<script>v</script>"}},
                {"key": {"text": "Evidence"}, "value": {"html": Markup("<ul><li>Plan</li></ul>")}},
            ],
        },
    )
    assert "<script>" not in page and "<i>" not in page and '"><b>' not in page
    assert page.count("&lt;script&gt;") == 3  # heading, the action's hidden context, a value
    assert "<ul><li>Plan</li></ul>" in page and "<h3 " in page
