"""The state a command finds and the signals it gets (issue 56): a data or output folder it
may not write in, a warehouse no daily run has built, a model input that means nothing (a
flat target), and SIGTERM from a scheduler or ``docker stop`` in the middle of the work.
One line before any work, or a clean stop, never a traceback or a half-written output."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import duckdb

from tests.platform.bad_inputs.bad_input_catalogue import Case

TENANTS = """\
tenants:
  - {tenant_id: test_cl, name: Tienda, timezone: America/Santiago, currency: CLP,
     country_code: CL, demo: {profile: cl_services, end_date: 2026-10-31, customers: 300,
     history_days: 90}, sources: {shopify: {tap: demo}}}
"""
OWN = {"CEREBRO_TENANTS_FILE": "{dir}/tenants.yml", "CEREBRO_DATA_DIR": "{dir}/data"}
DEMO = {"CEREBRO_DATA_DIR": "{data_dir}", "CEREBRO_TENANTS_FILE": "{tenants_file}"}
READ_ONLY = r"\((permission denied|operation not permitted)\)"
#: An output file's folder that cannot be written, refused before any work (output_files.py).
UNWRITABLE_OUTPUT = r"is a folder this command cannot write \(a read-only disk"


def _read_only(*names: str):
    """Make the case's folders ``names`` read-only: a mode a root process cannot ignore too
    (the immutable attribute, when this runs as root, as in a container)."""

    def setup(folder: Path):
        paths = [folder / name for name in names]
        for path in paths:
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(0o555)
            if os.geteuid() == 0:
                subprocess.run(["chattr", "+i", str(path)], check=True)

        def undo() -> None:
            for path in paths:
                if os.geteuid() == 0:
                    subprocess.run(["chattr", "-i", str(path)], check=True)
                path.chmod(0o755)

        return undo

    return setup


def _nothing_landed(folder: Path, output: str) -> None:
    data = folder / "data"
    assert not (data / "state").exists() and not (data / "logs").exists(), output
    assert not (data / "dagster_home").exists(), f"a run started:\n{output}"


def _empty_warehouse(folder: Path):
    """A warehouse file with a table of its own and nothing a daily run builds."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(folder / "data" / "cerebro.duckdb")) as connection:
        connection.execute("create schema raw_shopify")
        connection.execute("create table raw_shopify.orders (id integer)")


NO_DAILY_RUN = (
    r"the warehouse .*cerebro\.duckdb has had no daily run yet \(no reference\.\w+\): the hourly "
    r"job refreshes what `cerebro run` builds; run `cerebro run` first$"
)

FOLDER_CASES = [
    Case("run: a read-only data folder", "error", ("run",), env=OWN,
         files={"tenants.yml": TENANTS}, setup=_read_only("data"),
         message=rf"cannot write in the data folder .*data {READ_ONLY}: make it writable for "
         r"this user, or point CEREBRO_DATA_DIR \(--data-dir\) at another folder"),
    Case("hourly: a read-only data folder", "error", ("hourly",), env=OWN,
         files={"tenants.yml": TENANTS}, setup=_read_only("data"),
         message=rf"cannot write in the data folder .*data {READ_ONLY}"),
    Case("run: --data-dir inside a read-only folder", "error",
         ("run", "--data-dir", "{dir}/shared/cerebro"), env=OWN, files={"tenants.yml": TENANTS},
         setup=_read_only("shared"),
         message=rf"cannot write in the data folder .*shared/cerebro {READ_ONLY}"),
    Case("hourly: a data folder no daily run has built", "error", ("hourly",), env=OWN,
         files={"tenants.yml": TENANTS}, message=NO_DAILY_RUN, check=_nothing_landed),
    Case("hourly: a warehouse file with other tables but no daily run", "error", ("hourly",),
         env=OWN, files={"tenants.yml": TENANTS}, setup=_empty_warehouse, message=NO_DAILY_RUN,
         check=_nothing_landed),
    Case("report: --out in a read-only folder", "error",
         ("report", "--tenant", "test_cl", "--cadence", "weekly", "--out", "{dir}/ro/w.html"),
         env=DEMO, setup=_read_only("ro"), warehouse=True,
         message=rf"--out .*ro/w\.html: .*ro {UNWRITABLE_OUTPUT}"),
    Case("dashboards render: --out is a read-only folder", "error",
         ("dashboards", "render", "--out", "{dir}/ro"), env=DEMO, setup=_read_only("ro"),
         warehouse=True,
         message=rf"cannot write in the dashboards folder .*ro {READ_ONLY}: make it writable"),
    Case("segment export: --out in a read-only folder", "error",
         ("segment", "export", "--tenant", "test_cl", "--segment", "Campeones", "--out",
          "{dir}/ro/c.csv"), env=DEMO, setup=_read_only("ro"), warehouse=True,
         message=rf"--out .*ro/c\.csv: .*ro {UNWRITABLE_OUTPUT}"),
]  # fmt: skip


