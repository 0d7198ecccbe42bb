"""The project's cross-warehouse macros as dbt renders them on DuckDB and PostgreSQL, for
tests that render a macro file with plain Jinja (no dbt, no adapter.dispatch).

Each portable macro (type_double, matches_regex, regexp_replace_all, unicode_char, …) is its
``default__`` branch, the one both warehouses use; dbt's ``return()`` becomes the text it
returns. ``macro_context()`` is the Jinja context a macro file needs: those names, bare and
under ``cerebro.``, plus the file's own macros under ``cerebro.``.
"""

from __future__ import annotations

from types import SimpleNamespace

import jinja2

from cerebro.settings import DBT_PROJECT_DIR

PORTABLE_MACRO_FILES = ("type_double.sql", "regex.sql", "unicode_char.sql")
_PREFIX = "default__"


def portable_macros() -> dict:
    """Name -> the default branch of every portable macro, as a callable."""
    environment = jinja2.Environment()
    macros = {}
    for name in PORTABLE_MACRO_FILES:
        source = (DBT_PROJECT_DIR / "macros" / name).read_text(encoding="utf-8")
        module = environment.from_string(source).make_module({"return": lambda value: value})
        for attribute in dir(module):
            if attribute.startswith(_PREFIX):
                macros[attribute[len(_PREFIX) :]] = getattr(module, attribute)
    return macros


def macro_module(file_name: str, adapter_type: str = "duckdb"):
    """The macros of ``dbt_project/macros/<file_name>``, rendered with the portable macros
    and with their own siblings reachable as ``cerebro.<name>``. A macro of the file that
    dispatches (``adapter.dispatch``) takes its ``<adapter_type>__`` branch when the file has
    one, its ``default__`` branch otherwise, as dbt does on that warehouse."""
    source = (DBT_PROJECT_DIR / "macros" / file_name).read_text(encoding="utf-8")
    environment = jinja2.Environment()
    portable = portable_macros()
    own: dict = {}

    def dispatch(name: str, _package: str | None = None):
        return own.get(f"{adapter_type}__{name}") or own[f"{_PREFIX}{name}"]

    def rendered(cerebro: SimpleNamespace):
        module = environment.from_string(source).make_module(
            {
                **portable,
                "cerebro": cerebro,
                "adapter": SimpleNamespace(dispatch=dispatch),
                "return": lambda value: value,
            }
        )
        own.update(
            {name: getattr(module, name) for name in dir(module) if not name.startswith("_")}
        )
        return module

    rendered(SimpleNamespace(**portable))
    # Again with the file's own macros (the first rendering's) reachable as cerebro.<name>;
    # `own` then holds this rendering's, which the dispatched branches call.
    return rendered(SimpleNamespace(**portable, **own))
