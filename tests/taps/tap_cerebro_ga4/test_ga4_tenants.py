"""A tenant names the GA4 tap under the ``ga4`` source; Cerebro hands it the settings, the
secrets read from the environment, and the tenant's time zone as the properties' unless the
tenants file sets one.

Oracles: the tenants file's rules (secrets by environment variable name) and the tap's own
settings schema (the configuration Cerebro builds is one the tap accepts, streams and all).
"""

from __future__ import annotations

import pytest
from tap_cerebro_ga4.tap import TapCerebroGa4

from cerebro import tenants as tenants_module
from cerebro.landing.taps import tap_invocation
from cerebro.settings import EXECUTABLE_SHIMS_ENV
from cerebro.tenants import load_tenants

TENANT = """
tenants:
  - tenant_id: tienda_lima
    name: Tienda Lima
    timezone: America/Lima
    currency: PEN
    country_code: PE
    sources:
      ga4:
        tap: ga4
        settings: {{property_ids: ["123456789"], client_id: "123.apps.googleusercontent.com",
                   start_date: "2025-01-01"{extra}}}
        secrets: {{client_secret: GOOGLE_CLIENT_SECRET,
                  refresh_token: GA4_REFRESH_TOKEN_TIENDA_LIMA}}
"""


@pytest.fixture(autouse=True)
def ga4_installed(monkeypatch, tmp_path):
    """The tenants file accepts installed taps only and the command is the console script's
    path: both as once ``uv sync`` installs tap-cerebro-ga4."""
    monkeypatch.setitem(tenants_module.TAP_EXECUTABLES, "ga4", "tap-cerebro-ga4")
    shims = tmp_path / "bin"
    shims.mkdir()
    (shims / "tap-cerebro-ga4").write_text("")
    monkeypatch.setenv(EXECUTABLE_SHIMS_ENV, str(shims))
    monkeypatch.setenv("GOOGLE_CLIENT_SECRET", "secret-from-env")
    monkeypatch.setenv("GA4_REFRESH_TOKEN_TIENDA_LIMA", "1//refresh-from-env")


@pytest.mark.parametrize(
    ("extra", "timezone"),
    [("", "America/Lima"), (', timezone: "America/Santiago"', "America/Santiago")],
    ids=["tenant-timezone", "property-timezone-set"],
)
def test_the_tap_gets_its_settings_secrets_and_the_tenants_time_zone(extra, timezone, tmp_path):
    tenants_file = tmp_path / "tenants.yml"
    tenants_file.write_text(TENANT.format(extra=extra), encoding="utf-8")
    (tenant,) = load_tenants(tenants_file)
    command, config = tap_invocation(tenant, tenant.sources["ga4"], tmp_path / "demo")
    assert command == [str(tmp_path / "bin" / "tap-cerebro-ga4")]
    assert config == {
        "tenant_id": "tienda_lima",
        "property_ids": ["123456789"],
        "client_id": "123.apps.googleusercontent.com",
        "start_date": "2025-01-01",
        "client_secret": "secret-from-env",
        "refresh_token": "1//refresh-from-env",
        "timezone": timezone,
    }
    tap = TapCerebroGa4(config=config, parse_env_config=False)
    assert set(tap.streams) == {"traffic_daily"}
