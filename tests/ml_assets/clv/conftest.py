"""CDNOW sample shipped with lifetimes (Fader, Hardie & Lee 2005): 2 357 customers."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

with warnings.catch_warnings():
    # lifetimes was written for older pandas and setuptools: its imports warn (pandas'
    # chained_assignment option, pkg_resources). The warnings say nothing about our code.
    warnings.simplefilter("ignore")
    import lifetimes
    from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    """frequency, recency, T (weeks) and monetary_value of the 2 357 CDNOW customers."""
    return load_cdnow_summary_data_with_monetary_value()


@pytest.fixture(scope="session")
def cdnow_repeat_buyers(cdnow) -> pd.DataFrame:
    return cdnow[cdnow["frequency"] > 0]


LIFETIMES_DATASETS = Path(lifetimes.__file__).parent / "datasets"


@pytest.fixture(scope="session")
def cdnow_transactions() -> pd.DataFrame:
    """The CDNOW 1/10 sample's 6 919 transactions (customer, date, amount in dollars): the
    purchases behind the summary above, 1997-01-01 to 1998-06-30."""
    frame = pd.read_csv(
        LIFETIMES_DATASETS / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["customer", "sample_id", "date", "cds", "amount"],
        dtype={"customer": str, "date": str},
    )
    frame["order_date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame[["customer", "order_date", "amount"]]


@pytest.fixture(scope="session")
def cdnow_master_transactions() -> pd.DataFrame:
    """The full CDNOW master log (Fader, Hardie & Lee 2005): 69 659 transactions of the 23 570
    customers who first bought in the first quarter of 1997, to 1998-06-30 (customer, date,
    amount in dollars). lifetimes ships it beside the 1/10 sample."""
    frame = pd.read_csv(
        LIFETIMES_DATASETS / "CDNOW_master.txt",
        sep=r"\s+",
        header=None,
        skiprows=1,
        names=["customer", "date", "cds", "amount"],
        dtype={"customer": str, "date": str},
    )
    frame["order_date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame[["customer", "order_date", "amount"]]
