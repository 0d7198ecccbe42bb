"""Identity resolution by RUT (decision 0037) on the demo of each warehouse: `get_identity_kpis`
equals the raw-data oracle (kpi_oracle_identity: the rules in pandas, a union-find instead of
the models' label propagation), the models' mapping equals the oracle's record by record, and
both recover the demo's truth (generator/guests.py: the true person of each guest checkout)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cerebro.serving.kpis import get_identity_kpis, get_retention_kpis
from tests.cerebro.serving.kpis.kpi_oracle_compare import assert_same_kpis
from tests.cerebro.serving.kpis.kpi_oracle_identity import identity_kpis


def test_identity_kpis_match_the_raw_data_oracle(oracle_demo, tenant, period):
    actual = get_identity_kpis(tenant, *period, warehouse=oracle_demo.warehouse)
    assert_same_kpis(actual, identity_kpis(oracle_demo.shops[tenant], *period))


def test_the_resolved_repurchase_rate_is_the_retention_pages(oracle_demo, tenant):
    period = ("2025-11-01", "2026-10-31")
    identity = get_identity_kpis(tenant, *period, warehouse=oracle_demo.warehouse)
    retention = get_retention_kpis(tenant, *period, warehouse=oracle_demo.warehouse)
    assert identity["repurchase_rate_by_person"] == pytest.approx(retention["repurchase_rate"])
    # Guest checkouts make returning buyers look new: counted per record, fewer repeat.
    assert identity["repurchase_rate_by_record"] < identity["repurchase_rate_by_person"]


def _mapping(oracle_demo, tenant) -> pd.DataFrame:
    return oracle_demo.warehouse.query(
        "select customer_id, person_id, match_rule, is_merged from marts.dim_customer_identity "
        "where tenant_id = %(tenant_id)s",
        {"tenant_id": tenant},
    )


def test_the_mapping_equals_the_oracles_record_by_record(oracle_demo, tenant):
    actual = _mapping(oracle_demo, tenant).sort_values("customer_id").reset_index(drop=True)
    expected = oracle_demo.shops[tenant].identity.sort_values("customer_id")
    pd.testing.assert_frame_equal(
        actual.astype(str), expected.reset_index(drop=True).astype(str), check_dtype=False
    )


def _truth(demo_run_dir, tenant) -> dict:
    return json.loads((demo_run_dir / "demo" / tenant / "truth.json").read_text())


#: The truth names each guest checkout by the Shopify record the generator wrote; the WooCommerce
#: store lands one record per guest order instead, and its buyers are checked against the same
#: truth in tests/platform/e2e (test_the_woocommerce_store_lands_its_orders_as_generated).
@pytest.mark.parametrize("tenant", ("test_cl", "test_pe"))
def test_the_mapping_recovers_the_demos_guest_checkouts(oracle_demo, tenant, demo_root):
    # Oracle: truth.json's identity block, each guest record's true person. Precision: merged
    # records whose person is their true person (an account's is itself); recall: resolvable
    # guest records (same RUT, e-mail or phone) merged into their person. A guest with a wrong
    # RUT and another e-mail shares nothing with its account: it must stay its own person.
    truth = _truth(demo_root / oracle_demo.kind / "data", tenant)["identity"]
    guests = pd.DataFrame(truth["guests"])
    mapping = _mapping(oracle_demo, tenant).set_index("customer_id")
    true_person = dict(zip(guests["customer_id"], guests["person_customer_id"], strict=True))
    merged = mapping[mapping["is_merged"].astype(bool)]
    correct = sum(true_person.get(cid) == person for cid, person in merged["person_id"].items())
    resolvable = guests[guests["is_resolvable"]]
    found = (mapping.loc[resolvable["customer_id"], "person_id"].to_numpy()
             == resolvable["person_customer_id"].to_numpy())  # fmt: skip
    assert len(resolvable) > 0 and len(merged) > 0
    assert correct / len(merged) == 1.0, "precision"
    assert found.mean() == 1.0, "recall"
    unresolvable = guests.loc[~guests["is_resolvable"], "customer_id"]
    assert (mapping.loc[unresolvable, "match_rule"] == "self").all()
    expected_rules = resolvable.set_index("customer_id")["kind"]
    assert (mapping.loc[expected_rules.index, "match_rule"] == expected_rules).all()
