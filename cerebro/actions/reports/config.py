"""Who receives which report: ``cerebro/reports.yml`` (or the file in ``CEREBRO_REPORTS_FILE``).

::

    reports:
      casafacil_cl:                       # a tenant_id of the tenants file
        weekly: [marketing@casafacil.cl]  # daily, weekly and/or monthly: one e-mail per list
        monthly: [marketing@casafacil.cl, gerencia@casafacil.cl]

Addresses are not secrets and live in the file; the SMTP server and its password come from
``CEREBRO_SMTP_*`` variables (``cerebro.actions.notify``). A tenant or cadence left out gets no
e-mail.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cerebro.actions.reports.periods import CADENCES
from cerebro.settings import PROJECT_ROOT
from cerebro.yaml_schema import SchemaError, read_yaml

DEFAULT_REPORTS_FILE = PROJECT_ROOT / "cerebro" / "reports.yml"
REPORTS_FILE_VARIABLE = "CEREBRO_REPORTS_FILE"
#: One address, no display name: enough to catch a typo such as a missing '@' or domain.
_ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


class ReportConfigError(ValueError):
    """The reports file is invalid; the message names the file and the entry."""


@dataclass(frozen=True)
class ReportsConfig:
    """Recipients per tenant and cadence."""

    recipients_by_tenant: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    path: Path | None = None

    def recipients(self, tenant_id: str, cadence: str) -> tuple[str, ...]:
        return self.recipients_by_tenant.get(tenant_id, {}).get(cadence, ())

    def unknown_tenants(self, tenant_ids: list[str]) -> list[str]:
        """Tenants the file names that are not among ``tenant_ids``."""
        return sorted(set(self.recipients_by_tenant) - set(tenant_ids))


def reports_file(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get(REPORTS_FILE_VARIABLE) or DEFAULT_REPORTS_FILE)


def _addresses(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ReportConfigError(f"{where}: expected a list of e-mail addresses")
    addresses = []
    for item in value:
        address = str(item).strip()
        if not _ADDRESS.match(address):
            raise ReportConfigError(f"{where}: {address!r} is not an e-mail address")
        addresses.append(address)
    return tuple(dict.fromkeys(addresses))  # a repeated address gets one copy


def load_reports_config(path: Path | None = None) -> ReportsConfig:
    """Read and validate the reports file (default: :func:`reports_file`)."""
    path = path or reports_file()
    if not path.exists():
        raise ReportConfigError(f"reports file not found: {path} (set {REPORTS_FILE_VARIABLE})")
    try:
        # The tenants file's reader: one line for a file that is not UTF-8 (one saved in
        # cp1252 by a Windows editor), a folder, or a key written twice.
        document = read_yaml(path) or {}
    except SchemaError as error:
        raise ReportConfigError(f"{path}: {error}") from error
    if not isinstance(document, dict) or set(document) - {"reports"}:
        raise ReportConfigError(f"{path}: expected one top-level key, 'reports:'")
    entries = document.get("reports") or {}
    if not isinstance(entries, dict):
        raise ReportConfigError(f"{path}: 'reports:' must map tenant ids to cadences")
    recipients: dict[str, dict[str, tuple[str, ...]]] = {}
    for tenant_id, cadences in entries.items():
        where = f"{path}: reports.{tenant_id}"
        if not isinstance(cadences, dict):
            raise ReportConfigError(f"{where}: expected cadences ({', '.join(CADENCES)})")
        unknown = sorted(set(cadences) - set(CADENCES))
        if unknown:
            raise ReportConfigError(
                f"{where}: unknown cadences {unknown}; use {', '.join(CADENCES)}"
            )
        recipients[str(tenant_id)] = {
            cadence: _addresses(value, f"{where}.{cadence}") for cadence, value in cadences.items()
        }
    return ReportsConfig(recipients, path)
