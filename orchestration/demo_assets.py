"""Demo data: the simulated tenants' datasets that the demo tap emits, and the past rescue each
demo store ran, written to the activation log as its sync would have."""

import dagster as dg
import pandas as pd
from tap_cerebro_demo.generator.storage import (
    ACTIVATION_LOG_FILE,
    DemoSettings,
    load_or_generate,
    read_stream,
)

from cerebro.actions.activation.past_runs import replace_runs
from cerebro.landing.taps import demo_settings
from orchestration.resources import CerebroResource


@dg.asset(group_name="demo", kinds={"python", "parquet"})
def demo_datasets(cerebro: CerebroResource) -> dg.MaterializeResult:
    """Generates each demo tenant's dataset and truth (reused while its settings are unchanged),
    and writes the rescue its store ran months ago (a coupon sent to part of its regulars
    drifting away, the others held out) into `ops.activation_log`, replacing the earlier copy:
    the uplift mart then measures a finished experiment whose true effect the truth gives."""
    settings = cerebro.settings()
    summary = {}
    for tenant in cerebro.tenants():
        if tenant.demo is None:
            continue
        demo = DemoSettings.from_tap_config(demo_settings(tenant, settings.demo_dir))
        directory = load_or_generate(demo, settings.demo_dir)
        summary[tenant.tenant_id] = {
            "directory": str(directory),
            "customers": len(read_stream(directory, "customers")),
            "orders": len(read_stream(directory, "orders")),
        }
        if (directory / ACTIVATION_LOG_FILE).exists():
            rows = pd.read_parquet(directory / ACTIVATION_LOG_FILE)
            summary[tenant.tenant_id]["activation_log_rows"] = replace_runs(
                cerebro.warehouse(), rows
            )
    return dg.MaterializeResult(metadata={"datasets": summary, "demo_tenants": len(summary)})
