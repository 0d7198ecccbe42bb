"""The marts KPI functions read, as a dbt selection: the KPI tests' crafted warehouses build
those marts and everything upstream of them, not the whole project (two fifths of its nodes
for the six page functions; the rest is seconds of dbt that no test of theirs reads)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable

from cerebro.serving.kpis import period

_MART = re.compile(r"\bmarts\.(\w+)")


def lineage_of_marts_read_by(*functions: Callable) -> list[str]:
    """`+<mart>` for every mart named in the SQL of the modules of ``functions``, and in
    cerebro.serving.kpis.period's, which every function calls to check the tenant (dim_tenants).
    Read
    from the code, so that a function reading one more mart builds it here too."""
    modules = {inspect.getmodule(function) for function in functions} | {period}
    marts = {name for module in modules for name in _MART.findall(inspect.getsource(module))}
    return sorted(f"+{name}" for name in marts)
