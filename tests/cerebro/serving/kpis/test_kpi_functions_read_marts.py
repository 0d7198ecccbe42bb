"""The `get_*` functions keep no KPI definition (decision 0031): their SQL only selects, filters,
sums and divides the rows of the marts built for the pages, and their Python does no
arithmetic (a rate is `period.ratio` of two sums; calendar months come from `period` too) and
mirrors no dbt var. Read from the source files, no warehouse needed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cerebro.serving.kpis
from tests.support.sql_reads import problems

KPI_PACKAGE = Path(cerebro.serving.kpis.__file__).parent
#: The modules that define a `get_*` function (period.py validates and divides, report.py
#: prints; neither reads a KPI).
MODULES = sorted(
    path
    for path in KPI_PACKAGE.glob("*.py")
    if any(
        isinstance(node, ast.FunctionDef) and node.name.startswith("get_")
        for node in ast.parse(path.read_text(encoding="utf-8")).body
    )
)
#: Operators of arithmetic (``|`` in a type hint is not).
ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
#: get_retention_kpis as it was before decision 0031: the mirror of a dbt var, the
#: repurchase rate per customer in SQL, and the cohort matrix built in Python.
REDEFINED_RETENTION = '''
COHORT_MONTHS = 12

_CUSTOMERS = """
    select count(*) as buyers, sum(case when valid_orders >= 2 then 1 else 0 end) as repeat_buyers
    from (
        select customer_id, sum(valid_orders) as valid_orders
        from marts.mart_customer_orders_daily
        where tenant_id = %(tenant_id)s and created_date <= %(date_to)s
        group by 1
    ) as per_customer
"""


def get_retention_kpis(tenant_id, date_from, date_to, *, warehouse=None):
    first = date_from.year * 12 + date_from.month - 1
    return [offset for offset in range(min(COHORT_MONTHS, first + 1))]
'''


def _sql_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level string constants that are queries."""
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and "select" in node.value.value.lower()
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def definitions_in(source: str) -> list[str]:
    """What in a KPI module's source is more than a read of the marts."""
    tree = ast.parse(source)
    found = [
        f"{name}: {problem}"
        for name, sql in _sql_constants(tree).items()
        for problem in problems(sql)
    ]
    found += [
        f"line {node.lineno}: arithmetic ({ast.unparse(node)})"
        for node in ast.walk(tree)
        if isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ARITHMETIC)
    ]
    found += [
        f"line {node.lineno}: a number kept in Python ({ast.unparse(node)}): a KPI parameter "
        "is a dbt var"
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, int | float)
    ]
    return found


def test_the_check_finds_a_kpi_redefined_in_a_function():
    found = definitions_in(REDEFINED_RETENTION)
    assert any("_CUSTOMERS: aggregates rows it aggregated itself" in p for p in found), found
    assert any("arithmetic" in p for p in found), found
    assert any("COHORT_MONTHS = 12" in p for p in found), found


def test_every_page_function_lives_in_a_checked_module():
    names = {path.stem for path in MODULES}
    assert names == {
        "acquisition",
        "campaigns",
        "channels",
        "customer_health",
        "customer_life_line",
        "engagement",
        "margin",
        "identity",
        "operations",
        "retention",
        "segmentation",
    }


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.stem)
def test_kpi_functions_only_read_the_marts(path):
    source = path.read_text(encoding="utf-8")
    assert _sql_constants(ast.parse(source)), f"{path.name} reads no mart"
    assert definitions_in(source) == []
