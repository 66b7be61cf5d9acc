"""The NHS.UK design system's checkboxes and radios written in Python: `choices(kind, params)`,
called from templates through templates/macros/choices.html with the nhsuk-frontend-jinja
`checkboxes` and `radios` macros' parameters as this portal uses them: idPrefix, name, a fieldset
with a legend (text, size), a hint and an error message (text), and items of value, text, checked
and a hint (text).

Why: the design system's macro calls the fieldset, legend, label, hint and attribute macros, with
indent and trim passes, for every item: about two thirds of the domain page's time (a checkbox a
criterion, five levels of them). Here an item is a few string joins. Any other parameter (html
labels, conditional reveals, dividers, attributes...) returns None, and the template macro falls
back to the design system's own, so nothing the portal does not use is half-supported. Text and
values are escaped; tests/wgll/test_tables.py compares the output with the design system's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from wgll.tables import _given

KINDS = {"checkboxes": ("nhsuk-checkboxes", "checkbox"), "radios": ("nhsuk-radios", "radio")}
PARAMS = {"idPrefix", "name", "fieldset", "hint", "errorMessage", "items"}
ITEM_PARAMS = {"value", "text", "checked", "hint"}
LEGEND_SIZES = {"s", "m", "l", "xl"}


def _plain_text(value: Any, *, required: bool = False) -> str | None:
    """The text of an optional {"text": ...} part; None when the part is something else."""
    if not _given(value):
        return "" if not required else None
    if not isinstance(value, Mapping) or set(value) - {"text"}:
        return None
    text = value.get("text")
    return str(escape(text)) if _given(text) else ("" if not required else None)


def _unsupported(params: Mapping) -> bool:
    if not isinstance(params, Mapping) or set(params) - PARAMS or not _given(params.get("idPrefix")):
        return True
    fieldset = params.get("fieldset")
    if not isinstance(fieldset, Mapping) or set(fieldset) != {"legend"}:
        return True
    legend = fieldset["legend"]
    if not isinstance(legend, Mapping) or set(legend) - {"text", "size"} or not _given(legend.get("text")):
        return True
    if _plain_text(params.get("hint")) is None or _plain_text(params.get("errorMessage")) is None:
        return True
    items = params.get("items")
    if not isinstance(items, list | tuple):
        return True
    return any(
        item and (not isinstance(item, Mapping) or set(item) - ITEM_PARAMS or _plain_text(item.get("hint")) is None)
        for item in items
    )


def choices(kind: str, params: Mapping) -> Markup | None:
    """Checkboxes or radios as the design system writes them; None for parameters it leaves to
    the design system's macro."""
    if _unsupported(params):
        return None
    block, input_type = KINDS[kind]
    prefix = str(escape(params["idPrefix"]))
    name = escape(params.get("name"))
    legend = params["fieldset"]["legend"]
    hint, error = _plain_text(params.get("hint")), _plain_text(params.get("errorMessage"))
    described = []
    group = "nhsuk-form-group" + (" nhsuk-form-group--error" if error else "")
    legend_classes = "nhsuk-fieldset__legend"
    if legend.get("size") in LEGEND_SIZES:
        legend_classes += f" nhsuk-fieldset__legend--{legend['size']}"
    inner = []
    if hint:
        described.append(f"{prefix}-hint")
        inner.append(f'<div class="nhsuk-hint" id="{prefix}-hint">{hint}</div>')
    if error:
        described.append(f"{prefix}-error")
        inner.append(
            f'<span class="nhsuk-error-message" id="{prefix}-error">'
            f'<span class="nhsuk-u-visually-hidden">Error: </span>{error}</span>'
        )
    inner.append(f'<div class="{block}" data-module="{block}">')
    for index, item in enumerate(params["items"], start=1):
        if not item:
            continue
        item_id = prefix + (f"-{index}" if index > 1 else "")
        item_hint = _plain_text(item.get("hint"))
        checked = " checked" if item.get("checked") else ""
        hint_attribute = f' aria-describedby="{item_id}-item-hint"' if item_hint else ""
        inner.append(
            f'<div class="{block}__item"><input class="{block}__input" id="{item_id}" name="{name}" '
            f'type="{input_type}" value="{escape(item.get("value"))}"{checked}{hint_attribute}>'
        )
        text = item.get("text")
        if _given(text):
            inner.append(f'<label class="nhsuk-label {block}__label" for="{item_id}">{escape(text)}</label>')
        if item_hint:
            inner.append(f'<div class="nhsuk-hint {block}__hint" id="{item_id}-item-hint">{item_hint}</div>')
        inner.append("</div>")
    inner.append("</div>")
    described_by = f' aria-describedby="{" ".join(described)}"' if described else ""
    return Markup(  # noqa: S704 - every text and attribute value above is escaped  # nosec B704
        f'<div class="{group}"><fieldset class="nhsuk-fieldset"{described_by}>'
        f'<legend class="{legend_classes}">{escape(legend["text"])}</legend>{"".join(inner)}</fieldset></div>'
    )
