"""`cerebro mmm fit` and `cerebro mmm optimize` on a CSV: the outputs, and errors that name
the problem.

The command is what is tested here, not the fit: its model draws around the simulator's true
parameters instead of running NUTS (tests/ml_assets/mmm/fixed_posterior.py). The fit the
command runs, `fit_mmm`, is tested with NUTS in tests/ml_assets/mmm."""

from __future__ import annotations

import json

import babel.numbers
import pandas as pd
import pytest
from click.testing import CliRunner

from cerebro.cli.main import main
from ml_assets.mmm.simulate import simulate
from tests.ml_assets.mmm.fixed_posterior import fixed_posterior
from tests.ml_assets.mmm.simulated_fits import media_at_truth

FIT = [
    "mmm", "fit", "--spend-columns", "Search Ads,social,video", "--target-column", "revenue",
    "--control-columns", "organic_clicks", "--event-columns", "holiday,commercial_event",
]  # fmt: skip


@pytest.fixture(scope="module")
def simulated():
    return simulate("easy", seed=4, n_days=400)


@pytest.fixture(scope="module")
def csv_path(simulated, tmp_path_factory):
    frame = simulated.frame.rename(columns={"search": "Search Ads"})
    path = tmp_path_factory.mktemp("mmm_cli") / "spend.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def fitted(simulated, csv_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("mmm_out")
    # Channels in the order of --spend-columns: search (as "Search Ads"), social, video.
    with fixed_posterior(media_at_truth(simulated)):
        result = CliRunner().invoke(
            main, [*FIT, "--input", str(csv_path), "--draws", "60", "--out-dir", str(out)]
        )
    assert result.exit_code == 0, result.output
    return out, result.output


def test_fit_writes_every_output_with_channel_names_as_given(fitted):
    out, output = fitted
    assert {p.name for p in out.iterdir()} == {
        "channel_summary.csv", "contributions.csv", "response_curves.csv",
        "diagnostics.json", "model.json",
    }  # fmt: skip
    summary = pd.read_csv(out / "channel_summary.csv")
    assert summary["channel"].tolist() == ["Search Ads", "social", "video"]
    required = ["channel", "spend", "contribution", "contribution_share", "roi", "roi_low",
                "roi_high", "marginal_roi", "identified"]  # fmt: skip
    assert set(required) <= set(summary.columns)
    assert (summary["roi_low"] <= summary["roi"]).all() and (
        summary["roi"] <= summary["roi_high"]
    ).all()
    diagnostics = json.loads((out / "diagnostics.json").read_text())
    assert diagnostics["holdout_periods"] == 56 and diagnostics["in_sample"]["mape"] < 0.1
    assert "Search Ads" in output and "90% interval" in output
    # The terminal in the default locale (es_CL, Babel): a decimal comma in the holdout error.
    mape = babel.numbers.format_percent(diagnostics["holdout"]["mape"], "#,##0.0%", locale="es_CL")
    assert f"holdout MAPE {mape}" in output


def test_a_signed_control_is_fitted_as_one_and_saved_with_the_model(simulated, csv_path, tmp_path):
    arguments = [*FIT, "--input", str(csv_path), "--draws", "60", "--out-dir", str(tmp_path)]
    arguments[arguments.index("--control-columns")] = "--signed-control-columns"
    with fixed_posterior(media_at_truth(simulated)):
        result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    diagnostics = json.loads((tmp_path / "diagnostics.json").read_text())
    assert diagnostics["controls"] == diagnostics["signed_controls"] == ["organic_clicks"]
    model = json.loads((tmp_path / "model.json").read_text())
    assert model["params"]["signed_controls"] == ["organic_clicks"]


def test_a_column_both_demand_and_signed_control_is_refused(csv_path, tmp_path):
    arguments = [*FIT, "--input", str(csv_path), "--out-dir", str(tmp_path),
                 "--signed-control-columns", "organic_clicks"]  # fmt: skip
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code != 0
    assert "columns named both as demand and as signed controls: ['organic_clicks']" in (
        result.output
    )


