"""A dataset of the independent benchmark on which one chain stuck at a decay on the edge of
its range (every draw one point, returns of 1e140): the fit must throw that chain away and
re-run, so that no channel's interval claims more than the whole target."""

from __future__ import annotations

import pytest

from benchmarks.mmm_suite.independent import HOLDOUT_DAYS, generate
from ml_assets.mmm.workflow import fit_mmm

pytestmark = pytest.mark.slow


def test_no_channel_is_credited_with_more_than_the_whole_target():
    data = generate("medium", 364912)
    train = data.frame.iloc[: len(data.frame) - HOLDOUT_DAYS]
    result = fit_mmm(
        train, date_column="date", spend_columns=list(data.channels), target_column="revenue",
        control_columns=list(data.controls), event_columns=list(data.events), seed=0,
    )  # fmt: skip
    summary = result.channel_summary()
    total = float(train["revenue"].sum())
    assert (summary["contribution_high"] < total).all(), summary
    assert result.diagnostics()["sampler_max_rhat"] < 1.1
