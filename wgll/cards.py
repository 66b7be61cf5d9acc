"""The NHS.UK design system's cards written in Python. `card(params)`, called from templates
through templates/macros/card.html with the nhsuk-frontend-jinja `card` macro's parameters as the
home page uses them: a plain-text heading, a link, `clickable` and a plain-text description.

Why: the home page shows a card per organisation, assessment and system, and the design system's
macro (with the heading macro it calls, and their trim and indent passes) was about a tenth of the
home page's time. Any other parameter (a heading or description given as markup or a mapping,
actions, variants, images, a caller...) returns None and the template macro falls back to the
design system's own. Text and links are escaped; tests/wgll/test_form_markup.py compares the
output with the design system's. `summary_card(params)` is the summary list in a card of
templates/macros/summary_list.html, compared with the design system's in tests/wgll/test_tables.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Undefined
from markupsafe import Markup, escape

from wgll.tables import _given

PARAMS = {"heading", "href", "clickable", "description"}


def _text(value: Any) -> str | None:
    """A plain string, not markup (which the design system writes unescaped, as html)."""
    return value if isinstance(value, str) and not isinstance(value, Markup) else None


def card(params: Any) -> Markup | None:
    if not isinstance(params, Mapping) or set(params) - PARAMS:
        return None
    heading, description = _text(params.get("heading")), params.get("description")
    clickable, href = params.get("clickable"), params.get("href")
    if heading is None or not heading.strip() or not (clickable is None or isinstance(clickable, bool)):
        return None
    if (_given(description) and _text(description) is None) or (_given(href) and _text(href) is None):
        return None
    title = str(escape(heading.strip()))
    if _given(href):
        title = f'<a class="nhsuk-card__link" href="{escape(href)}">{title}</a>'
    parts = [f'<h2 class="nhsuk-card__heading">{title}</h2>']
    if _given(description) and description.strip():
        parts.append(f'<p class="nhsuk-card__description">{escape(description.strip())}</p>')
    classes = "nhsuk-card nhsuk-card--clickable" if clickable else "nhsuk-card"
    body = "".join(parts)
    return Markup(f'<div class="{classes}"><div class="nhsuk-card__content">{body}</div></div>')  # noqa: S704 - escaped above  # nosec B704


def _part(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else None


def _escaped(value: Any) -> str:
    return "" if value is None or isinstance(value, Undefined) else str(escape(value))


def _action(action: Mapping, context: str) -> str:
    hidden = _part(action, "visuallyHiddenText") or context
    return (
        f'<a class="nhsuk-link" href="{_escaped(_part(action, "href"))}">{_escaped(_part(action, "text"))}'
        f'<span class="nhsuk-u-visually-hidden"> ({_escaped(hidden)})</span></a>'
    )


def summary_card(params: Any) -> Markup:
    """templates/macros/summary_list.html's card, one pass in Python: a check your answers page
    draws one a domain, and the macro's lookups per row were a twentieth of its time. Text is
    escaped; a value's "html" is trusted markup, as the design system treats it."""
    card = _part(params, "card")
    heading = _part(card, "heading")
    actions = _part(_part(card, "actions"), "items") or []
    level = escape(_part(heading, "level") or 2)
    text = _part(heading, "text")
    title = f'<h{level} class="nhsuk-card__heading">{_escaped(text)}</h{level}>'
    out = ['<div class="nhsuk-card">']
    if actions:
        context = text if text is not None and not isinstance(text, Undefined) else ""
        if len(actions) == 1:
            links = f'<div class="nhsuk-card__actions">{"".join(_action(a, context) for a in actions)}</div>'
        else:
            items = "".join(f'<li class="nhsuk-card__action">{_action(a, context)}</li>' for a in actions)
            links = f'<ul class="nhsuk-card__actions">{items}</ul>'
        out.append(f'<div class="nhsuk-card__heading-container">{title}{links}</div>')
        out.append('<div class="nhsuk-card__content">')
    else:
        out.append(f'<div class="nhsuk-card__content">{title}')
    out.append('<dl class="nhsuk-summary-list">')
    for row in _part(params, "rows") or []:
        value = _part(row, "value")
        html = _part(value, "html")
        shown = str(html) if html and not isinstance(html, Undefined) else _escaped(_part(value, "text"))
        out.append(
            f'<div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">'
            f"{_escaped(_part(_part(row, 'key'), 'text'))}</dt>"
            f'<dd class="nhsuk-summary-list__value">{shown}</dd></div>'
        )
    out.append("</dl></div></div>")
    return Markup("".join(out))  # noqa: S704 - text escaped above, html trusted as the design system does  # nosec B704
