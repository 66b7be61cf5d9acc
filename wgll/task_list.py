"""The NHS.UK design system's task list markup written in Python: `task_list(params)`, called from
templates through templates/macros/task_list.html with the nhsuk-frontend-jinja `taskList`
macro's parameters as this portal uses them: idPrefix, classes, and items of heading (text),
href, hint (text) and status (text, or a tag of text and colour).

Why: the design system's macro calls the heading, attribute and tag macros for every item, about
40% of the task list page's time (32 domains) and of the home page of anyone with work assigned.
Text is escaped; tests/wgll/test_tables.py compares the output with the design system's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from wgll.tables import _given

TAG_COLOURS = {"white", "grey", "green", "aqua-green", "blue", "purple", "pink", "red", "orange", "yellow"}


def _text(part: Any) -> str:
    if isinstance(part, Mapping):
        part = part.get("text")
    return str(escape(part)) if _given(part) else ""


def tag(params: Mapping) -> str:
    """The design system's tag (text and colour, all this portal uses) as markup."""
    classes = "nhsuk-tag"
    if params.get("colour") in TAG_COLOURS:
        classes += f" nhsuk-tag--{params['colour']}"
    return Markup(f'<strong class="{classes}">{_text(params)}</strong>')  # noqa: S704 - text escaped  # nosec B704


def task_list(params: Mapping) -> Markup:
    prefix = params.get("idPrefix") if _given(params.get("idPrefix")) else "task-list"
    classes = "nhsuk-task-list" + (f" {params['classes']}" if _given(params.get("classes")) else "")
    out = [f'<ul class="{escape(classes)}">']
    for index, item in enumerate(params.get("items") or [], start=1):
        if not item:
            continue
        hint_id, status_id = escape(f"{prefix}-{index}-hint"), escape(f"{prefix}-{index}-status")
        heading, hint, status = _text(item.get("heading")), _text(item.get("hint")), item.get("status") or {}
        href = item.get("href")
        linked = " nhsuk-task-list__item--with-link" if _given(href) else ""
        out.append(f'<li class="nhsuk-task-list__item{linked}"><div class="nhsuk-task-list__name-and-hint">')
        if _given(href):
            described = f"{hint_id} {status_id}" if hint else status_id
            out.append(
                f'<a class="nhsuk-task-list__link nhsuk-link" href="{escape(href)}" aria-describedby="{described}">'
                f"{heading}</a>"
            )
        else:
            out.append(f"<div>{heading}</div>")
        if hint:
            out.append(f'<div class="nhsuk-task-list__hint" id="{hint_id}">{hint}</div>')
        out.append(f'</div><div class="nhsuk-task-list__status" id="{status_id}">')
        status_tag = status.get("tag") if isinstance(status, Mapping) else None
        out.append(tag(status_tag) if isinstance(status_tag, Mapping) else _text(status))
        out.append("</div></li>")
    out.append("</ul>")
    return Markup("".join(out))  # noqa: S704 - every text and attribute value above is escaped  # nosec B704
