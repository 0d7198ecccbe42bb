"""Experiments registered from Metabase (decision 0072): checked with the experiments file's
rules, refused in one Spanish line, kept once in ``ops.registered_experiments``, and merged
with the tenant's experiments file for the budget model's calibration. On a crafted DuckDB
warehouse.

Oracles: the rules of ``ml_assets/mmm/lift_tests.py`` (the same function reads the file),
the crafted spend mart (which channels the tenant pays for), the table's rows and states."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cerebro.actions.requests import claim, run_pending, submit
from cerebro.actions.requests.experiments import registered_experiments, tenant_lift_tests
from cerebro.actions.requests.queue import LEASE
from cerebro.actions.requests.run import Refused, register_experiment
from ml_assets.mmm.lift_tests import lift_tests_for
from tests.cerebro.actions.activation.sync.activation_crafted_marts import TENANT

#: 12:00 UTC, 09:00 in Santiago: the tenant's today is 27 Nov 2026.
NOW = dt.datetime(2026, 11, 27, 12)
GOOD = {"channel": "Meta Ads", "start_date": dt.date(2026, 10, 1),
        "end_date": dt.date(2026, 10, 28), "lift": 1_500_000.0, "standard_error": 400_000.0,
        "target": "revenue"}  # fmt: skip


@pytest.fixture
def spend(warehouse):
    """Two paid channels with spend for the tenant, and one without (not a model channel)."""
    warehouse.replace_table("marts", "mart_channel_spend_daily", pd.DataFrame({
        "tenant_id": [TENANT] * 3 + ["otro_cl"],
        "spend_date": [dt.date(2026, 10, 1)] * 4,
        "channel_group": ["Meta Ads", "Google Ads", "TikTok Ads", "Amazon Ads"],
        "spend_amount": [50_000.0, 30_000.0, 0.0, 9.0],
    }))  # fmt: skip


def _ask(warehouse, **changes):
    return submit(warehouse, "cl_reader", tenant_id=TENANT, kind="registrar_experimento",
                  **{**GOOD, **changes})  # fmt: skip


def _run(warehouse, tenant, now=NOW):
    return run_pending(warehouse, {TENANT: tenant}, now=lambda: now)


def test_an_experiment_is_registered_once_and_a_double_click_is_one_request(
    warehouse, tenant, spend
):
    _ask(warehouse)
    assert _ask(warehouse) is None  # double click
    (outcome,) = _run(warehouse, tenant)
    assert outcome.state == "done", outcome.result
    assert outcome.result.startswith("Experimento de Meta Ads del 1 oct 2026 al 28 oct 2026 "
                                     "registrado: efecto $1.500.000")  # fmt: skip
    table = registered_experiments(warehouse, TENANT)
    assert table.to_dict("records") == [
        {"channel": "Meta Ads", "start": "2026-10-01", "end": "2026-10-28", "lift": 1_500_000.0,
         "standard_error": 400_000.0, "target": "revenue"}
    ]  # fmt: skip


def test_a_request_run_again_after_its_process_died_writes_once(warehouse, tenant, spend):
    """The first run wrote the experiment, then its outcome was lost (the request put back to
    ``running`` with a lease that ran out): the retry finishes it and adds no second row."""
    request_id = _ask(warehouse)
    _run(warehouse, tenant)
    warehouse.execute(
        ("update ops.action_requests set state = 'running', finished_at = null, result = null, "
         "heartbeat_at = %(then)s where request_id = %(id)s", {"then": NOW, "id": request_id}),
    )  # fmt: skip
    (retry,) = _run(warehouse, tenant, now=NOW + LEASE + dt.timedelta(seconds=1))
    assert (retry.request_id, retry.state) == (request_id, "done"), retry.result
    attempts = warehouse.query("select attempts from ops.action_requests")["attempts"].tolist()
    assert attempts == [2]
    count = warehouse.query("select count(*) as n from ops.registered_experiments")["n"].iloc[0]
    assert count == 1


def test_the_same_test_asked_again_is_refused(warehouse, tenant, spend):
    _ask(warehouse)
    _run(warehouse, tenant)
    _ask(warehouse, lift=900_000.0)  # the same channel, days and target, another readout
    (second,) = _run(warehouse, tenant)
    assert second.state == "refused"
    assert "ya está registrado (solicitud 1)" in second.result, second.result
    assert len(registered_experiments(warehouse, TENANT)) == 1


@pytest.mark.parametrize(
    ("changes", "words"),
    [({"channel": "TikTok Ads"}, "El canal «TikTok Ads» no es uno de los canales pagados del "
      "modelo de este cliente: Google Ads, Meta Ads."),
     ({"channel": "Amazon Ads"}, "El canal «Amazon Ads» no es uno"),
     ({"end_date": dt.date(2026, 11, 28)}, "termina después de hoy (27 nov 2026)"),
     ({"start_date": dt.date(2027, 1, 1), "end_date": dt.date(2027, 1, 31)},
      "termina después de hoy"),
     ({"start_date": dt.date(2026, 9, 1), "end_date": dt.date(2026, 9, 30)},
      "termina antes del primer día con gasto en publicidad de este cliente (1 oct 2026)")],
    ids=["channel without spend", "another tenant's channel", "ends tomorrow", "next year",
         "before the data"],
)  # fmt: skip
def test_a_bad_experiment_is_refused_in_one_spanish_line_and_nothing_is_stored(
    warehouse, tenant, spend, changes, words
):
    _ask(warehouse, **changes)
    (outcome,) = _run(warehouse, tenant)
    assert outcome.state == "refused" and words in outcome.result, outcome.result
    assert "\n" not in outcome.result
    assert not warehouse.table_exists("ops", "registered_experiments")


@pytest.mark.parametrize(
    ("changes", "words"),
    [({"end_date": dt.date(2026, 9, 30)}, "el fin debe ser una fecha igual o posterior al "
      "inicio"),
     ({"standard_error": 0.0}, "el error estándar mayor que 0"),
     ({"standard_error": None}, "el error estándar mayor que 0"),
     ({"target": "ventas"}, "El objetivo debe ser «revenue»")],
    ids=["end before start", "standard error 0", "no standard error", "unknown target"],
)  # fmt: skip
def test_what_the_check_refuses_the_handler_refuses_too(warehouse, tenant, spend, changes, words):
    """The table's CHECK refuses these at insert; an older table (DuckDB cannot alter a CHECK)
    may hold them, and the sensor refuses them with the file's rules."""
    row = pd.Series({**GOOD, **changes, "request_id": 7, "requested_by": "cl_reader"})
    with pytest.raises(Refused) as refusal:
        register_experiment(warehouse, tenant, row, lambda: NOW)
    assert words in str(refusal.value) and "\n" not in str(refusal.value)


