"""The backtest's refit runs in a helper process beside the full fit (``side_process.py``):
the same answer as in this process, and this process takes over where the helper cannot."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest

from ml_assets.mmm import side_process
from ml_assets.mmm.side_process import SIDE_PROCESS_VARIABLE, Beside, side_process_allowed
from ml_assets.mmm.simulate import simulate
from ml_assets.mmm.workflow import backtest
from tests.ml_assets.mmm.simulated_fits import simulated_input
from tests.support.process_targets import exit_unless_main


def test_the_backtest_beside_equals_the_backtest_here():
    """Same data and seed: the helper's refit gives the holdout predictions this process gives
    (the sampler is deterministic given its key, whichever process runs it). The refit as
    `fit_mmm` starts it beside its full fit, without the full fit, which nobody reads here."""
    if not side_process_allowed():
        pytest.skip("one core: the helper process is not used")
    data = simulated_input(simulate("easy", seed=3))
    settings = {"seed": 2, "draws": 60, "warmup": 60}
    beside = Beside(backtest, data, settings, 56)
    assert beside.future is not None  # in the helper
    here = backtest(data, settings, 56)
    pd.testing.assert_frame_equal(beside.result(), here)


def test_the_variable_or_a_started_process_keeps_the_work_here(monkeypatch):
    monkeypatch.setattr(side_process, "usable_cores", lambda: 2)
    monkeypatch.delenv(SIDE_PROCESS_VARIABLE, raising=False)
    assert side_process_allowed()
    monkeypatch.setenv(SIDE_PROCESS_VARIABLE, "0")
    assert not side_process_allowed()
    monkeypatch.delenv(SIDE_PROCESS_VARIABLE)
    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())
    assert not side_process_allowed()


def test_a_pool_worker_runs_its_fits_itself():
    """A worker of a process pool (the tenants' pool) starts no helper: it ends without the
    interpreter's exit handlers, so its pool would wait forever for the helper to stop."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        assert pool.submit(side_process_allowed).result() is False


def test_one_core_keeps_the_work_here(monkeypatch):
    monkeypatch.setattr(side_process, "usable_cores", lambda: 1)
    monkeypatch.delenv(SIDE_PROCESS_VARIABLE, raising=False)
    work = Beside(os.getpid)
    assert work.future is None and work.result() == os.getpid()


def test_a_dead_helper_is_replaced_and_its_work_done_here(monkeypatch):
    monkeypatch.setattr(side_process, "usable_cores", lambda: 2)
    monkeypatch.delenv(SIDE_PROCESS_VARIABLE, raising=False)
    side_process._helper.cache_clear()
    work = Beside(exit_unless_main)
    assert work.future is not None
    assert work.result() == os.getpid()
    assert Beside(os.getpid).result() != os.getpid()  # a new helper answers
