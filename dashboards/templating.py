"""The page templates (dashboards/templates/*.j2), rendered by Jinja2 with autoescaping on:
every text from an API, a file or the settings is escaped where it reaches a page; HTML the
code built itself is passed in as `Markup`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template here is HTML
        undefined=jinja2.StrictUndefined,  # a misspelt name fails, never renders empty
        keep_trailing_newline=True,
    )


def render(template: str, **values: object) -> str:
    return _environment().get_template(template).render(**values)


def markup(built: str):
    """HTML the code built itself (with its own escaping): placed as it is."""
    from markupsafe import Markup

    return Markup(built)