def test_a_tenant_without_paid_channels_is_told_so(warehouse, tenant):
    _ask(warehouse)
    (outcome,) = _run(warehouse, tenant)
    assert outcome.state == "refused"
    assert outcome.result.startswith("Este cliente aún no tiene canales pagados con gasto")


def test_the_calibration_input_merges_the_file_and_the_registered_tests_once(
    warehouse, tenant, spend, tmp_path
):
    """The file's test of Google Ads, its test of Meta Ads (also registered from Metabase,
    with another readout: the file's counts, once) and a registered new-customers test."""
    experiments = tmp_path / "experiments.csv"
    experiments.write_text(
        "channel,start,end,lift,standard_error,target\n"
        "Google Ads,2026-10-05,2026-10-18,200000,80000,revenue\n"
        "Meta Ads,2026-10-01,2026-10-28,1400000,350000,revenue\n",
        encoding="utf-8",
    )
    _ask(warehouse)
    _ask(warehouse, target="new_customers", lift=42.0, standard_error=10.0)
    assert [o.state for o in _run(warehouse, tenant)] == ["done", "done"]
    tests = tenant_lift_tests(warehouse, TENANT, experiments)
    assert lift_tests_for(tests, "revenue") == [
        {"channel": "Google Ads", "start": "2026-10-05", "end": "2026-10-18", "lift": 200_000.0,
         "standard_error": 80_000.0},
        {"channel": "Meta Ads", "start": "2026-10-01", "end": "2026-10-28", "lift": 1_400_000.0,
         "standard_error": 350_000.0},
    ]  # fmt: skip
    assert lift_tests_for(tests, "new_customers") == [
        {"channel": "Meta Ads", "start": "2026-10-01", "end": "2026-10-28", "lift": 42.0,
         "standard_error": 10.0},
    ]  # fmt: skip
    only_registered = tenant_lift_tests(warehouse, TENANT, None)
    assert len(only_registered) == 2
    assert tenant_lift_tests(warehouse, "otro_cl", None) is None


