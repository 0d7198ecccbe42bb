"""Output files: refused before any work when they cannot be written as asked, and written
whole or not at all. Oracle: the previous file's bytes, and the folder's listing (no
temporary left behind), after an interruption in the middle of the write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cerebro.cli.main import main
from cerebro.output_files import (
    PARTIAL_SUFFIX,
    OutputPathError,
    atomic_outputs,
    check_distinct_outputs,
    check_output_file,
    check_output_folder,
    write_csv,
    write_text,
)

FRAME = pd.DataFrame({"customer": ["a", "b", "c"], "value": [1.5, 2.5, 3.5]})


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_csv_replaces_the_file_and_leaves_nothing_else(tmp_path):
    path = tmp_path / "sub" / "out.csv"
    write_csv(FRAME, path)
    write_csv(FRAME.head(1), path)
    assert pd.read_csv(path).equals(FRAME.head(1))
    assert _listing(path.parent) == ["out.csv"]


def test_a_new_file_gets_the_usual_permissions_not_mkstemps_0600(tmp_path):
    write_text(tmp_path / "report.txt", "hola")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "report.txt").stat().st_mode & 0o777 == 0o666 & ~mask


def test_ctrl_c_in_the_middle_of_a_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "predictions.csv"
    write_csv(FRAME, path)
    before = path.read_bytes()

    def interrupted(frame, target, **_):
        Path(target).write_text("customer,value\na,1", encoding="utf-8")  # half written
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_csv(FRAME, path)
    assert path.read_bytes() == before
    assert _listing(tmp_path) == ["predictions.csv"]


def test_files_written_together_are_replaced_together_or_not_at_all(tmp_path):
    first, second = tmp_path / "model.json", tmp_path / "summary.csv"
    first.write_text("old model", encoding="utf-8")
    second.write_text("old summary", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_outputs(first, second) as (model, summary):
        model.write_text("new model", encoding="utf-8")
        summary.write_text("new sum", encoding="utf-8")
        raise RuntimeError("the disk is full")
    assert (first.read_text(), second.read_text()) == ("old model", "old summary")
    assert _listing(tmp_path) == ["model.json", "summary.csv"]
    with atomic_outputs(first, second) as (model, summary):
        model.write_text("new model", encoding="utf-8")
        summary.write_text("new summary", encoding="utf-8")
    assert (first.read_text(), second.read_text()) == ("new model", "new summary")


@pytest.mark.parametrize(
    ("make", "check", "message"),
    [
        (lambda d: (d / "out").mkdir(), lambda d: check_output_file(d / "out", option="--out"),
         "is a folder"),
        (lambda d: (d / "in.csv").write_text("x"),
         lambda d: check_output_folder(d / "in.csv", option="--out-dir"), "is a file"),
        (lambda d: (d / "in.csv").write_text("x"),
         lambda d: check_output_file(d / "in.csv" / "out.csv", option="--out"),
         "is a file, not a folder"),
        (lambda d: (d / "in.csv").write_text("x"),
         lambda d: check_output_file(d / "." / "in.csv", option="--out", inputs=[d / "in.csv"]),
         "would overwrite the input"),
        (lambda d: ((d / "in.csv").write_text("x"), os.link(d / "in.csv", d / "hard.csv")),
         lambda d: check_output_file(d / "hard.csv", option="--out", inputs=[d / "in.csv"]),
         "would overwrite the input"),
        (lambda d: None,
         lambda d: check_distinct_outputs({"--out": d / "a.csv", "--params-out": d / "a.csv"}),
         "--out and --params-out are the same file"),
    ],
    ids=["folder as file", "file as folder", "under a file", "input", "hard link", "twice"],
)  # fmt: skip
def test_outputs_that_cannot_be_written_as_asked_are_refused(tmp_path, make, check, message):
    make(tmp_path)
    with pytest.raises(OutputPathError, match=message):
        check(tmp_path)


def test_inputs_inside_an_output_folder_are_fine(tmp_path):
    (tmp_path / "spend.csv").write_text("x")
    check_output_folder(tmp_path, option="--out-dir", inputs=[tmp_path / "spend.csv"])
    check_distinct_outputs({"--out": tmp_path / "a.csv", "--params-out": None})


CLV_ARGS = ["clv", "--customer-column", "c", "--date-column", "d", "--amount-column", "a",
            "--cutoff", "2024-06-30"]  # fmt: skip


def _shop(path: Path) -> None:
    """30 customers buying every few weeks in 2024: enough for both fits, in a second."""
    rows = [
        (f"c{c}", f"2024-{month:02d}-{1 + (c * 7 + month) % 27:02d}", 1000 + 37 * c + 11 * month)
        for c in range(30)
        for month in range(1 + c % 3, 7, 1 + c % 2)
    ]
    pd.DataFrame(rows, columns=["c", "d", "a"]).to_csv(path, index=False)


def test_cli_ctrl_c_while_writing_predictions_keeps_the_previous_ones(tmp_path, monkeypatch):
    """`cerebro clv` interrupted half-way through writing --out: the previous predictions
    are still there, byte for byte, with nothing else beside them."""
    _shop(tmp_path / "t.csv")
    out = tmp_path / "results" / "predictions.csv"
    args = [*CLV_ARGS, "--transactions", str(tmp_path / "t.csv"), "--out", str(out)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    before = out.read_bytes()

    real_to_csv = pd.DataFrame.to_csv

    def interrupted(frame, target, **options):
        real_to_csv(frame.head(2), target, **options)  # a plausible-looking start
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted)
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 130 and "Error: stopped by Ctrl-C or SIGTERM" in second.output
    assert out.read_bytes() == before
    assert _listing(out.parent) == ["predictions.csv"]


SIGINT_DURING_WRITE = textwrap.dedent(
    """
    import sys, time
    import pandas as pd
    from cerebro.cli.main import main

    real_to_csv = pd.DataFrame.to_csv

    def slow(frame, target, **options):
        real_to_csv(frame.head(2), target, **options)
        print("writing", flush=True)  # the parent sends SIGINT now
        # Short sleeps: a SIGINT that lands between the print and a long sleep would only
        # be raised once that sleep ends (seen on a loaded machine).
        for _ in range(600):
            time.sleep(0.1)

    pd.DataFrame.to_csv = slow
    main(sys.argv[1:])
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_real_sigint_while_writing_predictions_keeps_the_previous_ones(tmp_path):
    """The same in a real process with a real SIGINT (what Ctrl-C sends), sent once the
    predictions are half written (the child says so; its writer then waits)."""
    _shop(tmp_path / "t.csv")
    out = tmp_path / "predictions.csv"
    args = [*CLV_ARGS, "--transactions", str(tmp_path / "t.csv"), "--out", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = out.read_bytes()
    child = subprocess.Popen(
        [sys.executable, "-c", SIGINT_DURING_WRITE, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "writing"
        assert any(p.name.endswith(PARTIAL_SUFFIX) for p in tmp_path.iterdir())
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 130 and "Error: stopped by Ctrl-C or SIGTERM" in stderr
    assert out.read_bytes() == before
    assert _listing(tmp_path) == ["predictions.csv", "t.csv"]
