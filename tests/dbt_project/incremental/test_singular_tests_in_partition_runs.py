"""The project's singular data tests in a partition run read its tenants only, as the generic
tests do (decision 0015): a fault in another tenant's rows, which the run did not rewrite, is
the other tenant's run's to report; a full build reports it."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.partitions import PartitionWindow
from tests.dbt_project.incremental.partitioned_dbt import DEMO_LAST_DAY, TENANTS

FAULTY, OTHER = TENANTS[1], TENANTS[0]

FAULTS = {
    # An order in another currency than its tenant's.
    "assert_amounts_in_tenant_currency": (
        "update marts.fct_orders set currency = 'XXX' where order_id = "
        f"(select min(order_id) from marts.fct_orders where tenant_id = '{FAULTY}')"
    ),
    # An order keyed by a person its record no longer belongs to.
    "assert_facts_keyed_by_current_person": (
        "update marts.fct_orders set customer_id = 'a-stale-person' where order_id = "
        f"(select min(order_id) from marts.fct_orders where tenant_id = '{FAULTY}' "
        "and source_customer_id is not null)"
    ),
}


def _window(tenant: str) -> dict[str, str]:
    return PartitionWindow((tenant,), DEMO_LAST_DAY, DEMO_LAST_DAY).dbt_env()


@pytest.mark.parametrize("test_name", sorted(FAULTS))
def test_a_singular_test_reads_the_run_tenants_only(dbt_on_copy, test_name):
    with duckdb.connect(str(dbt_on_copy.database)) as connection:
        changed = connection.execute(FAULTS[test_name]).fetchone()[0]
    assert changed == 1

    dbt_on_copy.invoke("test", "--select", test_name, env=_window(OTHER))
    with pytest.raises(AssertionError, match="failed"):
        dbt_on_copy.invoke("test", "--select", test_name, env=_window(FAULTY))
    with pytest.raises(AssertionError, match="failed"):
        dbt_on_copy.invoke("test", "--select", test_name)
