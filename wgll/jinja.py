"""The Jinja2 environment for our pages: our templates first, then the NHS.UK frontend macros."""

from pathlib import Path

from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.utils.html import format_html
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    PackageLoader,
)

from assessments.rules.dates import long_date, long_datetime
from organisations.models import CareSetting
from reports.cards import kept_card_markup
from wgll.cards import card, summary_card
from wgll.choices import choices
from wgll.fields import button, file_upload, select, text_input, textarea
from wgll.kept_markup import kept_markup
from wgll.reversing import url
from wgll.tables import data_table
from wgll.task_list import tag, task_list


def error_list(form) -> list[dict[str, str]]:
    """The error summary's entries, each linking to its field (the first input of a group)."""
    entries = [{"text": str(error), "href": "#main-content-errors"} for error in form.non_field_errors()]
    for field in form:
        entries.extend({"text": str(error), "href": f"#{field.auto_id}"} for error in field.errors)
    return entries


def field_error(field) -> dict[str, str] | None:
    return {"text": str(field.errors[0])} if field.errors else None


def choice_items(field) -> list[dict]:
    """Checkbox or radio items for a choice field, ticked from the bound or initial value."""
    value = field.value()
    chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}
    return [
        {"value": str(choice_value), "text": str(label), "checked": str(choice_value) in chosen}
        for choice_value, label in field.field.choices
    ]


def select_items(field) -> list[dict]:
    """Options for the NHS select macro from a choice field, the bound or initial value selected."""
    value = field.value()
    chosen = "" if value is None else str(value)
    return [
        {"value": str(choice_value), "text": str(label), "selected": str(choice_value) == chosen}
        for choice_value, label in field.field.choices
    ]


def link(href: str, text: str) -> str:
    """An escaped link for macro parameters that take HTML (table cells, summary values)."""
    return format_html('<a href="{}">{}</a>', href, text)


def domain_audience(domain) -> str:
    """'Acute, Community, ICB system assessment': who answers a domain, in words."""
    labels = [CareSetting(value).label for value in domain.care_settings]
    if domain.system_assessment:
        labels.append("ICB system assessment")
    return ", ".join(labels)


def figure(value, missing: str = "–") -> str:
    """A score or level as shown in tables: one decimal as stored, or a dash for none."""
    return missing if value is None else str(value)


def signed(value, missing: str = "–") -> str:
    """A change in score: "+0.3", "-0.2" or "0.0"."""
    if value is None:
        return missing
    return f"+{value}" if value > 0 else str(value)


def level_class(value) -> str:
    """The heatmap class of a score or level: its whole level, 0-5 (the figure is always printed too)."""
    if value is None:
        return "app-level app-level--none"
    return f"app-level app-level--{max(0, min(5, int(value)))}"


def bytecode_cache(directory: str) -> FileSystemBytecodeCache | None:
    """Jinja's compiled templates on disk, shared by the web workers of one deployment (each new
    worker would otherwise compile every page and the design system's macro files again). Jinja
    keys each entry by the template's name and a checksum of its source, so a deployment that
    changes a template never loads the old code."""
    if not directory:
        return None
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    return FileSystemBytecodeCache(str(path))


def environment(**options) -> Environment:
    template_dirs = options.pop("loader").searchpath if "loader" in options else []
    options["bytecode_cache"] = bytecode_cache(options.pop("bytecode_cache_dir", ""))
    options["loader"] = ChoiceLoader([FileSystemLoader(template_dirs), PackageLoader("nhsuk_frontend_jinja")])
    # The NHS.UK macros read nested optional parameters (params.service.href) and need this.
    options["undefined"] = ChainableUndefined
    options.pop("autoescape", None)
    options["trim_blocks"] = True
    options["lstrip_blocks"] = True
    env = Environment(autoescape=True, **options)
    env.filters.update(
        long_date=long_date, long_datetime=long_datetime, figure=figure, signed=signed, level_class=level_class
    )
    env.globals.update(
        url=url,
        static=static,
        get_messages=get_messages,
        error_list=error_list,
        field_error=field_error,
        choice_items=choice_items,
        select_items=select_items,
        domain_audience=domain_audience,
        link=link,
        render_data_table=data_table,
        render_task_list=task_list,
        render_tag=tag,
        render_choices=choices,
        render_text_input=text_input,
        render_textarea=textarea,
        render_select=select,
        render_button=button,
        render_file_upload=file_upload,
        render_card=card,
        render_summary_card=summary_card,
        kept_chart_card=kept_card_markup,
        kept_markup=kept_markup,
    )
    return env
