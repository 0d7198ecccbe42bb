"""marts.mart_activation_uplift on a crafted experiment with a known effect (uplift_experiment:
treated customers buy within 90 days with probability 0.30, held-out ones with 0.20), built by
the real dbt project on DuckDB and on PostgreSQL (once per warehouse for the module).

Oracles: an independent pandas computation of the definitions (uplift_oracle), which every
figure equals to 1e-9; the known effect, which the 90 % intervals of the main experiment
contain (a property of the seeded draw: intervals of this kind miss 10 % of the time); and
the sentences, written out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cerebro.formatting import format_currency, format_integer, locale_for
from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.warehouse import Warehouse
from tests.dbt_project.marts.crafted_dbt import build_models, crafted_warehouse, warehouse_environ
from tests.dbt_project.marts.uplift_experiment import (
    HORIZONS,
    MAIN,
    craft,
    true_purchase_rate_diff,
    true_revenue_diff,
)
from tests.dbt_project.marts.uplift_oracle import KEYS, expected_uplift

SELECTION = ("+dim_tenants", "stg_ops__activation_log", "stg_klaviyo__email_events",
             "stg_whatsapp__message_statuses", "path:models/intermediate/activation",
             "path:models/marts/activation")  # fmt: skip
#: Tables the mart reads that the crafted warehouse writes itself, and their date columns.
WRITTEN = {
    ("marts", "fct_orders"): ("orders", ["created_date"]),
    ("marts", "mart_customer_value"): ("customer_values", ["cutoff_date"]),
    ("intermediate", "int_tenant_data_cutoffs"): ("cutoffs", ["data_cutoff_date"]),
    ("ops", "activation_log"): ("log", []),
    ("cerebro_config", "tenants"): ("tenants", []),
}
NUMBERS = [
    "treated_customers", "control_customers", "treated_buyers", "control_buyers",
    "treated_purchase_rate", "control_purchase_rate", "purchase_rate_diff",
    "purchase_rate_diff_lower", "purchase_rate_diff_upper",
    "treated_revenue_per_customer_amount", "control_revenue_per_customer_amount",
    "revenue_per_customer_diff_amount", "revenue_per_customer_diff_lower_amount",
    "revenue_per_customer_diff_upper_amount", "treated_valued_customers",
    "control_valued_customers", "treated_predicted_clv_12m_amount",
    "control_predicted_clv_12m_amount", "predicted_clv_12m_diff_amount",
    "predicted_clv_12m_diff_lower_amount", "predicted_clv_12m_diff_upper_amount",
    "incremental_customers", "incremental_customers_lower", "incremental_customers_upper",
    "incremental_revenue_amount", "incremental_revenue_lower_amount",
    "incremental_revenue_upper_amount",
]  # fmt: skip
FLAGS = ["is_significant", "is_revenue_significant", "is_complete"]
SYNC_COUNTS = ["members_sent", "members_removed", "members_refused", "members_failed",
               "members_held_out", "members_without_consent"]  # fmt: skip


def _cast_to_dates(warehouse: Warehouse, table: str, columns: list[str]) -> None:
    """Midnight timestamps (how a frame lands) to the `date` columns the real models have."""
    with warehouse.connect() as connection:
        cursor = connection.cursor()
        for column in columns:
            cursor.execute(
                f"alter table {table} alter column {column} type date using cast({column} as date)"
            )


@pytest.fixture(scope="module")
def experiment():
    return craft()


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def uplift_warehouse(request, tmp_path_factory, experiment) -> Warehouse:
    """The activation models built by dbt on the crafted experiment (about 15 s per warehouse);
    the build's seconds are printed."""
    directory = tmp_path_factory.mktemp(f"activation_uplift_{request.param}")
    environ = warehouse_environ(request, request.param, directory)
    warehouse = crafted_warehouse(environ)
    for (schema, table), (frame_name, dates) in WRITTEN.items():
        warehouse.replace_table(schema, table, getattr(experiment, frame_name))
        _cast_to_dates(warehouse, f"{schema}.{table}", dates)
    seconds = build_models(environ, directory, *SELECTION)
    print(f"dbt build of the activation models on {request.param}: {seconds:.1f} s")
    return warehouse


@pytest.fixture(scope="module")
def mart(uplift_warehouse) -> pd.DataFrame:
    frame = uplift_warehouse.query("select * from marts.mart_activation_uplift")
    for column in NUMBERS:
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    return frame