#: Enough days for a fit (the model needs 112 with its default holdout): a flat series must be
#: refused for being flat, not for being short.
DAYS = 130


def _spend(target=lambda day: 1000 + 5 * day, search=lambda day: 100 + day, days=DAYS) -> str:
    lines = ["date,search,social,revenue"]
    for day in range(days):
        date = dt.date(2024, 1, 1) + dt.timedelta(days=day)
        lines.append(f"{date},{search(day)},{50 + day % 7},{target(day)}")
    return "\n".join(lines) + "\n"


FIT = ("mmm", "fit", "--spend-columns", "search,social", "--target-column", "revenue", "--input",
       "{dir}/spend.csv", "--out-dir", "{dir}/out")  # fmt: skip


def _fit(name, spend, message):
    return Case(f"mmm fit: {name}", "error", FIT, files={"spend.csv": spend}, message=message)


def _flat_spend() -> str:
    lines = ["date,search,social,revenue"]
    for day in range(DAYS):
        date = dt.date(2024, 1, 1) + dt.timedelta(days=day)
        lines.append(f"{date},100,50,{1000 + 37 * (day % 5)}")
    return "\n".join(lines) + "\n"


MODEL_CASES = [
    _fit("the same revenue every day", _spend(target=lambda day: 1000),
         r"target column 'revenue' is 1000 on every row: a constant has nothing to explain; "
         r"check that it is the right column$"),
    _fit("revenue zero every day (an empty export)", _spend(target=lambda day: 0),
         r"target column 'revenue' is 0 on every row"),
    _fit("every channel's spend the same every day", _flat_spend(),
         r"every spend column \(search, social\) is the same on every row: a channel's effect is "
         r"learnt from how its spend changes"),
]  # fmt: skip


def _no_outputs(folder: Path, output: str) -> None:
    assert not (folder / "out").exists() or not any((folder / "out").iterdir()), output


def _run_stopped_and_recorded(folder: Path, output: str) -> None:
    """The run stopped within the harness's two minutes, and Dagster recorded its end: no run is
    left looking as if it were still going (the next run would otherwise wait on nothing)."""
    import dagster as dg

    assert "did not stop" not in output, output
    # The summary says the run stopped, once, in words: no exception class, no empty table.
    assert "Cerebro platform run stopped after" in output, output
    assert "Interrupted" not in output and "Empty DataFrame" not in output, output
    with dg.DagsterInstance.from_config(str(folder / "data" / "dagster_home")) as instance:
        statuses = {run.status.value for run in instance.get_runs()}
    assert statuses and statuses <= {"CANCELED", "FAILURE"}, f"{statuses}\n{output}"


INTERRUPTED = r"stopped by Ctrl-C or SIGTERM before the end; what finished is kept: run the same "

SIGNAL_CASES = [
    Case("mmm fit: SIGTERM while fitting", "error", FIT, subprocess=True,
         sigterm_when=r"fitting the model", exit_code=130,
         files={"spend.csv": _spend(days=400)}, message=INTERRUPTED, check=_no_outputs),
    Case("run: SIGTERM after the first step started", "error", ("run",), subprocess=True,
         sigterm_when=r"dagster_run_history", exit_code=130, env=OWN,
         files={"tenants.yml": TENANTS},
         message=INTERRUPTED, check=_run_stopped_and_recorded),
]  # fmt: skip

CASES = [*FOLDER_CASES, *MODEL_CASES, *SIGNAL_CASES]
