"""`cerebro clv` on a CSV: CDNOW's transactions, and files with bad rows."""

from __future__ import annotations

import datetime as dt
import json

import babel.numbers
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cerebro.cli.main import main
from ml_assets.clv.predict import predict_customer_value
from ml_assets.clv.settings import ClvSettings
from tests.ml_assets.clv.clv_cdnow import (
    CDNOW_CUTOFF,
    PUBLISHED_BGNBD,
    PUBLISHED_GAMMA_GAMMA,
    TOLERANCE,
)

ARGS = ["--customer-column", "customer", "--date-column", "order_date", "--amount-column", "amount"]


@pytest.fixture(scope="module")
def cdnow_csv(tmp_path_factory, cdnow_transactions):
    path = tmp_path_factory.mktemp("clv_cli") / "cdnow.csv"
    frame = cdnow_transactions.assign(
        order_date=cdnow_transactions["order_date"].dt.strftime("%Y-%m-%d")
    )
    frame.to_csv(path, index=False)
    return path


def _run(*args: str):
    return CliRunner().invoke(main, ["clv", *args])


def test_cli_writes_predictions_and_parameters_for_the_cdnow_transactions(
    tmp_path, cdnow_csv, cdnow_transactions
):
    out, params = tmp_path / "predictions.csv", tmp_path / "params.json"
    result = _run(
        "--transactions", str(cdnow_csv), *ARGS, "--cutoff", CDNOW_CUTOFF,
        "--horizons", "30,90,273", "--purchase-model", "bgnbd", "--out", str(out),
        "--params-out", str(params),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # The terminal writes numbers in the default locale (es_CL): Babel's grouping and decimal
    # comma; the parameters file keeps plain numbers for programs.
    assert "2.357 customers (cut-off 1997-09-30)" in result.output
    assert "Purchase model: BG/NBD set in the settings (purchase_model: bgnbd)" in result.output
    assert "transactions after the cut-off are not used for fitting" in result.output
    written = json.loads(params.read_text())
    for name in ("r", "alpha", "a", "b"):
        shown = babel.numbers.format_decimal(written[name], format="@###", locale="es_CL")
        assert f"{name}={shown}" in result.output, (name, result.output)

    predictions = pd.read_csv(out, dtype={"customer": str})
    assert len(predictions) == 2357 and predictions["customer"].is_unique
    assert {"expected_purchases_30d", "expected_purchases_90d", "expected_purchases_273d"} <= set(
        predictions.columns
    )
    document = json.loads(params.read_text())
    assert document["time_unit"] == "days" and document["cutoff_date"] == CDNOW_CUTOFF
    # The published weekly BG/NBD parameters, with alpha in days (x 7): within 0.5 %.
    assert document["r"] == pytest.approx(0.243, rel=0.005)
    assert document["alpha"] == pytest.approx(4.414 * 7, rel=0.005)
    assert document["a"] == pytest.approx(0.793, rel=0.005)
    assert document["b"] == pytest.approx(2.426, rel=0.005)
    for key in ("p", "q", "v", "purchase_log_likelihood", "gamma_gamma_log_likelihood"):
        assert isinstance(document[key], float), key

    # The same numbers as the Python use case on the same rows.
    expected = predict_customer_value(
        cdnow_transactions, cutoff=CDNOW_CUTOFF, customer_column="customer",
        date_column="order_date", amount_column="amount", horizons=(30, 90, 273),
        settings=ClvSettings(purchase_model="bgnbd"),
    ).predictions  # fmt: skip
    np.testing.assert_allclose(
        predictions["predicted_clv_12m"], expected["predicted_clv_12m"], rtol=1e-12
    )


def test_bad_rows_are_reported_quarantined_and_the_rest_is_used(tmp_path, cdnow_csv):
    bad = pd.DataFrame(
        {
            "customer": ["", "X1", "X2", "X3", "X4"],
            "order_date": ["1997-03-01", "1997-02-30", "1997-03-02", "1997-03-03", "mañana"],
            "amount": ["10", "5", "-3", "abc", ""],
        }
    )
    dirty = tmp_path / "dirty.csv"
    pd.concat([pd.read_csv(cdnow_csv, dtype=str), bad]).to_csv(dirty, index=False)
    out, quarantine = tmp_path / "predictions.csv", tmp_path / "rejected.csv"
    result = _run(
        "--transactions", str(dirty), *ARGS, "--cutoff", CDNOW_CUTOFF,
        "--out", str(out), "--quarantine", str(quarantine),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "5 rows rejected" in result.output
    for reason in (
        "empty customer id: 1",
        "unparseable date: 2",
        "negative amount: 1",
        "non-numeric amount: 2",
    ):
        assert reason in result.output, reason
    assert "line 6921: empty customer id" in result.output  # header + 6 919 rows before it
    rejected = pd.read_csv(quarantine, dtype=str, keep_default_na=False)
    assert list(rejected["line"]) == ["6921", "6922", "6923", "6924", "6925"]
    assert list(rejected["customer"]) == ["", "X1", "X2", "X3", "X4"]
    assert rejected.loc[4, "reason"] == "unparseable date; non-numeric amount"
    # X1's and X4's rows are rejected; X2 and X3 too: no X customer is predicted.
    predictions = pd.read_csv(out, dtype={"customer": str})
    assert len(predictions) == 2357


def test_timestamps_with_utc_offsets_keep_the_local_day(tmp_path, cdnow_csv):
    # A store export writes local times with their offset; converting to UTC would move the
    # 23:30 order to the next day. Two orders on 1 March are one transaction.
    extra = pd.DataFrame(
        {
            "customer": ["tz"] * 3,
            "order_date": ["1997-03-01 23:30:00 -0300", "1997-03-01 08:00:00 -03:00",
                           "1997-03-10T10:00:00Z"],
            "amount": ["10", "20", "30"],
        }
    )  # fmt: skip
    path = tmp_path / "export.csv"
    pd.concat([pd.read_csv(cdnow_csv, dtype=str), extra]).to_csv(path, index=False)
    out = tmp_path / "predictions.csv"
    result = _run("--transactions", str(path), *ARGS, "--cutoff", CDNOW_CUTOFF, "--out", str(out))
    assert result.exit_code == 0, result.output
    row = pd.read_csv(out, dtype={"customer": str}).set_index("customer").loc["tz"]
    assert (row["frequency"], row["recency"], row["T"], row["monetary_value"]) == (1, 9, 213, 30)


def test_missing_column_and_bad_horizons_are_clear_errors(tmp_path, cdnow_csv):
    out = str(tmp_path / "p.csv")
    result = _run(
        "--transactions", str(cdnow_csv), "--customer-column", "client", "--date-column",
        "order_date", "--amount-column", "amount", "--cutoff", CDNOW_CUTOFF, "--out", out,
    )  # fmt: skip
    assert result.exit_code != 0 and "no column(s) ['client']" in result.output
    result = _run("--transactions", str(cdnow_csv), *ARGS, "--cutoff", CDNOW_CUTOFF,
                  "--horizons", "30,-1", "--out", out)  # fmt: skip
    assert result.exit_code != 0 and "positive numbers of days" in result.output


def test_keep_outliers_gives_every_published_cdnow_parameter_through_the_cli(tmp_path, cdnow_csv):
    """Oracles: Fader, Hardie & Lee (2005) for BG/NBD (alpha in days = weeks x 7) and Fader &
    Hardie (2013) for Gamma-Gamma, fitted on the 946 repeat buyers' mean spend with nothing
    left out; within 0.5 % (``clv_cdnow.py``). By default the CLI leaves the 35 repeat
    transactions above mean + 3 sd out of the spend fit, says so, and p, q, v move away."""
    documents = {}
    for name, extra in (("default", ()), ("kept", ("--keep-outliers",))):
        params = tmp_path / f"{name}.json"
        result = _run(
            "--transactions", str(cdnow_csv), *ARGS, "--cutoff", CDNOW_CUTOFF, *extra,
            "--purchase-model", "bgnbd", "--out", str(tmp_path / f"{name}.csv"),
            "--params-out", str(params),
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        documents[name] = (json.loads(params.read_text()), result.output)

    kept, output = documents["kept"]
    assert "left out of the Gamma-Gamma fit" not in output
    assert kept["gamma_gamma_fit_customers"] == 946 and kept["outlier_transactions"] == 0
    published = {**PUBLISHED_BGNBD, "alpha": PUBLISHED_BGNBD["alpha"] * 7, **PUBLISHED_GAMMA_GAMMA}
    for name, value in published.items():
        assert kept[name] == pytest.approx(value, rel=TOLERANCE), name

    default, output = documents["default"]
    assert "Warning: 35 repeat transactions above" in output
    assert default["outlier_transactions"] == 35 and default["gamma_gamma_fit_customers"] == 940
    assert default["p"] != pytest.approx(PUBLISHED_GAMMA_GAMMA["p"], rel=0.1)


def test_the_cli_backtests_both_purchase_models_and_says_which_it_chose_and_why(
    tmp_path, cdnow_csv
):
    """On the CDNOW sample the last 90 days before the cut-off cannot tell the two models'
    purchase predictions apart, nor the calibration period's likelihoods (1.5 apart), and
    MBG/NBD's P(alive) ranks who bought again there better (BG/NBD's is 1 for the 60 % who
    bought once): MBG/NBD, whose CDNOW parameters BTYDplus
    publishes in weeks (r 0.525, alpha 6.183, a 0.891, b 1.614; alpha x 7 in days)."""
    out, params = tmp_path / "predictions.csv", tmp_path / "params.json"
    result = _run("--transactions", str(cdnow_csv), *ARGS, "--cutoff", CDNOW_CUTOFF,
                  "--out", str(out), "--params-out", str(params))  # fmt: skip
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("Purchase model: "))
    assert line.startswith("Purchase model: MBG/NBD: the 90-day holdout's purchases cannot")
    assert "likelihoods are within 2 (log-likelihood BG/NBD -10130.0, MBG/NBD -10131.5)" in line
    assert "AUC BG/NBD 0.33, MBG/NBD 0.64" in line
    assert "written to" in result.output and "; MBG/NBD r=" in result.output
    document = json.loads(params.read_text())
    assert document["purchase_model"] == "mbgnbd"
    assert document["purchase_model_reason"] == line.removeprefix("Purchase model: ")
    assert set(document["backtest_candidates"]) == {"bgnbd", "mbgnbd"}
    published = {"r": 0.525, "alpha": 6.183 * 7, "a": 0.891, "b": 1.614}
    for name, value in published.items():
        assert document[name] == pytest.approx(value, rel=0.005), name
    predictions = pd.read_csv(out)
    one_time = predictions[predictions["frequency"] == 0]
    assert (one_time["prob_alive"] < 1).all()


def test_a_cutoff_after_today_is_refused_in_one_line(tmp_path, cdnow_csv):
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    out = tmp_path / "predictions.csv"
    result = _run("--transactions", str(cdnow_csv), *ARGS, "--cutoff", tomorrow,
                  "--out", str(out))  # fmt: skip
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: the cut-off {tomorrow} is after today ({dt.date.today()}): customers' ages "
        "would be counted to a day that has not come; choose a cut-off up to today"
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists()
