"""The portal's scroll wrapper (templates/macros/scroll.html) writes the design system's `scroll`
markup, whitespace at the start of lines aside (the design system's macro indents everything it
wraps, which is what made it slow on long tables)."""

import pytest
from django.template import engines

TABLE = '<table class="nhsuk-table">\n<caption id="m-caption">A &amp; B</caption>\n<tr><td>1</td></tr>\n</table>'


def render(source: str, params: dict) -> str:
    return engines["jinja2"].env.from_string(source).render(params=params)


def lines(markup: str) -> list[str]:
    return [line.strip() for line in markup.splitlines() if line.strip()]


@pytest.mark.parametrize("params", [{"labelledBy": "m-caption", "html": TABLE}, {"html": TABLE}])
def test_the_scroll_wrapper_writes_the_design_systems_markup(params):
    theirs = render('{% from "nhsuk/components/scroll/macro.jinja" import scroll %}{{ scroll(params) }}', params)
    ours = render('{% from "macros/scroll.html" import scroll %}{{ scroll(params) }}', params)
    assert lines(ours) == lines(theirs)
    assert 'role="region"' in ours and "A &amp; B" in ours


def test_no_page_uses_the_design_systems_scroll_macro():
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    users = [p.name for p in templates.rglob("*.html") if "nhsuk/components/scroll/macro.jinja" in p.read_text()]
    assert users == []
