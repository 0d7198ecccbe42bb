"""What a read of the KPI marts may do, checked on the SQL text (decision 0031): a KPI is
defined once, in its dbt mart, and a dashboard card or a `cerebro.serving.kpis` function only
selects,
filters, sums and divides the mart's rows. Used by tests/cerebro/serving/dashboards and
tests/cerebro/serving/kpis.

The checks parse the SQL with sqlglot (PostgreSQL dialect, which every card and function is
written in): Metabase's ``{{name}}`` and the functions' ``%(name)s`` parameters become NULL, and
``[[ ... ]]`` optional clauses are kept.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

_PARAMETER = re.compile(r"\{\{\s*\w+\s*\}\}|%\(\w+\)s")
_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)
#: Window functions that rank or order rows: a score (RFM's quintiles) belongs in a mart.
RANKING = (exp.Ntile, exp.RowNumber, exp.Rank, exp.DenseRank, exp.PercentRank, exp.CumeDist,
           exp.Lag, exp.Lead, exp.FirstValue, exp.LastValue, exp.NthValue)  # fmt: skip
#: Relations a read may use: the marts built for the pages (tables, and table functions such
#: as mart_rfm_customers_as_of) and the tenants' own attributes. Never a fact or an entity.
ALLOWED_RELATION = re.compile(r"^marts\.(mart_[a-z0-9_]+|dim_tenants)$")


def parse(sql: str) -> exp.Expression:
    """A card's or a function's SQL as a sqlglot tree."""
    text = _PARAMETER.sub("NULL", _OPTIONAL.sub(r"\1", sql))
    return sqlglot.parse_one(text, read="postgres")


def _ctes(tree: exp.Expression) -> dict[str, exp.Expression]:
    return {cte.alias_or_name: cte.this for cte in tree.find_all(exp.CTE)}


def relations(tree: exp.Expression) -> set[str]:
    """``schema.name`` of every table and table function read (CTEs and generated series not)."""
    names = set()
    for table in tree.find_all(exp.Table):
        if not table.db:
            continue
        name = table.this.name if isinstance(table.this, exp.Anonymous) else table.name
        names.add(f"{table.db}.{name}".lower())
    return names


def _own_nodes(select: exp.Select, kind) -> list[exp.Expression]:
    """Nodes of ``kind`` in ``select`` itself, not in its subqueries."""
    return [node for node in select.find_all(kind) if node.parent_select is select]


def _aggregates(select: exp.Select) -> bool:
    own = [node for node in _own_nodes(select, exp.AggFunc) if not node.find_ancestor(exp.Window)]
    return bool(own or select.args.get("group"))


def _sources(select: exp.Select, ctes: dict[str, exp.Expression]) -> list[exp.Expression]:
    """The queries ``select`` reads rows from: its subqueries and the CTEs it names."""
    sources = []
    for clause in [select.args.get("from_"), *(select.args.get("joins") or [])]:
        if clause is None:
            continue
        source = clause.this
        if isinstance(source, exp.Subquery):
            sources.append(source.this)
        elif isinstance(source, exp.Table) and not source.db and source.name in ctes:
            sources.append(ctes[source.name])
    return sources


def _derives_from_aggregate(query: exp.Expression, ctes: dict, seen: frozenset) -> bool:
    selects = [query] if isinstance(query, exp.Select) else list(query.find_all(exp.Select))
    for select in selects:
        if select in seen:
            continue
        if _aggregates(select):
            return True
        if any(_derives_from_aggregate(s, ctes, seen | {select}) for s in _sources(select, ctes)):
            return True
    return False


def problems(sql: str) -> list[str]:
    """Why the SQL is more than a read of the KPI marts (empty when it is only a read)."""
    tree = parse(sql)
    found = [
        f"reads {name}, which is not a mart built for the pages"
        for name in sorted(relations(tree))
        if not ALLOWED_RELATION.match(name)
    ]
    found += [
        f"ranks rows ({window.this.sql()}): scores are computed in a mart"
        for window in tree.find_all(exp.Window)
        if isinstance(window.this, RANKING)
    ]
    ctes = _ctes(tree)
    for select in tree.find_all(exp.Select):
        if not _aggregates(select):
            continue
        for source in _sources(select, ctes):
            if _derives_from_aggregate(source, ctes, frozenset()):
                found.append(
                    "aggregates rows it aggregated itself (a roll-up per customer or per period "
                    f"is a mart's job): {select.sql()[:120]}..."
                )
                break
    return found
