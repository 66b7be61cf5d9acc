"""The portal's own checkboxes and radios (templates/macros/choices.html, wgll/choices.py) write
the same markup as the NHS.UK design system's macros for every parameter the portal's pages use,
and hand anything else to the design system's macro; the kept header and footer
(wgll/kept_markup.py) are the design system's markup for exactly the parameters given."""

import pytest
from jinja2 import Undefined
from markupsafe import Markup

from tests.wgll.test_tables import render, tokens
from wgll import kept_markup

CHOICES = {
    "criteria of a level, one ticked, one new this year, escaped text": {
        "idPrefix": "id_met_criteria",
        "name": "met_criteria",
        "fieldset": {"legend": {"text": "Level 1: Basic & <safe>", "size": "s"}},
        "items": [
            {"value": "c1", "text": "A <b>plan</b> & a budget", "checked": True},
            {
                "value": "c2",
                "text": "A named lead",
                "checked": False,
                "hint": {"text": "New this year: not yet answered"},
            },
            {"value": 'c"3', "text": "Quoted value", "checked": False},
        ],
    },
    "a later level with an error and a hint": {
        "idPrefix": "id_met_criteria-level-2",
        "name": "met_criteria",
        "fieldset": {"legend": {"text": "Level 2: Developing", "size": "s"}},
        "hint": {"text": "Tick every criterion met today"},
        "errorMessage": {"text": "Tick at least one <criterion>"},
        "items": [{"value": "c4", "text": "Four", "checked": True}],
    },
    "no legend size, undefined hint and error, an empty item skipped but counted": {
        "idPrefix": "id_complete",
        "name": "complete",
        "fieldset": {"legend": {"text": "Have you completed this domain?"}},
        "hint": Undefined(),
        "errorMessage": None,
        "items": [
            {"value": "yes", "text": "Yes", "checked": False},
            None,
            {"value": "no", "text": "No", "checked": True},
        ],
    },
}


@pytest.mark.parametrize("kind", ["checkboxes", "radios"])
@pytest.mark.parametrize("params", CHOICES.values(), ids=CHOICES.keys())
def test_choices_write_the_design_systems_markup(kind, params):
    theirs = f'{{% from "nhsuk/components/{kind}/macro.jinja" import {kind} %}}{{{{ {kind}(params) }}}}'
    ours = f'{{% from "macros/choices.html" import {kind} %}}{{{{ {kind}(params) }}}}'
    expected = tokens(render(theirs, params))
    assert tokens(render(ours, params)) == expected
    assert any(token[:2] == ("start", "fieldset") for token in expected)  # a real fieldset was compared


def test_choices_escape_text_and_values():
    page = render(
        '{% from "macros/choices.html" import checkboxes %}{{ checkboxes(params) }}',
        {
            "idPrefix": "x",
            "name": "n",
            "fieldset": {"legend": {"text": "<script>l</script>"}},
            "items": [{"value": '"><script>', "text": "<script>t</script>"}],
        },
    )
    assert "<script>" not in page and page.count("&lt;script&gt;") == 3


@pytest.mark.parametrize(
    "unsupported",
    [
        {"items": [{"value": "a", "text": "A", "conditional": {"html": Markup("<p>More</p>")}}]},
        {"items": [{"value": "a", "html": Markup("<b>A</b>")}]},
        {"fieldset": {"legend": {"text": "Choose", "isPageHeading": True, "size": "l"}}},
        {"attributes": {"id": "here"}},
        {"hint": {"html": Markup("<b>hint</b>")}},
    ],
    ids=["conditional reveal", "html label", "legend as page heading", "attributes", "html hint"],
)
def test_parameters_the_portal_does_not_write_itself_go_to_the_design_systems_macro(unsupported):
    params = {
        "idPrefix": "x",
        "name": "n",
        "fieldset": {"legend": {"text": "Choose"}},
        "items": [{"value": "a", "text": "A"}],
    } | unsupported
    theirs = '{% from "nhsuk/components/radios/macro.jinja" import radios %}{{ radios(params) }}'
    ours = '{% from "macros/choices.html" import radios %}{{ radios(params) }}'
    assert render(ours, params).strip() == render(theirs, params).strip()


