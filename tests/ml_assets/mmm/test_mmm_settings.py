"""MMM settings: defaults, the tenants file's `mmm:` block, clear errors, and the asset's run
configuration overriding a tenant's block only where it is set."""

from __future__ import annotations

import pytest

from cerebro.tenants import TenantConfigError, load_tenants
from ml_assets.mmm.settings import MmmSettings
from orchestration.mmm_assets import _chosen

TENANT = """
tenants:
  - tenant_id: tienda
    name: Tienda
    timezone: America/Santiago
    currency: CLP
    country_code: CL
{mmm}
"""


def test_defaults_and_the_tenants_file_block(tmp_path):
    assert MmmSettings() == MmmSettings(draws=200, holdout_days=56, seed=0)
    path = tmp_path / "tenants.yml"
    path.write_text(TENANT.format(mmm="    mmm: {draws: 80, holdout_days: 28}"))
    (tenant,) = load_tenants(path)
    assert tenant.mmm == MmmSettings(draws=80, holdout_days=28, seed=0)
    path.write_text(TENANT.format(mmm=""))
    assert load_tenants(path)[0].mmm == MmmSettings()


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("{bootstrap: 40}", "unknown MMM setting(s) ['bootstrap']"),
        ("{draws: 3}", "draws=3"),
        ("{holdout_days: 2.5}", "holdout_days=2.5"),
        ("{seed: -1}", "seed=-1"),
    ],
)
def test_bad_blocks_name_the_tenant_and_the_setting(tmp_path, block, message):
    path = tmp_path / "tenants.yml"
    path.write_text(TENANT.format(mmm=f"    mmm: {block}"))
    with pytest.raises(TenantConfigError, match="mmm:") as error:
        load_tenants(path)
    assert message in str(error.value)


def test_run_configuration_wins_only_where_it_is_set():
    assert _chosen(None, 100) == 100
    assert _chosen(30, 100) == 30
    assert _chosen(0, 100) == 0
