"""The incremental configuration is set once, per folder, in dbt_project.yml (issue 29, part 3),
and what an incremental run replaces follows from what a model declares: its tenants' rows on
the window's days when it names a `partition_date_column`, its tenants' whole history when it
does not. So a model without a date column must read its sources through
`in_partition_tenants()` (else a run would insert other tenants' rows) and nothing through the
window (else a run would replace its tenants' whole history with the window's rows), and one
with a date column must read through the window (else a run would reread everything to replace
a few days). A per-customer model (`partition_customers`) is rebuilt per tenant too, but only
for the customers its window touched: it must also keep them in every source it reads.
Read from the parsed manifest, no build."""

from __future__ import annotations

import re

WINDOW_READS = re.compile(r"\b(in_partition_window(_utc)?|partition_window)\(")
TENANT_READS = re.compile(r"\bin_partition_tenants\(")
#: A per-customer model's reads: the relations it refs, those it keeps to the touched
#: customers, and the CTE that names them.
SOURCE_READS = re.compile(r"\{\{\s*ref\(")
TOUCHED_READS = re.compile(r"\bof_touched_customers\(")
TOUCHED_CTE = re.compile(r"\btouched_customers_cte\(\)")
#: Config keys a model no longer repeats: dbt_project.yml sets them for every model.
SET_ONCE = re.compile(r"\b(incremental_strategy\s*=\s*'partition_\w+'|on_schema_change\s*=)")


def _incremental_models(manifest: dict) -> dict[str, dict]:
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    }


def test_every_partitioned_model_reads_what_its_runs_replace(dbt_project_parsed):
    models = _incremental_models(dbt_project_parsed.manifest_json)
    assert len(models) >= 25
    wrong = []
    for name, node in sorted(models.items()):
        config, code = node["config"], node["raw_code"]
        if config["incremental_strategy"] != "partition_window":
            continue  # dim_customers merges by key (its model says why)
        if config.get("partition_date_column"):
            if not WINDOW_READS.search(code):
                wrong.append(f"{name}: names a date column but does not read its window")
        elif WINDOW_READS.search(code) or not TENANT_READS.search(code):
            wrong.append(
                f"{name}: rebuilt per tenant (no partition_date_column), so it must read its "
                "sources through in_partition_tenants() and nothing through the window"
            )
    assert wrong == []


def test_models_do_not_repeat_the_projects_incremental_configuration(dbt_project_parsed):
    models = _incremental_models(dbt_project_parsed.manifest_json)
    repeating = sorted(name for name, node in models.items() if SET_ONCE.search(node["raw_code"]))
    assert repeating == []
    strategies = {node["config"]["incremental_strategy"] for node in models.values()}
    assert strategies == {"partition_window", "window_merge"}


def test_every_per_customer_model_keeps_the_touched_customers_in_every_source(
    dbt_project_parsed,
):
    models = _incremental_models(dbt_project_parsed.manifest_json)
    per_customer = {
        name: node for name, node in models.items()
        if node["config"].get("partition_customers") is not None
    }  # fmt: skip
    assert {"mart_customer_retention_daily", "mart_customer_margin"} <= set(per_customer)
    wrong = []
    for name, node in sorted(per_customer.items()):
        config, code = node["config"], node["raw_code"]
        if config.get("partition_date_column"):
            wrong.append(f"{name}: per customer, so it names no partition_date_column")
        if "customer_id" not in node["columns"]:
            wrong.append(f"{name}: per customer, so it declares a customer_id column")
        if not TOUCHED_CTE.search(code):
            wrong.append(f"{name}: does not define the touched customers (touched_customers_cte)")
        reads, kept = len(SOURCE_READS.findall(code)), len(TOUCHED_READS.findall(code))
        if kept < reads:
            wrong.append(f"{name}: reads {reads} relations, keeps the touched customers in {kept}")
    assert wrong == []