def test_kept_markup_is_the_macros_markup_for_exactly_its_parameters():
    kept_markup.forget_kept_markup()
    calls = []

    def macro(params):
        calls.append(params)
        return Markup(f"<p>{len(calls)}</p>")

    first = kept_markup.kept_markup("header", {"items": [{"text": "Home", "current": True}]}, macro)
    again = kept_markup.kept_markup("header", {"items": [{"text": "Home", "current": True}]}, macro)
    other = kept_markup.kept_markup("header", {"items": [{"text": "Home", "current": False}]}, macro)
    assert first == again == Markup("<p>1</p>") and other == Markup("<p>2</p>")
    # Undefined and None read differently in the design system's `default` filter: not one key.
    assert kept_markup.kept_markup("header", {"a": None}, macro) != kept_markup.kept_markup(
        "header", {"a": Undefined()}, macro
    )
    # Markup and the same characters as text are different parameters (one is escaped).
    assert kept_markup.kept_markup("f", {"t": "<b>"}, macro) != kept_markup.kept_markup(
        "f", {"t": Markup("<b>")}, macro
    )
    # Anything that is not plain data is rendered every time, never kept.
    before = len(calls)
    kept_markup.kept_markup("header", {"user": object()}, macro)
    kept_markup.kept_markup("header", {"user": object()}, macro)
    assert len(calls) == before + 2


def test_kept_markup_keeps_a_bounded_number(monkeypatch):
    kept_markup.forget_kept_markup()
    monkeypatch.setattr(kept_markup, "KEPT", 3)
    for number in range(10):
        kept_markup.kept_markup("footer", {"n": number}, lambda params: Markup(str(params["n"])))
    assert len(kept_markup._kept) == 3


def test_the_header_shows_each_persons_own_name_and_current_page(client, person, world):
    """Kept headers are keyed on what they show: two people never see each other's name."""
    first, second = person("assessment_lead", world.trust_a), person("assessment_lead", world.trust_b)
    first.first_name, second.first_name = "Ada", "Grace"
    first.save(), second.save()
    client.force_login(first)
    assert "Ada" in client.get("/").content.decode()
    client.force_login(second)
    page = client.get("/").content.decode()
    assert "Grace" in page and "Ada" not in page


FIELDS = {
    "input": {
        "a text field with a hint, an error and a form attribute": {
            "label": {"text": "Title <of> the evidence", "isPageHeading": False, "size": Undefined()},
            "id": "id_title",
            "name": "title",
            "type": "text",
            "value": 'A "quoted" & <tagged> value',
            "hint": {"text": "What the document is"},
            "errorMessage": {"text": "Enter a <title>"},
            "autocomplete": None,
            "classes": None,
            "spellcheck": Undefined(),
            "attributes": {"form": "answer-form"},
        },
        "an e-mail field with autocomplete, no spellcheck, a width class and no value": {
            "label": {"text": "E-mail address", "isPageHeading": False, "size": Undefined()},
            "id": "id_email",
            "name": "email",
            "type": "email",
            "value": "",
            "hint": Undefined(),
            "errorMessage": None,
            "autocomplete": "email",
            "classes": "nhsuk-input--width-20",
            "spellcheck": False,
            "attributes": None,
        },
        "a url field with a sized label": {
            "label": {"text": "Link", "size": "s"},
            "id": "id_url",
            "name": "url",
            "type": "url",
            "value": "https://example.org/?a=1&b=2",
        },
    },
    "textarea": {
        "notes with a hint, several lines": {
            "id": "id_notes",
            "name": "notes",
            "label": {"text": "Notes", "size": "s"},
            "hint": {"text": "Last year's notes, carried forward."},
            "value": "First line\nSecond <line> & more",
            "errorMessage": None,
            "rows": 6,
        },
        "a comment with an error and the default rows": {
            "id": "id_comment",
            "name": "comment",
            "label": {"text": "Comment"},
            "value": "",
            "errorMessage": {"text": "Say what needs to change"},
        },
    },
}


@pytest.mark.parametrize(
    ("kind", "params"),
    [(kind, params) for kind, cases in FIELDS.items() for params in cases.values()],
    ids=[name for cases in FIELDS.values() for name in cases],
)
def test_fields_write_the_design_systems_markup(kind, params):
    theirs = f'{{% from "nhsuk/components/{kind}/macro.jinja" import {kind} %}}{{{{ {kind}(params) }}}}'
    ours = f'{{% from "macros/fields.html" import {kind} %}}{{{{ {kind}(params) }}}}'
    expected = tokens(render(theirs, params))
    assert tokens(render(ours, params)) == expected
    assert any(token[:2] in {("start", "input"), ("start", "textarea")} for token in expected)


@pytest.mark.parametrize(
    "unsupported",
    [
        {"label": {"text": "Title", "isPageHeading": True, "size": "l"}},
        {"prefix": "£"},
        {"attributes": {"required": True}},
        {"hint": {"html": Markup("<b>hint</b>")}},
    ],
    ids=["label as page heading", "prefix", "boolean attribute", "html hint"],
)
def test_field_parameters_the_portal_does_not_write_itself_go_to_the_design_systems_macro(unsupported):
    params = {"id": "x", "name": "x", "label": {"text": "X"}, "value": "v"} | unsupported
    theirs = '{% from "nhsuk/components/input/macro.jinja" import input %}{{ input(params) }}'
    ours = '{% from "macros/fields.html" import input %}{{ input(params) }}'
    assert render(ours, params).strip() == render(theirs, params).strip()


