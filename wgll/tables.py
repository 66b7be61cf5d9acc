"""The NHS.UK design system's table markup written in Python: `data_table(params)`, called from
templates through templates/macros/table.html with the same parameters as the nhsuk-frontend-jinja
`table` macro (the ones this portal uses: caption, captionSize, captionClasses, responsive,
firstCellIsHeader, classes, attributes, head and rows; cells with text or html, format, classes,
colspan, rowspan and attributes).

Why: the design system's macro makes several attribute-macro calls and indent/trim passes for every
cell, about 90% of a long list's time (8.5 s for the organisation list of 244 rows); even a lean
Jinja macro spends ~100 µs a cell on optional-parameter lookups. Here a cell is a few string joins.
"text" and attribute values are escaped; "html" is trusted markup, exactly as the design system's
macro treats it (`| safe`). tests/wgll/test_tables.py compares the output with the design system's,
element by element, for every kind of table the pages draw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Undefined
from markupsafe import Markup, escape


def _given(value: Any) -> bool:
    return value is not None and not isinstance(value, Undefined) and value != ""


def _attributes(attributes: Any) -> str:
    if not isinstance(attributes, Mapping):
        return ""
    return "".join(f' {escape(name)}="{escape(value)}"' for name, value in attributes.items() if _given(value))


def _content(cell: Mapping) -> str:
    html = cell.get("html")
    if _given(html):
        return str(html)
    text = cell.get("text")
    return str(escape(text)) if _given(text) else ""


def data_table(params: Mapping) -> Markup:
    responsive = bool(params.get("responsive"))
    head = params.get("head") or []
    first_is_header = bool(params.get("firstCellIsHeader"))
    classes = "nhsuk-table" + (" nhsuk-table--responsive" if responsive else "")
    if _given(params.get("classes")):
        classes += f" {params['classes']}"
    out = [f'<table class="{escape(classes)}"{_attributes(params.get("attributes"))}']
    out.append(' role="table">\n' if responsive else ">\n")
    if _given(params.get("caption")):
        caption = "nhsuk-table__caption"
        if _given(params.get("captionSize")):
            caption += f" nhsuk-table__caption--{params['captionSize']}"
        if _given(params.get("captionClasses")):
            caption += f" {params['captionClasses']}"
        out.append(f'<caption class="{escape(caption)}">{escape(params["caption"])}</caption>\n')
    row_role = ' role="row"' if responsive else ""
    row_group = ' role="rowgroup"' if responsive else ""
    headings: list[str] = []
    formats: list[Any] = []
    if head:
        out.append(f'<thead class="nhsuk-table__head"{row_group}>')
        out.append(f'<tr class="nhsuk-table__row"{row_role}>')
        for item in head:
            cell = "nhsuk-table__header"
            if item.get("format") == "numeric":
                cell += " nhsuk-table__header--numeric"
            if _given(item.get("classes")):
                cell += f" {item['classes']}"
            extra = ' role="columnheader"' if responsive else ""
            if not responsive and _given(item.get("colspan")):
                extra += f' colspan="{escape(item["colspan"])}"'
            out.append(
                f'<th class="{escape(cell)}" scope="col"{extra}{_attributes(item.get("attributes"))}>'
                f"{_content(item)}</th>"
            )
            text = item.get("text")
            headings.append(str(escape(text)) if _given(text) else "")
            formats.append(item.get("format"))
        out.append("</tr></thead>\n")
    out.append('<tbody class="nhsuk-table__body">\n')
    for row in params.get("rows") or []:
        out.append(f'<tr class="nhsuk-table__row"{row_role}>')
        for index, item in enumerate(row):
            is_th = first_is_header and index == 0
            cell = "nhsuk-table__header" if is_th else "nhsuk-table__cell"
            fmt = item.get("format")
            if not _given(fmt) and index < len(formats):
                fmt = formats[index]
            names = cell + (f" {cell}--numeric" if fmt == "numeric" else "")
            if _given(item.get("classes")):
                names += f" {item['classes']}"
            element = "th" if is_th else "td"
            extra = ' scope="row"' if is_th else ""
            if responsive:
                extra += ' role="rowheader"' if is_th else ' role="cell"'
            elif _given(item.get("colspan")):
                extra += f' colspan="{escape(item["colspan"])}"'
            if _given(item.get("rowspan")):
                extra += f' rowspan="{escape(item["rowspan"])}"'
            content = _content(item)
            heading = headings[index] if responsive and index < len(headings) else ""
            if heading:
                label = f'<span class="nhsuk-table__heading" aria-hidden="true">{heading} </span>'
                content = label + (f"<span>{content}</span>" if _given(item.get("html")) else content)
            out.append(
                f'<{element} class="{escape(names)}"{extra}{_attributes(item.get("attributes"))}>{content}</{element}>'
            )
        out.append("</tr>\n")
    out.append("</tbody>\n</table>")
    return Markup("".join(out))  # noqa: S704 - every text and attribute value above is escaped  # nosec B704
