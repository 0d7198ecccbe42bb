"""The benchmark's paired comparison of the two models' regret, against sums done by hand."""

from __future__ import annotations

import math

import pandas as pd

from benchmarks.mmm_benchmark import paired_regret


def _row(level, seed, model, regret):
    return {"level": level, "seed": seed, "model": model, "regret_%": regret}


def test_paired_regret_is_the_mean_difference_with_its_standard_error_and_win_count():
    table = pd.DataFrame(
        [
            _row("easy", 1, "cerebro", 1.0), _row("easy", 1, "pymc-marketing", 4.0),
            _row("easy", 2, "cerebro", 6.0), _row("easy", 2, "pymc-marketing", 5.0),
            _row("easy", 3, "cerebro", 2.0), _row("easy", 3, "pymc-marketing", 4.0),
            # a dataset pymc-marketing did not fit is left out of the pairs
            _row("easy", 4, "cerebro", 50.0),
            _row("hard", 1, "cerebro", 9.0), _row("hard", 1, "pymc-marketing", 3.0),
        ]
    )  # fmt: skip
    result = paired_regret(table).set_index("level")
    # differences -3, +1, -2: mean -4/3, sample sd sqrt(((-3+4/3)^2+(1+4/3)^2+(-2+4/3)^2)/2)
    sd = math.sqrt(((-3 + 4 / 3) ** 2 + (1 + 4 / 3) ** 2 + (-2 + 4 / 3) ** 2) / 2)
    assert result.loc["easy", "datasets"] == 3
    assert result.loc["easy", "regret difference (pp)"] == round(-4 / 3, 2)
    assert result.loc["easy", "standard error (pp)"] == round(sd / math.sqrt(3), 2)
    assert result.loc["easy", "Cerebro lower on"] == "2 of 3"
    assert result.loc["hard", "regret difference (pp)"] == 6.0
    assert math.isnan(result.loc["hard", "standard error (pp)"])
    assert list(result.index) == ["easy", "hard"]