def test_a_claimed_experiment_carries_its_parameters(warehouse, spend):
    request_id = _ask(warehouse)
    row = claim(warehouse, request_id, NOW)
    assert (row["channel"], pd.Timestamp(row["start_date"]).date(), row["target"]) == (
        "Meta Ads", dt.date(2026, 10, 1), "revenue"
    )  # fmt: skip


def _withdraw(warehouse, request_id):
    return submit(warehouse, "cl_marketing", tenant_id=TENANT, kind="retirar_experimento",
                  experiment_request_id=request_id)  # fmt: skip


def test_a_withdrawn_experiment_leaves_calibration_and_a_second_withdrawal_is_refused(
    warehouse, tenant, spend
):
    """Oracle: the calibration input (``tenant_lift_tests``) before and after; the request that
    registered the test names it."""
    registered = _ask(warehouse)
    _ask(warehouse, channel="Google Ads")
    _run(warehouse, tenant)
    assert len(tenant_lift_tests(warehouse, TENANT, None)) == 2
    _withdraw(warehouse, registered)
    (outcome,) = _run(warehouse, tenant)
    assert outcome.state == "done", outcome.result
    assert outcome.result.startswith("Experimento de Meta Ads del 1 oct 2026 al 28 oct 2026 "
                                     "sobre ingresos retirado")  # fmt: skip
    left = tenant_lift_tests(warehouse, TENANT, None)
    assert list(left["channel"]) == ["Google Ads"]
    _withdraw(warehouse, registered)
    (again,) = _run(warehouse, tenant)
    assert again.state == "refused"
    assert again.result == (f"El experimento de Meta Ads del 1 oct 2026 al 28 oct 2026 ya fue "
                            f"retirado (solicitud {outcome.request_id}).")  # fmt: skip
    assert list(tenant_lift_tests(warehouse, TENANT, None)["channel"]) == ["Google Ads"]


def test_a_withdrawal_run_again_after_its_process_died_changes_nothing(warehouse, tenant, spend):
    registered = _ask(warehouse)
    _run(warehouse, tenant)
    _withdraw(warehouse, registered)
    (first,) = _run(warehouse, tenant)
    warehouse.execute(("update ops.action_requests set state = 'running', finished_at = null, "
                       f"result = null where request_id = {first.request_id}", None))  # fmt: skip
    (retry,) = _run(warehouse, tenant, now=NOW + LEASE + dt.timedelta(seconds=1))
    assert (retry.state, retry.result) == ("done", first.result)
    assert tenant_lift_tests(warehouse, TENANT, None) is None


def test_withdrawing_what_no_request_registered_is_refused(warehouse, tenant, spend):
    _withdraw(warehouse, 999)
    (outcome,) = _run(warehouse, tenant)
    assert outcome.state == "refused"
    assert outcome.result.startswith("La solicitud 999 no registró ningún experimento")


def test_a_withdrawn_experiment_registered_again_calibrates_again(warehouse, tenant, spend):
    registered = _ask(warehouse)
    _run(warehouse, tenant)
    _withdraw(warehouse, registered)
    _run(warehouse, tenant)
    again = _ask(warehouse, lift=1_200_000.0)
    (outcome,) = _run(warehouse, tenant)
    assert outcome.state == "done", outcome.result
    table = registered_experiments(warehouse, TENANT)
    assert list(table["lift"]) == [1_200_000.0]
    assert again is not None
