"""Bad inputs that reach the models or the output files: outputs that are inputs, folders
or files in the wrong place (refused before any work, one line), data a model cannot learn
from (one line, never a made-up answer), and warnings for data that fits but may mislead.

`mmm optimize` cases read a small model fitted once per test process (``_tiny_model``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd

from cerebro.output_files import PARTIAL_SUFFIX
from tests.platform.bad_inputs.bad_input_catalogue import Case

CLV = ("clv", "--customer-column", "cliente", "--date-column", "fecha",
       "--amount-column", "monto")  # fmt: skip
CUSTOMERS = 60


def _shop(seed: int = 0) -> str:
    """60 customers of a small shop in the first half of 2024, most of them repeat buyers."""
    rng = np.random.default_rng(seed)
    lines, start = ["cliente,fecha,monto"], dt.date(2024, 1, 1)
    for customer in range(CUSTOMERS):
        first = int(rng.integers(0, 120))
        later = rng.integers(1, 180 - first, rng.poisson(2.0))
        for day in sorted({first, *(first + int(d) for d in later)}):
            amount = rng.gamma(4, 5000)
            lines.append(f"C{customer:03d},{start + dt.timedelta(days=day)},{amount:.0f}")
    return "\n".join(lines) + "\n"


SHOP = _shop()
SHOP_ROWS = len(SHOP.splitlines()) - 1
#: Every row twice, as when an export is pasted below itself.
SHOP_TWICE = SHOP + SHOP.split("\n", 1)[1]
#: One repeat order of 50 million pesos among orders of about 20 000.
SHOP_WITH_OUTLIER = SHOP + "BIG,2024-02-01,15000\nBIG,2024-03-01,50000000\n"


def _no_partial_files(folder: Path) -> None:
    assert not [p for p in folder.rglob(f"*{PARTIAL_SUFFIX}")], "a temporary file was left"


def _predictions(customers: int, name: str = "out.csv"):
    def check(folder: Path, output: str) -> None:
        predictions = pd.read_csv(folder / name, dtype={"cliente": str})
        assert len(predictions) == customers and predictions["cliente"].is_unique, output
        _no_partial_files(folder)

    return check


def _outliers_kept(folder: Path, output: str) -> None:
    params = json.loads((folder / "params.json").read_text(encoding="utf-8"))
    assert params["outlier_transactions"] == 0 and params["outlier_threshold"] is None
    assert "left out of the Gamma-Gamma fit" not in output
    _predictions(CUSTOMERS + 1)(folder, output)


def _outliers_left_out(folder: Path, output: str) -> None:
    params = json.loads((folder / "params.json").read_text(encoding="utf-8"))
    assert params["outlier_transactions"] == 1, params
    _predictions(CUSTOMERS + 1)(folder, output)


def _clv(name, outcome, *options, transactions=SHOP, files=None, cutoff="2024-06-30", **more):
    """A `cerebro clv` case on ``{dir}/t.csv`` (``transactions``) with ``options``."""
    return Case(
        f"clv: {name}",
        outcome,
        (*CLV, "--cutoff", cutoff, "--transactions", "{dir}/t.csv", *options),
        files={"t.csv": transactions, **(files or {})},
        **more,
    )


OUT = ("--out", "{dir}/out.csv")
WITH_PARAMS = (*OUT, "--params-out", "{dir}/params.json")

CLV_CASES = [
    _clv("--out is the transactions file", "error", "--out", "{dir}/t.csv",
         message=r"--out .*t\.csv would overwrite the input"),
    _clv("--params-out is the transactions file", "error", *OUT, "--params-out", "{dir}/t.csv",
         message=r"--params-out .* would overwrite the input"),
    _clv("--quarantine is the transactions file, spelt another way", "error", *OUT,
         "--quarantine", "{dir}/sub/../t.csv", files={"sub/keep.txt": "a folder"},
         message=r"--quarantine .* would overwrite the input"),
    _clv("--out is a folder", "error", "--out", "{dir}/results",
         files={"results/old.csv": "x\n"},
         message=r"--out .*results is a folder; give a file name inside it"),
    _clv("--out inside a file", "error", "--out", "{dir}/t.csv/out.csv",
         message=r"t\.csv is a file, not a folder"),
    _clv("--out and --params-out are the same file", "error", *OUT, "--params-out",
         "{dir}/out.csv", message=r"--out and --params-out are the same file"),
    _clv("a single customer", "error", *OUT,
         transactions="cliente,fecha,monto\nA,2024-01-05,100\nA,2024-02-05,120\n"
         "A,2024-03-05,90\nA,2024-04-05,110\n",
         message=r"too little data .*: 1 customer\(s\), 1 of them bought more than once; "
         r"at least 10 repeat buyers"),
    _clv("no customer bought twice", "error", *OUT,
         transactions="cliente,fecha,monto\n"
         + "".join(f"C{i},2024-0{i % 6 + 1}-1{i % 9},{i * 7}\n" for i in range(30)),
         message=r"too little data .*: 30 customer\(s\), 0 of them bought more than once"),
    _clv("every row twice (duplicates kept, with a warning)", "handled", *OUT,
         transactions=SHOP_TWICE, check=_predictions(CUSTOMERS),
         message=rf"Warning: {SHOP_ROWS} of {2 * SHOP_ROWS} rows are exact duplicates of "
         r"another row \(first: line \d+ repeats line 2\); they are kept"),
    _clv("a cut-off after today is refused: T would be counted to a day to come", "error",
         *OUT, cutoff="2099-12-31",
         message=r"the cut-off 2099-12-31 is after today \(\d{4}-\d\d-\d\d\): customers' "
         r"ages would be counted to a day that has not come; choose a cut-off up to today"),
    _clv("a cut-off two years after the last transaction", "handled", *OUT,
         cutoff="2026-06-30", check=_predictions(CUSTOMERS),
         message=r"Warning: the cut-off 2026-06-30 is \d+ days after the last transaction "
         r"\(2024-06-\d\d\)"),
    _clv("an outlier order is left out of the spend fit by default, and said", "handled",
         *WITH_PARAMS, transactions=SHOP_WITH_OUTLIER, check=_outliers_left_out,
         message=r"Warning: 1 repeat transactions above [\d.]+ \(mean \+ 3\.0 standard "
         r"deviations\) left out of the Gamma-Gamma fit"),
    _clv("--keep-outliers fits the spend model on every order", "handled", "--keep-outliers",
         *WITH_PARAMS, transactions=SHOP_WITH_OUTLIER, check=_outliers_kept),
]  # fmt: skip


def _spend(values: dict[int, str] | None = None, target: dict[int, str] | None = None) -> str:
    """30 days of two channels and revenue; ``values``/``target`` replace a row's spend on
    search / its revenue, as written."""
    lines = ["date,search,social,revenue"]
    for day in range(30):
        date = dt.date(2024, 1, 1) + dt.timedelta(days=day)
        search = (values or {}).get(day, str(100 + day))
        revenue = (target or {}).get(day, str(1000 + 5 * day))
        lines.append(f"{date},{search},{50 + day % 7},{revenue}")
    return "\n".join(lines) + "\n"


MMM_FIT = ("mmm", "fit", "--spend-columns", "search,social", "--target-column", "revenue")


def _fit(name, *options, spend=None, files=None, message):
    """A `cerebro mmm fit` error case on ``{dir}/spend.csv`` (``spend``) with ``options``."""
    return Case(f"mmm fit: {name}", "error", (*MMM_FIT, *options), message=message,
                files={"spend.csv": spend or _spend(), **(files or {})})  # fmt: skip


INPUT, OUT_DIR = ("--input", "{dir}/spend.csv"), ("--out-dir", "{dir}/out")

MMM_FIT_CASES = [
    _fit("--out-dir is an existing file", *INPUT, "--out-dir", "{dir}/spend.csv",
         message=r"--out-dir .*spend\.csv is a file; give a folder"),
    _fit("--out-dir would replace the input, which has an output's name",
         "--input", "{dir}/out/contributions.csv", *OUT_DIR,
         files={"out/contributions.csv": _spend()},
         message=r"--out-dir .*contributions\.csv would overwrite the input"),
    _fit("model.json inside --out-dir is a folder", *INPUT, *OUT_DIR,
         files={"out/model.json/notes.txt": "not a model"},
         message=r"--out-dir .*model\.json is a folder"),
    _fit("a spend of 1e250, written out in full", *INPUT, *OUT_DIR,
         spend=_spend(values={3: "1" + "0" * 250}),
         message=r"spend column 'search' has 1 values beyond 1e\+15 \(row 4: '10{250}"),
    _fit("revenue of 3e18 in a day, written out in full", *INPUT, *OUT_DIR,
         spend=_spend(target={10: "3" + "0" * 18}),
         message=r"target column 'revenue' has 1 values beyond 1e\+15 \(row 11: '3000000"),
    _fit("an infinite spend", *INPUT, *OUT_DIR, spend=_spend(values={1: "inf"}),
         message=r"spend column 'search' has 1 non-numeric values \(row 2: 'inf'\)"),
]  # fmt: skip


@functools.cache
def _tiny_model() -> str:
    """A model file from a small, quick fit (one short chain): enough for the optimizer's
    input checks and one real plan; its figures are not the point."""
    from ml_assets.mmm.model import MarketingMixModel
    from ml_assets.mmm.persistence import model_to_dict
    from ml_assets.mmm.simulate import simulate

    frame = simulate("easy", seed=4, n_days=120).frame
    frame = frame.set_index(pd.DatetimeIndex(frame["date"], name="date"))
    model = MarketingMixModel(
        ["search", "social"], yearly_seasonality=False, chains=1, warmup=20, draws=20, seed=0
    ).fit(frame[["search", "social"]], frame["revenue"])
    return json.dumps(model_to_dict(model))


def _with_model(folder: Path) -> None:
    (folder / "model").mkdir()
    (folder / "model" / "model.json").write_text(_tiny_model(), encoding="utf-8")


def _plan_spends(budget: float):
    def check(folder: Path, output: str) -> None:
        plan = pd.read_csv(folder / "plans" / "may" / "plan.csv")
        assert set(plan["channel"]) == {"search", "social"}, output
        assert abs(plan["optimal_spend"].sum() - budget) <= 1e-6 * budget
        _no_partial_files(folder)

    return check


def _optimize(name: str, *options: str, outcome="error", out="{dir}/plan.csv", **more) -> Case:
    """A `cerebro mmm optimize` case on the small model in ``{dir}/model``."""
    return Case(f"mmm optimize: {name}", outcome,
                ("mmm", "optimize", "--model", "{dir}/model", *options, "--out", out),
                setup=_with_model, **more)  # fmt: skip


BUDGET = r"the budget must be a finite number >= 0"
VALUES = r"values per unit must be finite numbers >= 0; not for \['search'\]"
SPEND = ("--total-budget", "1000")

MMM_OPTIMIZE_CASES = [
    _optimize("budget nan", "--total-budget", "nan", message=BUDGET),
    _optimize("budget inf", "--total-budget", "inf", message=BUDGET),
    _optimize("negative budget", "--total-budget", "-1000", message=BUDGET),
    _optimize("bound -100:100", *SPEND, "--bound", "search=-100:100",
              message=r"bound 'search=-100:100': min must be a finite number >= 0"),
    _optimize("bound nan:nan", *SPEND, "--bound", "search=nan:nan",
              message=r"bound 'search=nan:nan': min must be a finite number >= 0"),
    _optimize("bound with max below min", *SPEND, "--bound", "search=500:100",
              message=r"bound 'search=500:100': max is below min"),
    _optimize("value -2", *SPEND, "--value", "search=-2", "--value", "social=1",
              message=VALUES),
    _optimize("value nan", *SPEND, "--value", "search=nan", "--value", "social=1",
              message=VALUES),
    _optimize("value for a channel the model does not have", *SPEND, "--value", "search=1",
              "--value", "social=1", "--value", "tv=3",
              message=r"values for unknown channels \['tv'\]"),
    _optimize("--out is the model file", *SPEND, out="{dir}/model/model.json",
              message=r"--out .*model\.json would overwrite the input"),
    _optimize("--out is the model folder", *SPEND, out="{dir}/model",
              message=r"--out .*model is a folder; give a file name inside it"),
    _optimize("--out in folders that do not exist yet", "--total-budget", "3000",
              outcome="handled", out="{dir}/plans/may/plan.csv", check=_plan_spends(3000),
              message=r"written to .*plan\.csv"),
]  # fmt: skip

#: The tenants file and the warehouse live in the case's folder: the refusals come before
#: the warehouse is opened, so the files need not be real.
LOCAL = {
    "CEREBRO_DATA_DIR": "{dir}/data",
    "CEREBRO_DUCKDB_PATH": "{dir}/data/cerebro.duckdb",
    "CEREBRO_TENANTS_FILE": "{dir}/tenants.yml",
}
LOCAL_FILES = {"tenants.yml": "tenants: []\n", "data/cerebro.duckdb": "not a real warehouse"}
WAREHOUSE = {"CEREBRO_DATA_DIR": "{data_dir}", "CEREBRO_TENANTS_FILE": "{tenants_file}"}
SEGMENT = ("segment", "export", "--tenant", "test_cl", "--segment", "Frecuentes alejados")
REPORT = ("report", "--tenant", "test_cl", "--cadence", "weekly")


def _segment_written(folder: Path, output: str) -> None:
    customers = pd.read_csv(folder / "lists" / "riesgo.csv", dtype=str)
    assert len(customers) > 0 and set(customers["segment"]) == {"Frecuentes alejados"}, output
    _no_partial_files(folder)


def _report_written(folder: Path, output: str) -> None:
    html, text = folder / "out" / "weekly.html", folder / "out" / "weekly.txt"
    assert html.read_text(encoding="utf-8").lstrip().startswith("<"), output
    assert text.read_text(encoding="utf-8").strip(), output
    _no_partial_files(folder)


def _local(name, *args, files=None, message):
    """An error case refused before the warehouse is opened (files in the case's folder)."""
    return Case(name, "error", args, message=message, files={**LOCAL_FILES, **(files or {})},
                env=LOCAL)  # fmt: skip


WAREHOUSE_CASES = [
    _local("segment export: --out is the warehouse file", *SEGMENT, "--out",
           "{dir}/data/cerebro.duckdb",
           message=r"--out .*cerebro\.duckdb would overwrite the input"),
    _local("segment export: --out is the tenants file", *SEGMENT, "--out", "{dir}/tenants.yml",
           message=r"--out .*tenants\.yml would overwrite the input"),
    _local("segment export: --out is a folder", *SEGMENT, "--out", "{dir}/lists",
           files={"lists/old.csv": "x\n"}, message=r"--out .*lists is a folder"),
    _local("report: --out is a folder", *REPORT, "--out", "{dir}/reports",
           files={"reports/old.html": "<p>old</p>"}, message=r"--out .*reports is a folder"),
    _local("report: --out ends in .txt, the text part's name", *REPORT, "--out",
           "{dir}/report.txt", message=r"--out and its text part are the same file .*report\.txt"),
    _local("report: --out is the tenants file", *REPORT, "--out", "{dir}/tenants.yml",
           message=r"--out .*tenants\.yml would overwrite the input"),
    _local("report: --out is a dashboard spec", *REPORT, "--specs", "{dir}/specs", "--out",
           "{dir}/specs/sales.yml", files={"specs/sales.yml": "key: sales\n"},
           message=r"--out .*sales\.yml would overwrite the input"),
    _local("report: the text part beside --out would be a folder", *REPORT, "--out",
           "{dir}/weekly.html", files={"weekly.txt/notes.md": "a folder"},
           message=r"--out's text part .*weekly\.txt is a folder"),
    Case("segment export: --out in folders that do not exist yet", "handled",
         (*SEGMENT, "--out", "{dir}/lists/riesgo.csv"), env=WAREHOUSE, warehouse=True,
         check=_segment_written,
         message=r"customers of segment 'Frecuentes alejados' .* written to"),
    Case("report: --out in folders that do not exist yet", "handled",
         (*REPORT, "--out", "{dir}/out/weekly.html"), env=WAREHOUSE, warehouse=True,
         check=_report_written, message=r"written to .*weekly\.html \(text: .*weekly\.txt\)"),
]  # fmt: skip

CASES = [*CLV_CASES, *MMM_FIT_CASES, *MMM_OPTIMIZE_CASES, *WAREHOUSE_CASES]