def test_optimize_allocates_the_budget_within_bounds(fitted, tmp_path):
    out, _ = fitted
    allocation = tmp_path / "allocation.csv"
    result = CliRunner().invoke(
        main,
        ["mmm", "optimize", "--model", str(out), "--total-budget", "6000000",
         "--bound", "video=0:500000", "--bound", "Search Ads=1000000:", "--out", str(allocation)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(allocation)
    # The CSV keeps plain numbers; the terminal groups thousands as es_CL does.
    first = plan.iloc[0]
    change = babel.numbers.format_decimal(round(first["scenario_change"]), locale="es_CL")
    assert f"Expected change over 30 days: {change} " in result.output
    columns = ["channel", "current_spend", "optimal_spend", "expected_revenue_change",
               "expected_revenue_change_low", "expected_revenue_change_high"]  # fmt: skip
    assert set(columns) <= set(plan.columns)
    assert plan["optimal_spend"].sum() == pytest.approx(6_000_000, rel=1e-9)
    by_channel = plan.set_index("channel")["optimal_spend"]
    assert by_channel["video"] <= 500_000 + 1e-6 and by_channel["Search Ads"] >= 1_000_000 - 1e-6


def test_optimize_net_of_spend_leaves_money_no_channel_pays_back(fitted, tmp_path):
    """With each channel's value per unit of revenue far below a peso of margin, no channel's
    next peso pays for itself: the plan net of spend (decision 0053) cuts every channel and
    says what it leaves unspent; without values it is refused in one line."""
    out, _ = fitted
    allocation = tmp_path / "net.csv"
    common = ["mmm", "optimize", "--model", str(out), "--total-budget", "6000000"]
    values = ["--value", "Search Ads=0.001", "--value", "social=0.001", "--value", "video=0.001"]
    result = CliRunner().invoke(
        main, [*common, *values, "--net-of-spend", "--out", str(allocation)]
    )
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(allocation)
    assert (plan["optimal_spend"] <= plan["current_spend"] + 1e-6).all()
    unspent = plan["unspent"].iloc[0]
    assert unspent == pytest.approx(6_000_000 - plan["optimal_spend"].sum(), rel=1e-9)
    left = babel.numbers.format_decimal(round(unspent), locale="es_CL")
    assert f"left unspent: {left}" in result.output
    refused = CliRunner().invoke(
        main, [*common, "--net-of-spend", "--out", str(tmp_path / "none.csv")]
    )
    assert refused.exit_code == 1 and "--net-of-spend needs --value" in refused.output
    assert "Traceback" not in refused.output


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t, "unknown column(s) ['Search Ads']"),
        (lambda t: t.rename(columns={"search": "Search Ads"}).astype({"video": str})
         .assign(video=lambda f: f["video"].where(f.index != 3, "n/a")),
         "spend column 'video' has 1 non-numeric values (row 4: 'n/a')"),
        (lambda t: t.rename(columns={"search": "Search Ads"})
         .assign(social=lambda f: f["social"].where(f.index != 0, -1)),
         "spend column 'social' has 1 negative values (row 1: '-1.0')"),
        (lambda t: t.rename(columns={"search": "Search Ads"}).drop(index=[10, 11, 12]),
         "3 missing dates"),
        # 100 days: 44 left once the backtest's 56 are held out, short of eight weeks.
        (lambda t: t.rename(columns={"search": "Search Ads"}).head(100),
         "too few rows: 100 days, the model needs at least 112 (56 to fit, 56 days of "
         "history, and 56 held out"),
    ],
)  # fmt: skip
def test_fit_errors_name_the_problem(edit, message, tmp_path):
    frame = edit(simulate("easy", seed=4, n_days=400).frame)
    path = tmp_path / "input.csv"
    frame.to_csv(path, index=False)
    result = CliRunner().invoke(
        main, [*FIT, "--input", str(path), "--out-dir", str(tmp_path / "o")]
    )
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_optimize_errors_name_the_problem(fitted, tmp_path):
    out, _ = fitted
    common = ["mmm", "optimize", "--model", str(out), "--out", str(tmp_path / "a.csv")]
    unknown = CliRunner().invoke(main, [*common, "--total-budget", "100", "--bound", "tv=0:1"])
    assert unknown.exit_code == 1 and "bounds for unknown channels ['tv']" in unknown.output
    infeasible = CliRunner().invoke(
        main, [*common, "--total-budget", "100000000", "--bound", "video=0:1",
               "--bound", "social=0:1", "--bound", "Search Ads=0:1"],
    )  # fmt: skip
    assert infeasible.exit_code == 1 and "outside what the bounds allow" in infeasible.output
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "model.json").write_text("{}")
    broken = CliRunner().invoke(
        main, ["mmm", "optimize", "--model", str(tmp_path / "bad"), "--total-budget", "1",
               "--out", str(tmp_path / "b.csv")],
    )  # fmt: skip
    assert broken.exit_code == 1 and "not a Cerebro MMM model file" in broken.output


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--total-budget", "nan"], "the budget must be a finite number >= 0"),
        (["--total-budget", "-5"], "the budget must be a finite number >= 0"),
        (["--total-budget", "100", "--bound", "video=-100:100"], "finite number >= 0"),
        (["--total-budget", "100", "--value", "video=abc"], "must be a number, got 'abc'"),
    ],
)
def test_optimize_refuses_numbers_that_are_not_amounts_in_one_line(
    fitted, tmp_path, extra, message
):
    out, _ = fitted
    result = CliRunner().invoke(
        main, ["mmm", "optimize", "--model", str(out), "--out", str(tmp_path / "a.csv"), *extra]
    )
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "a.csv").exists()