SELECTS = {
    "a filter with an empty choice, one selected, escaped text and values": {
        "label": {"text": "Status <of> the flag"},
        "id": "id_status",
        "name": "status",
        "hint": Undefined(),
        "errorMessage": None,
        "items": [
            {"value": "", "text": "Any status", "selected": False},
            {"value": 'a"&b', "text": "Open <new>", "selected": True},
            {"value": "closed", "text": "Closed", "selected": False},
        ],
    },
    "an assignment with a hint, an error, a class and numeric values": {
        "label": {"text": "Who answers Cloud", "size": "s"},
        "id": "id_domain_3",
        "name": "domain_3",
        "hint": {"text": "Leads and contributors"},
        "errorMessage": {"text": "Choose someone who can answer"},
        "classes": "nhsuk-u-width-two-thirds",
        "items": [{"value": "", "text": "Nobody", "selected": False}, {"value": 7, "text": "Ada", "selected": True}],
    },
    "an option without a value and an empty item skipped": {
        "label": {"text": "Cycle"},
        "id": "id_cycle",
        "name": "cycle",
        "items": [{"text": "Latest"}, None, {"value": "2024-25", "text": "2024/25"}],
    },
}


@pytest.mark.parametrize("params", SELECTS.values(), ids=SELECTS.keys())
def test_select_writes_the_design_systems_markup(params):
    theirs = '{% from "nhsuk/components/select/macro.jinja" import select %}{{ select(params) }}'
    ours = '{% from "macros/fields.html" import select %}{{ select(params) }}'
    expected = tokens(render(theirs, params))
    assert tokens(render(ours, params)) == expected
    assert any(token[:2] == ("start", "option") for token in expected)  # real options were compared


@pytest.mark.parametrize(
    "unsupported",
    [
        {"value": "b"},
        {"items": [{"value": "a", "text": "A"}, {"divider": True}]},
        {"items": [{"value": "a", "text": "A", "disabled": True}]},
        {"label": {"html": Markup("<b>Status</b>")}},
        {"attributes": {"form": "filters"}},
    ],
    ids=["the select's own value", "divider", "disabled option", "html label", "attributes"],
)
def test_select_parameters_the_portal_does_not_write_itself_go_to_the_design_systems_macro(unsupported):
    params = {"id": "s", "name": "s", "label": {"text": "S"}, "items": [{"value": "a", "text": "A"}]} | unsupported
    theirs = '{% from "nhsuk/components/select/macro.jinja" import select %}{{ select(params) }}'
    ours = '{% from "macros/fields.html" import select %}{{ select(params) }}'
    assert render(ours, params).strip() == render(theirs, params).strip()


FILE_UPLOADS = {
    "evidence with a hint, an error and a form attribute, escaped": {
        "id": "id_evidence_file",
        "name": "evidence_file",
        "label": {"text": "Upload a <file>"},
        "hint": {"text": "PDF, Word & Excel"},
        "errorMessage": {"text": "The file is over 20 MB"},
        "attributes": {"form": "answer-form"},
    },
    "no hint text, no error, no attributes": {
        "id": "id_evidence_file",
        "name": "evidence_file",
        "label": {"text": "Upload a file"},
        "hint": {"text": ""},
        "errorMessage": None,
        "attributes": None,
    },
}


@pytest.mark.parametrize("params", FILE_UPLOADS.values(), ids=FILE_UPLOADS.keys())
def test_file_upload_writes_the_design_systems_markup(params):
    theirs = '{% from "nhsuk/components/file-upload/macro.jinja" import fileUpload %}{{ fileUpload(params) }}'
    ours = '{% from "macros/fields.html" import fileUpload %}{{ fileUpload(params) }}'
    expected = tokens(render(theirs, params))
    assert tokens(render(ours, params)) == expected
    assert any(token[:2] == ("start", "input") for token in expected)


@pytest.mark.parametrize(
    "unsupported",
    [{"multiple": True}, {"chooseFilesButtonText": "Pick"}, {"label": {"text": "F", "isPageHeading": True}}],
    ids=["multiple", "i18n text", "label as page heading"],
)
def test_file_upload_parameters_the_portal_does_not_write_itself_go_to_the_design_systems_macro(unsupported):
    params = {"id": "f", "name": "f", "label": {"text": "F"}} | unsupported
    theirs = '{% from "nhsuk/components/file-upload/macro.jinja" import fileUpload %}{{ fileUpload(params) }}'
    ours = '{% from "macros/fields.html" import fileUpload %}{{ fileUpload(params) }}'
    assert render(ours, params).strip() == render(theirs, params).strip()


