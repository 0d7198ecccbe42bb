"""Requests from Metabase run with the command line's code, on a crafted DuckDB warehouse.

Oracles: ``cerebro mmm optimize`` on the same model file and budget (a saved scenario is its
plan), ``cerebro activate --dry-run``'s plan on the same marts (a preview says its counts), and
the table's own states (a claimed request is never claimed again).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from cerebro.actions.activation.sync import activate
from cerebro.actions.requests import claim, run_pending, submit
from cerebro.actions.requests.queue import utc_now
from cerebro.cli.mmm import mmm
from ml_assets.mmm.persistence import model_to_dict
from ml_assets.mmm.simulate import simulate
from tests.cerebro.actions.activation.sync.activation_crafted_marts import (
    TENANT,
    customers,
    write_marts,
)
from tests.ml_assets.mmm.fixed_posterior import fixed_posterior
from tests.ml_assets.mmm.simulated_fits import fit_simulated, media_at_truth

SEGMENT = "Frecuentes alejados"


@pytest.fixture(scope="module")
def model():
    data = simulate("easy", seed=1)
    with fixed_posterior(media_at_truth(data)):
        return fit_simulated(data, draws=60, seed=0).model


def _write_model(warehouse, model, tenant_id=TENANT):
    warehouse.replace_table("marts", "mart_budget_models", pd.DataFrame({
        "tenant_id": [tenant_id], "target": ["revenue"], "currency": ["CLP"],
        "model_document": [json.dumps(model_to_dict(model))],
    }))  # fmt: skip


def _requests(warehouse) -> pd.DataFrame:
    return warehouse.query("select * from ops.action_requests order by request_id")


def _scenario(warehouse, budget, name="CyberDay", days=30, tenant_id=TENANT):
    return submit(warehouse, "cl_reader", tenant_id=tenant_id, kind="guardar_escenario",
                  scenario_name=name, budget_amount=budget, period_days=days)  # fmt: skip


def test_a_saved_scenario_is_the_plan_of_cerebro_mmm_optimize(warehouse, tenant, model, tmp_path):
    _write_model(warehouse, model)
    budget = float(model.current_spend_.sum() / model.period_days) * 30 * 1.2
    request_id = _scenario(warehouse, budget)
    (outcome,) = run_pending(warehouse, {TENANT: tenant})
    assert (outcome.request_id, outcome.state) == (request_id, "done")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.json").write_text(json.dumps(model_to_dict(model)))
    answer = CliRunner().invoke(mmm, ["optimize", "--model", str(tmp_path / "model"),
                                      "--total-budget", repr(budget), "--period-days", "30",
                                      "--out", str(tmp_path / "plan.csv")])  # fmt: skip
    assert answer.exit_code == 0, answer.output
    cli = pd.read_csv(tmp_path / "plan.csv").set_index("channel")
    saved = warehouse.query("select * from ops.saved_scenarios").set_index("channel")
    assert sorted(saved.index) == sorted(cli.index)
    for column in ("optimal_spend", "expected_revenue_change"):
        assert saved[column].to_dict() == pytest.approx(cli.loc[saved.index, column].to_dict())
    row = _requests(warehouse).iloc[0]
    assert row["state"] == "done" and row["finished_at"] is not None
    assert row["result"].startswith("Escenario «CyberDay» guardado:")


@pytest.mark.parametrize("ratio", [3.5, 40.0])
def test_an_absurd_budget_is_refused_in_one_line_and_nothing_is_saved(
    warehouse, tenant, model, ratio
):
    _write_model(warehouse, model)
    budget = float(model.current_spend_.sum() / model.period_days) * 30 * ratio
    _scenario(warehouse, budget)
    (outcome,) = run_pending(warehouse, {TENANT: tenant})
    assert outcome.state == "refused"
    assert "veces el gasto actual" in outcome.result and "\n" not in outcome.result
    assert not warehouse.table_exists("ops", "saved_scenarios")


def test_a_tenant_without_a_model_is_refused(warehouse, tenant, model):
    _write_model(warehouse, model, tenant_id="otro_cl")
    _scenario(warehouse, 1_000_000.0)
    (outcome,) = run_pending(warehouse, {TENANT: tenant})
    assert outcome.state == "refused" and "no tiene un modelo" in outcome.result


def test_a_preview_says_the_dry_runs_plan_and_sends_nothing(warehouse, tenant):
    write_marts(warehouse, customers(200))
    plan = activate(warehouse, tenant, SEGMENT, "klaviyo", dry_run=True).plan
    submit(warehouse, "cl_reader", tenant_id=TENANT, kind="sincronizar_segmento",
           segment=SEGMENT, destination="klaviyo", preview=True)  # fmt: skip
    (outcome,) = run_pending(warehouse, {TENANT: tenant})
    assert outcome.state == "done"
    assert outcome.result == (
        f"Vista previa de «{SEGMENT}» → klaviyo: {plan.members} clientes en el segmento, "
        f"{len(plan.add)} por agregar, {len(plan.remove)} por quitar, {len(plan.held_out)} en "
        f"el grupo de control, {len(plan.no_consent)} sin consentimiento; nada enviado."
    )
    assert not warehouse.table_exists("ops", "activation_log")


@pytest.mark.parametrize(
    ("segment", "destination", "words"),
    [("Clientes marcianos", "klaviyo", "No existe el segmento «Clientes marcianos»"),
     (SEGMENT, "meta_audiences", "no está configurado para este cliente"),
     (SEGMENT, "carrier_pigeon", "No existe el destino «carrier_pigeon»")],
    ids=["unknown segment", "destination not configured", "unknown destination"],
)  # fmt: skip
def test_a_bad_sync_request_is_refused_in_one_spanish_line(
    warehouse, tenant, segment, destination, words
):
    write_marts(warehouse, customers(20))
    submit(warehouse, "cl_reader", tenant_id=TENANT, kind="sincronizar_segmento",
           segment=segment, destination=destination, preview=False)  # fmt: skip
    (outcome,) = run_pending(warehouse, {TENANT: tenant})
    assert outcome.state == "refused" and words in outcome.result
    assert "\n" not in outcome.result
    assert not warehouse.table_exists("ops", "activation_log")


def test_a_double_click_queues_once_and_a_claimed_request_is_never_claimed_again(
    warehouse, tenant, model
):
    _write_model(warehouse, model)
    first = _scenario(warehouse, 1_000_000.0)
    assert _scenario(warehouse, 1_000_000.0) is None
    assert claim(warehouse, first, utc_now()) is not None
    assert claim(warehouse, first, utc_now()) is None
    assert run_pending(warehouse, {TENANT: tenant}) == []
    assert _requests(warehouse)["state"].tolist() == ["running"]


def test_the_check_refuses_a_negative_budget_on_duckdb_too(warehouse):
    import duckdb

    with pytest.raises(duckdb.ConstraintException):
        _scenario(warehouse, -5.0)
    assert _requests(warehouse).empty
