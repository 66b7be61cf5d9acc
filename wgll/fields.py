"""The NHS.UK design system's text input, textarea, select and file upload written in Python:
`text_input(params)`, `textarea(params)`, `select(params)` and `file_upload(params)`, called from
templates through templates/macros/fields.html with the nhsuk-frontend-jinja `input`, `textarea`,
`select` and `fileUpload` macros' parameters as this portal's forms use them: id, name, value,
type, a label (text, size; not as the page's heading), a hint and an error message (text),
classes, autocomplete, spellcheck, rows, plain attributes and a select's options (value, text,
selected).

Why: after the checkboxes (wgll/choices.py), the label, hint, error and attribute macros these
call, with their indent and trim passes, were most of what was left of the domain page's own
time (the file upload alone a tenth of it), and the filters' selects were a third of the flags
list's. Any other parameter (a label as the page heading, prefixes, html parts, attributes that
are not plain text, a select's own value, dividers, disabled options, several files...) returns
None and the template macro falls back to the design system's own. Text and values are escaped;
tests/wgll/test_form_markup.py compares the output with the design system's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Undefined
from markupsafe import Markup, escape

from wgll.choices import _plain_text
from wgll.tables import _given

LABEL_SIZES = {"s", "m", "l", "xl"}
INPUT_PARAMS = {
    "id",
    "name",
    "type",
    "value",
    "label",
    "hint",
    "errorMessage",
    "autocomplete",
    "classes",
    "spellcheck",
    "attributes",
}
FILE_UPLOAD_PARAMS = {"id", "name", "label", "hint", "errorMessage", "classes", "attributes"}
SELECT_PARAMS = {"id", "name", "label", "hint", "errorMessage", "items", "classes"}
OPTION_PARAMS = {"value", "text", "selected"}
TEXTAREA_PARAMS = {"id", "name", "value", "label", "hint", "errorMessage", "rows", "autocomplete", "classes"}


def _absent(value: Any) -> bool:
    return value is None or isinstance(value, Undefined)


def _label(label: Any) -> tuple[str, str] | None:
    """(classes, escaped text) of a plain label; None for anything else."""
    if not isinstance(label, Mapping) or set(label) - {"text", "size", "isPageHeading"}:
        return None
    if label.get("isPageHeading") or not _given(label.get("text")):
        return None
    classes = "nhsuk-label"
    if label.get("size") in LABEL_SIZES:
        classes += f" nhsuk-label--{label['size']}"
    return classes, str(escape(label["text"]))


def _attributes(attributes: Any) -> str | None:
    """Plain text attributes as the design system writes them; None for anything else (booleans
    and optional values have rules of their own there)."""
    if _absent(attributes):
        return ""
    if not isinstance(attributes, Mapping) or not all(isinstance(v, str) for v in attributes.values()):
        return None
    return "".join(f' {escape(name)}="{escape(value)}"' for name, value in attributes.items())


def _field(params: Any, allowed: set[str], base_class: str) -> tuple[str, list[str], str, str, str] | None:
    """The form group, label, hint and error every field shares: (group classes, parts before the
    control, the control's classes, aria-describedby, the control's id); None when unsupported."""
    if not isinstance(params, Mapping) or set(params) - allowed or not _given(params.get("id")):
        return None
    label = _label(params.get("label"))
    hint, error = _plain_text(params.get("hint")), _plain_text(params.get("errorMessage"))
    if label is None or hint is None or error is None:
        return None
    control_id = str(escape(params["id"]))
    parts = [f'<label class="{label[0]}" for="{control_id}">{label[1]}</label>']
    described = []
    if hint:
        described.append(f"{control_id}-hint")
        parts.append(f'<div class="nhsuk-hint" id="{control_id}-hint">{hint}</div>')
    if error:
        described.append(f"{control_id}-error")
        parts.append(
            f'<span class="nhsuk-error-message" id="{control_id}-error">'
            f'<span class="nhsuk-u-visually-hidden">Error: </span>{error}</span>'
        )
    classes = base_class + (f" {base_class}--error" if error else "")
    if _given(params.get("classes")):
        classes += f" {params['classes']}"
    group = "nhsuk-form-group" + (" nhsuk-form-group--error" if error else "")
    described_by = f' aria-describedby="{" ".join(described)}"' if described else ""
    return group, parts, str(escape(classes)), described_by, control_id


def text_input(params: Any) -> Markup | None:
    field = _field(params, INPUT_PARAMS, "nhsuk-input")
    attributes = _attributes(params.get("attributes")) if field else None
    if field is None or attributes is None:
        return None
    value, spellcheck = params.get("value"), params.get("spellcheck")
    if not (_absent(value) or isinstance(value, str)) or not (_absent(spellcheck) or isinstance(spellcheck, bool)):
        return None
    group, parts, classes, described_by, control_id = field
    control = f'<input class="{classes}" id="{control_id}" name="{escape(params.get("name"))}"'
    control += f' type="{escape(params.get("type") or "text")}"'
    if isinstance(spellcheck, bool):
        control += f' spellcheck="{str(spellcheck).lower()}"'
    if isinstance(value, str):
        control += f' value="{escape(value)}"'
    control += described_by
    if _given(params.get("autocomplete")):
        control += f' autocomplete="{escape(params["autocomplete"])}"'
    parts.append(f"{control}{attributes}>")
    return Markup(f'<div class="{group}">{"".join(parts)}</div>')  # noqa: S704 - escaped above  # nosec B704


def textarea(params: Any) -> Markup | None:
    field = _field(params, TEXTAREA_PARAMS, "nhsuk-textarea")
    if field is None or not isinstance(params.get("value", ""), str):
        return None
    group, parts, classes, described_by, control_id = field
    rows = params.get("rows") or 5
    control = f'<textarea class="{classes}" id="{control_id}" name="{escape(params.get("name"))}" rows="{escape(rows)}"'
    control += described_by
    if _given(params.get("autocomplete")):
        control += f' autocomplete="{escape(params["autocomplete"])}"'
    parts.append(f"{control}>{escape(params.get('value', ''))}</textarea>")
    return Markup(f'<div class="{group}">{"".join(parts)}</div>')  # noqa: S704 - escaped above  # nosec B704


def _option(item: Any) -> str | None:
    """One option as the design system writes it when the select is given no `value` of its own
    (so an option is selected exactly when it says so); None for anything else (dividers,
    disabled options, attributes)."""
    if not isinstance(item, Mapping) or set(item) - OPTION_PARAMS:
        return None
    selected, value, text = item.get("selected"), item.get("value"), item.get("text")
    if not (_absent(selected) or isinstance(selected, bool)) or isinstance(text, Undefined):
        return None
    option = "<option" if isinstance(value, Undefined) or "value" not in item else f'<option value="{escape(value)}"'
    return f"{option}{' selected' if selected else ''}>{escape(text)}</option>"


def select(params: Any) -> Markup | None:
    field = _field(params, SELECT_PARAMS, "nhsuk-select")
    items = params.get("items") if field else None
    if field is None or not isinstance(items, list | tuple):
        return None
    options = [_option(item) for item in items if item]
    if None in options:
        return None
    group, parts, classes, described_by, control_id = field
    parts.append(f'<select class="{classes}" id="{control_id}" name="{escape(params.get("name"))}"{described_by}>')
    parts.extend(options)
    parts.append("</select>")
    return Markup(f'<div class="{group}">{"".join(parts)}</div>')  # noqa: S704 - escaped above  # nosec B704


def file_upload(params: Any) -> Markup | None:
    """The design system's file upload (a domain page's evidence file), its script's data-module
    included; no i18n texts or input wrappers of its own."""
    field = _field(params, FILE_UPLOAD_PARAMS, "nhsuk-file-upload__input")
    attributes = _attributes(params.get("attributes")) if field else None
    if field is None or attributes is None:
        return None
    group, parts, _, described_by, control_id = field
    classes = "nhsuk-file-upload__input"  # no error variant of its own, unlike the text input
    if _given(params.get("classes")):
        classes += f" {params['classes']}"
    parts.append(
        f'<input class="{escape(classes)}" id="{control_id}" name="{escape(params.get("name"))}" type="file"'
        f"{described_by}{attributes}>"
    )
    return Markup(f'<div class="{group} nhsuk-file-upload" data-module="nhsuk-file-upload">{"".join(parts)}</div>')  # noqa: S704 - escaped above  # nosec B704


BUTTON_PARAMS = {"text", "variant", "classes", "href", "attributes", "small"}
BUTTON_VARIANTS = ("brand", "login", "reverse", "secondary", "secondary-solid", "warning")


def button(params: Any, content: Any = None) -> Markup | None:
    """The design system's button (a submit button, or a link drawn as one with `href`) with plain
    text or a caller's content (`content`: what a `{% call button(...) %}` block wrote), a variant,
    the small size, classes and plain attributes; None for anything else (html, icons, disabled...)."""
    if not isinstance(params, Mapping) or set(params) - BUTTON_PARAMS:
        return None
    text, href, classes, small = params.get("text"), params.get("href"), params.get("classes"), params.get("small")
    if content is not None:
        # The design system writes a caller's content as it is: Jinja escaped what the block printed.
        label = Markup(str(content).strip())  # noqa: S704 - the template's own output  # nosec B704
    elif isinstance(text, str) and not isinstance(text, Markup):
        label = escape(text.strip())
    else:
        return None
    attributes = _attributes(params.get("attributes"))
    plain = (_absent(value) or (isinstance(value, str) and not isinstance(value, Markup)) for value in (href, classes))
    if not label or attributes is None or not all(plain) or not (_absent(small) or isinstance(small, bool)):
        return None
    names = "nhsuk-button"
    variant = params.get("variant")
    if variant in BUTTON_VARIANTS and not (classes and any(f"nhsuk-button--{v}" in classes for v in BUTTON_VARIANTS)):
        names += f" nhsuk-button--{variant}"
    if small and not (classes and "nhsuk-button--small" in classes):
        names += " nhsuk-button--small"
    if classes:
        names += f" {classes}"
    if href:
        return Markup(  # noqa: S704 - escaped above  # nosec B704
            f'<a class="{escape(names)}" data-module="nhsuk-button" href="{escape(href)}" role="button"'
            f' draggable="false"{attributes}>{label}</a>'
        )
    return Markup(  # noqa: S704 - escaped above  # nosec B704
        f'<button class="{escape(names)}" data-module="nhsuk-button" type="submit"{attributes}>{label}</button>'
    )
