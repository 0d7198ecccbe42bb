"""CLV settings: defaults, the tenants file's `clv:` block, and clear errors."""

from __future__ import annotations

import pytest

from cerebro.tenants import TenantConfigError, load_tenants
from ml_assets.clv.segments import ChurnRiskThresholds
from ml_assets.clv.settings import ClvSettings

TENANT = """
tenants:
  - tenant_id: tienda
    name: Tienda
    timezone: America/Santiago
    currency: CLP
    country_code: CL
{clv}
"""


def test_defaults_follow_kpis_md():
    settings = ClvSettings()
    assert settings.monthly_discount_rate == 0.01
    assert settings.churn_risk.risk_prob_alive == 0.2
    assert settings.holdout_days == 90 and settings.outlier_std == 3.0
    assert settings.min_repeat_buyers == 10


def test_clv_block_sets_model_and_segment_thresholds(tmp_path):
    path = tmp_path / "tenants.yml"
    path.write_text(
        TENANT.format(clv="    clv: {risk_prob_alive: 0.3, vip_clv_quantile: 0.9, penalizer: 0.01}")
    )
    (tenant,) = load_tenants(path)
    assert tenant.clv.penalizer == 0.01
    assert tenant.clv.churn_risk == ChurnRiskThresholds(risk_prob_alive=0.3, vip_clv_quantile=0.9)


def test_tenant_without_clv_block_gets_the_defaults(tmp_path):
    path = tmp_path / "tenants.yml"
    path.write_text(TENANT.format(clv=""))
    assert load_tenants(path)[0].clv == ClvSettings()


@pytest.mark.parametrize(
    "block, message",
    [
        ("{risk_prob_alive: 1.5}", "risk_prob_alive must be between 0 and 1"),
        ("{unknown_knob: 1}", r"unknown CLV setting\(s\) \['unknown_knob'\]"),
        ("{holdout_days: 0}", "holdout_days=0"),
        ("{value: profit}", "value='profit'"),
        ("[0.2]", "clv:"),
    ],
)
def test_invalid_clv_block_is_a_tenant_config_error(tmp_path, block, message):
    path = tmp_path / "tenants.yml"
    path.write_text(TENANT.format(clv=f"    clv: {block}"))
    with pytest.raises(TenantConfigError, match=message):
        load_tenants(path)