def test_every_figure_equals_the_pandas_computation(mart, experiment):
    expected = expected_uplift(experiment, HORIZONS)
    merged = expected.merge(mart, on=KEYS, how="outer", suffixes=("_expected", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", KEYS]
    assert len(merged) == 4 * len(HORIZONS)
    for column in NUMBERS:
        np.testing.assert_allclose(
            merged[column].to_numpy(), merged[f"{column}_expected"].astype(float).to_numpy(),
            rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=column,
        )  # fmt: skip
    for column in FLAGS:
        assert merged[column].astype(bool).tolist() == merged[f"{column}_expected"].tolist(), column
    days = pd.to_datetime(merged["activation_date"])
    assert (days == pd.to_datetime(merged["activation_date_expected"])).all()


def test_the_known_effect_lies_in_the_90_percent_intervals(mart):
    main = mart[mart["run_id"] == MAIN.run_id].set_index("horizon_days")
    assert sorted(main.index) == list(HORIZONS)
    for horizon, row in main.iterrows():
        rate, revenue = true_purchase_rate_diff(horizon), true_revenue_diff(horizon)
        assert row["purchase_rate_diff_lower"] <= rate <= row["purchase_rate_diff_upper"], horizon
        assert (
            row["revenue_per_customer_diff_lower_amount"]
            <= revenue
            <= row["revenue_per_customer_diff_upper_amount"]
        ), horizon
        # Drawn before the activation: no difference, and none found.
        assert (
            row["predicted_clv_12m_diff_lower_amount"]
            <= 0
            <= row["predicted_clv_12m_diff_upper_amount"]
        )
    assert main.loc[90, "is_significant"] and main.loc[90, "is_complete"]


def _spanish(value: float) -> str:
    """A count as the pages write it for a Chilean tenant (cerebro.formatting): the sentences
    must write the same."""
    return format_integer(value, locale_for("CLP"))


def _clp(value: float) -> str:
    return format_currency(value, "CLP")


def test_the_sentences_say_the_result_with_its_interval(mart):
    rows = mart.set_index(["run_id", "horizon_days"])
    main = rows.loc[(MAIN.run_id, 90)]
    assert main["uplift_text"] == (
        "La campaña «Frecuentes alejados» por Klaviyo del 2 de octubre de 2026 recuperó "
        f"{_spanish(main['incremental_customers'])} clientes y "
        f"{_clp(main['incremental_revenue_amount'])} en 90 días (IC 90%: "
        f"{_spanish(main['incremental_customers_lower'])} a "
        f"{_spanish(main['incremental_customers_upper'])} clientes; "
        f"{_clp(main['incremental_revenue_lower_amount'])} a "
        f"{_clp(main['incremental_revenue_upper_amount'])})."
    )
    follow_up = rows.loc[("r2", 90)]
    assert not follow_up["is_significant"]
    assert follow_up["uplift_text"].startswith(
        "La campaña «Frecuentes alejados» por Klaviyo del 10 de octubre de 2026 aún no es "
        f"distinguible de cero: {_spanish(follow_up['incremental_customers'])} clientes y "
    )
    assert rows.loc[("p1", 30), "uplift_text"] == (
        "La campaña «Frecuentes alejados» por Meta del 4 de octubre de 2026 no tiene grupo de "
        "control con el que medirse."
    )


def test_sync_counts_are_the_logged_outcomes_per_run(uplift_warehouse, experiment):
    log = experiment.log
    treated = log["action"].isin(["add", "send"]) & (log["status"] == "sent")
    expected = (
        log.assign(
            members_sent=treated,
            members_removed=(log["action"] == "remove") & (log["status"] == "sent"),
            members_refused=log["status"] == "refused",
            members_failed=log["status"] == "failed",
            members_held_out=log["action"] == "hold_out",
            members_without_consent=log["status"] == "no_consent",
        )
        .groupby("run_id")[SYNC_COUNTS]
        .sum()
    )
    syncs = uplift_warehouse.query("select * from marts.mart_activation_syncs").set_index("run_id")
    assert sorted(syncs.index) == sorted(expected.index)
    for column in expected.columns:
        assert syncs[column].astype(int).to_dict() == expected[column].to_dict(), column
    assert syncs.loc["r1", "members_without_consent"] == 50
    assert str(syncs.loc["p1", "run_date"])[:10] == "2026-10-04"  # 23:00 in Lima


def test_every_card_of_the_acciones_page_answers(uplift_warehouse):
    page = next(d for d in load_dashboards() if d.key == "acciones")
    for tenant in ("t_cl", "t_pe"):
        for card in page.cards:
            frame = card.run(uplift_warehouse, {"tenant": tenant})
            assert list(frame.columns) == list(card.columns), card.key
            assert not frame.empty, (tenant, card.key)
            assert "%%" not in frame.to_csv(), card.key  # a '%' written twice by the binding
    effect = page.card("efecto_por_activacion").run(uplift_warehouse, {"tenant": "t_cl"})
    assert len(effect) == 3 * len(HORIZONS)
    assert set(effect["result"]) == {"Distinguible de cero", "Aún no distinguible de cero",
                                     "En curso"}  # fmt: skip


@pytest.fixture(scope="module")
def empty_log_warehouse(request, tmp_path_factory, experiment) -> Warehouse:
    """The same models before any sync: no ops.activation_log table at all (DuckDB)."""
    directory = tmp_path_factory.mktemp("activation_uplift_empty")
    environ = warehouse_environ(request, "duckdb", directory)
    warehouse = crafted_warehouse(environ)
    for (schema, table), (frame_name, dates) in WRITTEN.items():
        if table != "activation_log":
            warehouse.replace_table(schema, table, getattr(experiment, frame_name))
            _cast_to_dates(warehouse, f"{schema}.{table}", dates)
    build_models(environ, directory, *SELECTION)
    return warehouse


def test_before_the_first_sync_the_page_explains_instead_of_failing(empty_log_warehouse):
    page = next(d for d in load_dashboards() if d.key == "acciones")
    assert (
        empty_log_warehouse.query("select count(*) as n from marts.mart_activation_uplift")[
            "n"
        ].iloc[0]
        == 0
    )
    answers = {card.key: card.run(empty_log_warehouse, {"tenant": "t_cl"}) for card in page.cards}
    for key, frame in answers.items():
        assert list(frame.columns) == list(page.card(key).columns), key
        assert len(frame) == 1, key
    assert (
        answers["estado_acciones"]["message"]
        .iloc[0]
        .startswith("Aún no se ha sincronizado ningún segmento.")
    )
    assert answers["envios_aceptados"]["value"].iloc[0] == 0
    assert answers["sincronizaciones_por_destino"]["destination"].iloc[0] == (
        "Aún no hay sincronizaciones"
    )
    assert answers["efecto_por_activacion"]["destination"].iloc[0] == (
        "Aún no hay activaciones medidas"
    )
