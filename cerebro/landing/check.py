"""`cerebro check`: can each source of each tenant be reached, before any seed or model runs?

A source's secrets must be set, then its tap reads one record of each stream (singer-sdk's
``--test``; Amazon Ads reads its profiles instead, a report taking it minutes) under a time
limit. Taps stop on a host that does not exist, a refused token or a
vendor that never answers with one line that says what to do (cerebro_tap_kit), which is what
the check reports. Demo sources reach nothing and pass.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cerebro.landing.pipeline import write_private_json
from cerebro.landing.taps import SECRETS_FILE, missing_secrets, tap_invocation
from cerebro.tenants import SourceConfig, Tenant

#: Seconds a source may take to answer its first records: a tap gives up on a vendor that
#: never answers after 30 s of waits, so this only stops one that hangs.
SOURCE_TIMEOUT_SECONDS = 50.0


@dataclass(frozen=True)
class SourceCheck:
    tenant_id: str
    source: str
    ok: bool
    message: str
    seconds: float


def check_sources(
    tenants: Iterable[Tenant], demo_dir: Path, token_dir: Path | None = None
) -> list[SourceCheck]:
    """Every source of ``tenants`` tried at once (each its own tap process), in file order."""
    pairs = [(tenant, source) for tenant in tenants for source in tenant.sources.values()]
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda pair: _check(*pair, demo_dir, token_dir), pairs))


def _check(
    tenant: Tenant, source: SourceConfig, demo_dir: Path, token_dir: Path | None
) -> SourceCheck:
    started = time.monotonic()

    def result(ok: bool, message: str) -> SourceCheck:
        seconds = time.monotonic() - started
        return SourceCheck(tenant.tenant_id, source.source, ok, message, seconds)

    if source.is_demo:
        return result(True, "demo data, nothing to reach")
    missing = [m.env_var for m in missing_secrets([tenant]) if m.source == source.source]
    if missing:
        return result(False, f"not set: {', '.join(missing)}: set it in {SECRETS_FILE}")
    command, config = tap_invocation(tenant, source, demo_dir, token_dir)
    with tempfile.TemporaryDirectory(prefix="cerebro-check-") as scratch:
        config_path = write_private_json(Path(scratch), "tap.json", config)
        try:
            run = subprocess.run(
                [*command, "--config", str(config_path), "--test"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                timeout=SOURCE_TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            return result(
                False,
                f"no first records within {SOURCE_TIMEOUT_SECONDS:.0f} s: check this machine's "
                "network and the vendor's status page",
            )
    if run.returncode == 0:
        return result(True, "answered")
    return result(False, _last_message(run.stderr) or f"the tap failed (exit {run.returncode})")


def _last_message(log: str) -> str:
    """The message of the tap's last log line (singer-sdk writes ``time | level | name |
    message``): a tap's foreseen failure is that one line."""
    lines = [line for line in log.splitlines() if line.strip()]
    return lines[-1].rsplit(" | ", 1)[-1].strip() if lines else ""
