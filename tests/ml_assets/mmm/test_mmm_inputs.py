"""Input validation: every problem with a user's table is reported by name."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_index_equal

from ml_assets.mmm.inputs import MmmInputError, prepare_input
from ml_assets.mmm.model import MarketingMixModel
from ml_assets.mmm.tenant import TenantInputs, complete_spend_days, tenant_table
from ml_assets.mmm.workflow import fit_mmm


def _table(days=10) -> pd.DataFrame:
    dates = pd.date_range("2025-01-06", periods=days, freq="D")
    return pd.DataFrame(
        {
            "date": dates.strftime("%Y-%m-%d"),
            "meta": [str(100 + i) for i in range(days)],
            "google": ["50"] * days,
            "revenue": [str(1000 + 7 * i) for i in range(days)],
        }
    )


def _prepare(table, **options):
    params = {"date_column": "date", "spend_columns": ["meta", "google"],
              "target_column": "revenue", **options}  # fmt: skip
    return prepare_input(table, **params)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t, None),
        (lambda t: t.rename(columns={"google": "gads"}), r"unknown column\(s\) \['google'\]"),
        (lambda t: t.assign(meta=["12", "abc", *t["meta"][2:]]), "'meta' has 1 non-numeric.*'abc'"),
        (lambda t: t.assign(google=["-5", *t["google"][1:]]), "'google' has 1 negative.*row 1"),
        (lambda t: t.assign(meta=["", *t["meta"][1:]]), "'meta' has 1 empty.*write 0"),
        (lambda t: t.drop(index=[3, 4]), "2 missing dates.*first missing: 2025-01-09"),
        (lambda t: t.assign(date=["2025-13-01", *t["date"][1:]]), "unreadable dates.*2025-13-01"),
        (lambda t: pd.concat([t, t.iloc[[2]]]), "1 duplicate dates.*2025-01-08"),
        (lambda t: t.assign(google="0"), r"\['google'\] are all zero"),
        (lambda t: t.assign(revenue=["x", *t["revenue"][1:]]), "target column 'revenue'"),
        (lambda t: t.assign(revenue="1000"), "'revenue' is 1000 on every row"),
        (lambda t: t.assign(meta="80"), r"every spend column \(meta, google\) is the same"),
    ],
)
def test_each_input_problem_is_named(change, message):
    table = change(_table())
    if message is None:
        assert list(_prepare(table).frame.columns) == ["revenue", "meta", "google"]
        return
    with pytest.raises(MmmInputError, match=message):
        _prepare(table)


def test_a_column_cannot_play_two_roles_nor_be_called_baseline():
    with pytest.raises(MmmInputError, match="more than one role"):
        _prepare(_table(), control_columns=["meta"])
    with pytest.raises(MmmInputError, match="'baseline' names the model's baseline"):
        _prepare(_table().rename(columns={"google": "baseline"}).assign(),
                 spend_columns=["meta", "baseline"])  # fmt: skip


def test_too_few_rows_says_how_many_are_needed():
    with pytest.raises(MmmInputError, match=r"too few rows: 60 days, the model needs at least"):
        fit_mmm(_table(60), date_column="date", spend_columns=["meta", "google"],
                target_column="revenue")  # fmt: skip


def _weekly_table(weeks: int, channels: int, controls: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"date": pd.date_range("2022-01-03", periods=weeks, freq="7D")})
    table["revenue"] = rng.uniform(1e6, 2e6, weeks)
    for c in range(channels):
        table[f"channel_{c}"] = rng.uniform(1e4, 5e4, weeks)
    for k in range(controls):
        table[f"control_{k}"] = rng.uniform(0.5, 1.5, weeks)
    return table


def _weekly_floor(table: pd.DataFrame) -> dict:
    given = prepare_input(
        table, date_column="date", target_column="revenue", frequency="weekly",
        spend_columns=[c for c in table if c.startswith("channel_")],
        control_columns=[c for c in table if c.startswith("control_")],
    )  # fmt: skip
    model = MarketingMixModel(given.channels, controls=given.controls, period_days=7)
    return model.required_periods(given.frame)


def test_three_years_of_weeks_with_eight_channels_are_not_refused():
    # Issue 52's example: the old rule (three rows per parameter) asked for 164 of its 156.
    floor = _weekly_floor(_weekly_table(156, channels=8, controls=3))
    old_rule = 3 * (floor["baseline_terms"] + 4 * 8)
    assert old_rule + 8 > 156 >= floor["fit"] + 8
    # Channels do not raise the floor: their priors carry what the rows cannot say.
    assert _weekly_floor(_weekly_table(156, channels=1, controls=3)) == floor


def test_a_history_shorter_than_twice_its_baseline_terms_is_refused_and_says_why():
    # 20 weeks, 8 controls: 10 baseline terms (intercept, trend, the controls), so 20 rows to
    # fit and 8 weeks held out.
    table = _weekly_table(20, channels=1, controls=8)
    assert _weekly_floor(table) == {"fit": 20, "baseline_terms": 10}
    with pytest.raises(
        MmmInputError,
        match=r"too few rows: 20 weeks, the model needs at least 28 \(20 to fit, twice its 10 "
        r"baseline terms, and 8 held out for the backtest",
    ):
        fit_mmm(table, date_column="date", target_column="revenue", frequency="weekly",
                spend_columns=["channel_0"],
                control_columns=[f"control_{k}" for k in range(8)])  # fmt: skip


def test_daily_rows_sum_into_complete_weeks():
    weekly = _prepare(_table(17), frequency="weekly")  # Mon 6 Jan .. Wed 22 Jan
    assert weekly.period_days == 7 and len(weekly.frame) == 2  # the third week is incomplete
    assert weekly.frame["google"].tolist() == [350.0, 350.0]


def test_tenant_table_fills_days_without_spend_and_keeps_calendar_flags():
    inputs = TenantInputs(
        spend=pd.DataFrame({"spend_date": ["2025-01-01", "2025-01-03"],
                            "channel_group": ["Meta Ads", "Meta Ads"], "spend_amount": [10, 20]}),
        organic=pd.DataFrame({"search_date": ["2025-01-01", "2025-01-02"], "clicks": [5, 6]}),
        events=pd.DataFrame({"event_date": ["2025-01-01"], "event_type": ["public_holiday"]}),
        revenue=pd.DataFrame({"created_date": ["2025-01-02", "2025-01-04"], "revenue": [100, 50]}),
        signups=pd.DataFrame({"signup_date": ["2025-01-01"], "new_customers": [3]}),
    )  # fmt: skip
    table, channels, controls, events = tenant_table(inputs)
    assert channels == ["Meta Ads"] and events == ["public_holiday"]
    assert controls == []  # Search Console does not cover every day: no control
    assert table["Meta Ads"].tolist() == [10, 0, 20, 0]
    assert table["revenue"].tolist() == [0, 100, 0, 50]
    assert table["public_holiday"].tolist() == [1, 0, 0, 0]


def _spend_stopping_early() -> TenantInputs:
    """Meta every day of January 1-10; the TikTok export stops on the 6th (7-10 unknown)."""
    days = pd.date_range("2025-01-01", "2025-01-10").strftime("%Y-%m-%d").tolist()
    return TenantInputs(
        spend=pd.DataFrame({
            "spend_date": days + days[:6],
            "channel_group": ["Meta Ads"] * 10 + ["TikTok Ads"] * 6,
            "spend_amount": [10] * 10 + [7] * 6,
        }),
        organic=pd.DataFrame(columns=["search_date", "clicks"]),
        events=pd.DataFrame(columns=["event_date", "event_type"]),
        revenue=pd.DataFrame({"created_date": days, "revenue": [100] * 10}),
        signups=pd.DataFrame(columns=["signup_date", "new_customers"]),
        missing_spend=pd.DataFrame({"channel_group": ["TikTok Ads"],
                                    "gap_start_date": ["2025-01-07"],
                                    "gap_end_date": ["2025-01-10"]}),
    )  # fmt: skip


def test_days_a_spend_source_misses_are_left_out_never_read_as_zero_spend():
    table, channels, _, _ = tenant_table(_spend_stopping_early())
    assert channels == ["Meta Ads", "TikTok Ads"]
    assert table["date"].dt.strftime("%m-%d").tolist() == [f"01-0{d}" for d in range(1, 7)]
    assert table["TikTok Ads"].tolist() == [7] * 6, "no unknown day reads as 0 spend"
    without_gaps = dataclasses.replace(_spend_stopping_early(), missing_spend=pd.DataFrame(
        columns=["channel_group", "gap_start_date", "gap_end_date"]))  # fmt: skip
    assert tenant_table(without_gaps)[0]["TikTok Ads"].tolist() == [7] * 6 + [0] * 4


@pytest.mark.parametrize(
    ("gaps", "kept"),
    [
        ([("2025-01-04", "2025-01-04")], ("2025-01-05", "2025-01-10")),  # the longer side
        ([("2025-01-06", "2025-01-07")], ("2025-01-01", "2025-01-05")),  # 5 before, 3 after
        ([("2025-01-05", "2025-01-06")], ("2025-01-07", "2025-01-10")),  # 4 and 4: the latest
        (
            [("2025-01-01", "2025-01-02"), ("2025-01-09", "2025-01-10")],
            ("2025-01-03", "2025-01-08"),
        ),
    ],
)
def test_the_longest_stretch_of_complete_days_is_kept_the_latest_of_equals(gaps, kept):
    dates = pd.date_range("2025-01-01", "2025-01-10")
    missing = pd.DataFrame(
        [("Meta Ads", start, end) for start, end in gaps] if len(gaps) < 2 else
        [("Meta Ads", *gaps[0]), ("TikTok Ads", *gaps[1])],
        columns=["channel_group", "gap_start_date", "gap_end_date"],
    )  # fmt: skip
    assert_index_equal(complete_spend_days(dates, missing), pd.date_range(*kept))


def test_no_complete_day_at_all_is_a_clear_error():
    missing = pd.DataFrame({"channel_group": ["TikTok Ads"], "gap_start_date": ["2024-12-01"],
                            "gap_end_date": ["2025-02-01"]})  # fmt: skip
    with pytest.raises(MmmInputError, match=r"every day misses the spend of .*TikTok Ads"):
        complete_spend_days(pd.date_range("2025-01-01", "2025-01-10"), missing)
