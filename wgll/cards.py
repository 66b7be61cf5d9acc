"""The NHS.UK design system's card written in Python: `card(params)`, called from templates
through templates/macros/card.html with the nhsuk-frontend-jinja `card` macro's parameters as the
home page uses them: a plain-text heading, a link, `clickable` and a plain-text description.

Why: the home page shows a card per organisation, assessment and system, and the design system's
macro (with the heading macro it calls, and their trim and indent passes) was about a tenth of the
home page's time. Any other parameter (a heading or description given as markup or a mapping,
actions, variants, images, a caller...) returns None and the template macro falls back to the
design system's own. Text and links are escaped; tests/wgll/test_form_markup.py compares the
output with the design system's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