HOME_CARDS = {
    "a clickable card with a link and a description, escaped": {
        "heading": "Royal Free London & <Partners>",
        "href": "/organisations/RAL/?a=1&b=2",
        "clickable": True,
        "description": "Your role: Assessment lead. North Central London <ICS>.",
    },
    "a card without a description, not clickable": {"heading": " Strategy ", "href": "/s/", "clickable": False},
    "a card without a link": {"heading": "Read only", "description": "Nothing to follow"},
}


@pytest.mark.parametrize("params", HOME_CARDS.values(), ids=HOME_CARDS.keys())
def test_card_writes_the_design_systems_markup(params):
    theirs = '{% from "nhsuk/components/card/macro.jinja" import card %}{{ card(params) }}'
    ours = '{% from "macros/card.html" import card %}{{ card(params) }}'
    expected = tokens(render(theirs, params))
    assert tokens(render(ours, params)) == expected
    assert any(token[:2] == ("start", "h2") for token in expected)  # a real heading was compared


@pytest.mark.parametrize(
    "unsupported",
    [
        {"description": Markup("<p>Already <b>markup</b></p>")},
        {"heading": Markup("<b>Bold</b>")},
        {"actions": {"items": [{"href": "/c/", "text": "Change"}]}},
        {"primary": True},
        {"heading": {"text": "Mapped", "level": 3}},
    ],
    ids=["html description", "html heading", "actions", "primary variant", "heading as a mapping"],
)
def test_card_parameters_the_portal_does_not_write_itself_go_to_the_design_systems_macro(unsupported):
    params = {"heading": "Card", "href": "/c/", "clickable": True, "description": "Text"} | unsupported
    theirs = '{% from "nhsuk/components/card/macro.jinja" import card %}{{ card(params) }}'
    ours = '{% from "macros/card.html" import card %}{{ card(params) }}'
    assert render(ours, params).strip() == render(theirs, params).strip()


BUTTONS = {
    "a submit button with escaped text": {"text": "Save <and> continue"},
    "a secondary variant": {"text": "Filter", "variant": "secondary"},
    "a link drawn as a button, escaped address": {"text": "Review", "href": '/assessments/?a=1&b="2"'},
    "a variant already in the classes is not repeated": {
        "text": "Save",
        "variant": "secondary",
        "classes": "nhsuk-button--secondary nhsuk-u-margin-bottom-0",
    },
    "plain attributes": {
        "text": "Add evidence",
        "variant": "secondary",
        "attributes": {"form": "f", "formaction": "/x/"},
    },
    "an unknown variant is ignored": {"text": "Go", "variant": "nope"},
    "the small size": {"text": "Change", "variant": "secondary", "small": True},
    "small already in the classes is not repeated": {"text": "Go", "small": True, "classes": "nhsuk-button--small"},
    "not small": {"text": "Go", "small": False},
}


@pytest.mark.parametrize("params", BUTTONS.values(), ids=BUTTONS.keys())
def test_button_writes_the_design_systems_markup(params):
    theirs = '{% from "nhsuk/components/button/macro.jinja" import button %}{{ button(params) }}'
    ours = '{% from "macros/button.html" import button %}{{ button(params) }}'
    expected = tokens(render(theirs, params))
    assert tokens(render(ours, params)) == expected
    assert expected[0][:2] in {("start", "button"), ("start", "a")}


@pytest.mark.parametrize(
    "unsupported",
    [{"html": Markup("<b>Go</b>")}, {"small": "yes"}, {"disabled": True}, {"attributes": {"hidden": True}}],
    ids=["html", "small not a boolean", "disabled", "boolean attribute"],
)
def test_button_parameters_the_portal_does_not_write_itself_go_to_the_design_systems_macro(unsupported):
    params = {"text": "Go"} | unsupported
    theirs = '{% from "nhsuk/components/button/macro.jinja" import button %}{{ button(params) }}'
    ours = '{% from "macros/button.html" import button %}{{ button(params) }}'
    assert render(ours, params).strip() == render(theirs, params).strip()


@pytest.mark.parametrize(
    "params",
    [{"variant": "secondary", "small": True}, {"href": "/x/?a=1&b=2"}, {"text": "ignored for the content"}],
    ids=["small secondary", "a link", "text beside content"],
)
def test_a_button_with_a_callers_content_writes_the_design_systems_markup(params):
    body = '{% call button(params) %} Remove<span class="nhsuk-u-visually-hidden"> a <file></span> {% endcall %}'
    theirs = render('{% from "nhsuk/components/button/macro.jinja" import button %}' + body, params)
    ours = render('{% from "macros/button.html" import button %}' + body, params)
    assert tokens(ours) == tokens(theirs)
    assert "Remove<span" in ours
