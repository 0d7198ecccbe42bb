"""A tenant's demo dataset on disk: settings, fingerprint, parquet streams and truth.

Kept apart from the simulation so that the tap, which only reads datasets,
starts without importing it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
from cerebro_raw_contract import STREAMS, RawStream

from .profiles import PROFILES

if TYPE_CHECKING:
    import pandas as pd

GENERATOR_VERSION = "17"
#: The past rescue's activation log rows (generator/rescue.py), beside the streams.
ACTIVATION_LOG_FILE = "activation_log.parquet"


@dataclass(frozen=True)
class DemoSettings:
    """What a demo tenant's data is generated from."""

    tenant_id: str
    profile: str
    timezone: str
    customers: int
    seed: int
    end_date: dt.date
    days: int = 730
    #: (ad source, currency) of each account billed in another currency than the store's.
    billed_in: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(
                f"unknown demo profile {self.profile!r}; choose from {sorted(PROFILES)}"
            )
        if self.customers < 10:
            raise ValueError("a demo tenant needs at least 10 customers")
        if self.days < 30:
            raise ValueError("a demo needs at least 30 days of history")
        series = PROFILES[self.profile].exchange_rates
        for source, currency in self.billed_in:
            if series is None or currency != series.base_currency:
                raise ValueError(
                    f"demo profile {self.profile} has no exchange rates for {currency} "
                    f"({source} cannot bill in it)"
                )

    @classmethod
    def from_tap_config(cls, config: dict) -> DemoSettings:
        """Settings from tap-cerebro-demo's configuration (end date: yesterday, local)."""
        end_date = config.get("end_date")
        if end_date is None:
            today = dt.datetime.now(ZoneInfo(config["timezone"])).date()
            end = today - dt.timedelta(days=1)
        else:
            end = dt.date.fromisoformat(str(end_date))
        return cls(
            tenant_id=config["tenant_id"],
            profile=config["profile"],
            timezone=config["timezone"],
            customers=config.get("customers", 9500),
            seed=config.get("seed", 42),
            end_date=end,
            days=config.get("history_days", 730),
            billed_in=tuple(sorted((config.get("billed_in") or {}).items())),
        )

    @property
    def fingerprint(self) -> str:
        payload = json.dumps(
            {**dataclasses.asdict(self), "version": GENERATOR_VERSION}, default=str, sort_keys=True
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass
class DemoDataset:
    settings: DemoSettings
    streams: dict[str, pd.DataFrame]
    truth: dict
    #: Lift-test results the store read out (``experiments.py``), for the budget brain.
    experiments: pd.DataFrame | None = None
    #: The past rescue's rows of ``ops.activation_log`` (``rescue.py``), as its sync wrote them.
    activation_log: pd.DataFrame | None = None


def write_dataset(dataset: DemoDataset, directory: Path) -> None:
    """Parquet per stream, ``truth.json`` and, when the store ran them, ``experiments.csv``
    and ``activation_log.parquet``; written atomically via a fingerprint file last."""
    directory.mkdir(parents=True, exist_ok=True)
    for stream, frame in dataset.streams.items():
        frame.to_parquet(directory / f"{stream}.parquet", index=False)
    if dataset.experiments is not None and len(dataset.experiments):
        dataset.experiments.to_csv(directory / "experiments.csv", index=False)
    if dataset.activation_log is not None:
        dataset.activation_log.to_parquet(directory / ACTIVATION_LOG_FILE, index=False)
    (directory / "truth.json").write_text(json.dumps(dataset.truth, indent=2, ensure_ascii=False))
    (directory / "FINGERPRINT").write_text(dataset.settings.fingerprint)


def load_or_generate(settings: DemoSettings, cache_dir: Path) -> Path:
    """The directory holding this tenant's dataset, generating it if absent or stale."""
    directory = cache_dir / settings.tenant_id
    marker = directory / "FINGERPRINT"
    if not (marker.exists() and marker.read_text() == settings.fingerprint):
        if marker.exists():
            marker.unlink()
        from .dataset import generate  # the simulation is only imported when needed

        write_dataset(generate(settings), directory)
    return directory


#: Sources the demo has no data for and no file: a dataset folder names its files by stream, and
#: Mercado Libre's Product Ads stream has TikTok's name (``campaign_reports``). The demo tap
#: lands nothing for them, rather than another source's rows.
SOURCES_NOT_GENERATED = frozenset({"mercadolibre_ads"})


def generated_streams() -> tuple[RawStream, ...]:
    """The contract's streams a dataset folder holds, one file each (named by stream)."""
    return tuple(stream for stream in STREAMS if stream.source not in SOURCES_NOT_GENERATED)


def read_stream(directory: Path, stream: str) -> pa.Table:
    return pq.read_table(directory / f"{stream}.parquet")
