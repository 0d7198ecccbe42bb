"""The budget brain's inputs are summed by dbt (models/marts/ml_inputs, doc block mmm_inputs):
the asset's SQL only selects and filters one mart's rows per tenant, with no aggregate, no
grouping and no join. Read from the SQL text, no warehouse needed."""

from __future__ import annotations

import pytest
from sqlglot import exp

from orchestration.mmm_assets import MARTS, NEW_CUSTOMER_VALUE_SQL, QUERIES
from tests.support.sql_reads import parse, relations

#: The spend input as it was before its sum moved to dbt: what the check must find.
SUMMED_IN_PYTHON = """
    select spend_date, channel_group, sum(spend_amount) as spend_amount
    from marts.fct_ad_spend_daily where tenant_id = %(tenant_id)s group by 1, 2"""


def _aggregation(sql: str) -> list[str]:
    tree = parse(sql)
    found = [node.sql() for node in tree.find_all(exp.AggFunc, exp.Group, exp.Join)]
    return found + [f"reads {name}" for name in relations(tree) if not name.startswith("marts.")]


def test_the_check_finds_a_sum_kept_in_python():
    assert _aggregation(SUMMED_IN_PYTHON)


#: Every read of the asset: the inputs, and the value of a new customer per channel.
READS = {**QUERIES, "new_customer_value": NEW_CUSTOMER_VALUE_SQL}


@pytest.mark.parametrize("name", sorted(READS))
def test_each_input_is_a_plain_read_of_one_mart(name):
    assert _aggregation(READS[name]) == []
    assert len(relations(parse(READS[name]))) == 1


def test_the_asset_depends_on_every_mart_it_reads():
    read = {n for sql in READS.values() for n in relations(parse(sql))}
    marts = {name for name in read if name.startswith("marts.")}
    assert marts == {f"marts.{key.path[-1]}" for key in MARTS}