def _optimize(model_dir, out_csv, budget, *bounds):
    args = ["mmm", "optimize", "--model", str(model_dir), "--total-budget", str(budget),
            "--out", str(out_csv)]  # fmt: skip
    for bound in bounds:
        args += ["--bound", bound]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return pd.read_csv(out_csv), result.output


def _todays_budget(out) -> tuple[float, dict[str, float]]:
    from ml_assets.mmm.persistence import load_model

    model = load_model(out / "model.json")
    daily = model.current_spend_ / model.period_days
    return float(daily.sum() * 30), dict(zip(model.channels_, daily * 30, strict=True))


def test_optimize_says_to_keep_todays_spend_when_the_plans_interval_reaches_zero(fitted, tmp_path):
    """The rule of docs/decisions/0050, applied here to the interval the plan's CSV holds: a
    plan whose gain's 90 % interval does not lie above zero is not advised, and the terminal
    names the test of the channel the plan moves most."""
    out, _ = fitted
    budget, current = _todays_budget(out)
    verdicts = set()

    # Today's budget split freely; then forced moves of 6 % of a channel's spend: from Search
    # Ads to video (a gain the interval cannot tell from nothing) and from video to Search
    # Ads (a loss).
    def move(giver, taker):
        amount = 0.06 * current[giver]
        kept = next(c for c in current if c not in (giver, taker))
        return (f"{giver}={current[giver] - amount}:{current[giver] - amount}",
                f"{taker}={current[taker] + amount}:{current[taker] + amount}",
                f"{kept}={current[kept]}:{current[kept]}")  # fmt: skip

    cases = [(), move("Search Ads", "video"), move("video", "Search Ads")]
    for number, bounds in enumerate(cases):
        plan, output = _optimize(out, tmp_path / f"plan{number}.csv", budget, *bounds)
        low = plan["scenario_change_low"].iloc[0]
        moves = (plan["optimal_spend"] - plan["current_spend"]).abs()
        # A channel moved by less than 5 % of its spend is not moved (recommendation.py).
        moves = moves[moves >= 0.05 * plan["current_spend"]]
        if low > 0:
            assert "Mantener" not in output, output
            assert "Con 90% de probabilidad, según el modelo, el cambio queda entre" in output
            verdicts.add("advised")
        else:
            assert "Mantener: los datos no distinguen este reparto de seguir como hoy." in output
            high = plan["scenario_change_high"].iloc[0]
            assert ("una pérdida" if high < 0 else "lo que incluye no ganar nada") in output
            verdicts.add("loss" if high < 0 else "reaches zero")
            deciding = plan.loc[moves.idxmax(), "channel"]
            assert f"Para decidirlo, apagar {deciding} " in output, output
            assert "días (o en la mitad de las regiones durante " in output
    assert verdicts == {"advised", "reaches zero", "loss"}


def test_optimize_says_to_keep_todays_spend_when_the_models_light_is_red(fitted, tmp_path):
    out, _ = fitted
    red = tmp_path / "red_model"
    red.mkdir()
    (red / "model.json").write_text((out / "model.json").read_text())
    diagnostics = json.loads((out / "diagnostics.json").read_text())
    # Above the daily-MAPE threshold of the health page's red light (dbt var, 60 %).
    diagnostics["in_sample"]["mape"] = 0.7
    (red / "diagnostics.json").write_text(json.dumps(diagnostics))
    budget, _ = _todays_budget(out)
    _, output = _optimize(red, tmp_path / "plan.csv", budget)
    assert (
        "Mantener: el modelo tiene luz roja (error diario de ajuste (MAPE) 70,0%), así que los "
        "datos no distinguen este reparto de seguir como hoy." in output
    ), output
