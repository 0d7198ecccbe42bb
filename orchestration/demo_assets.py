"""Demo data: the simulated tenants' datasets that the demo tap emits."""

import dagster as dg
from tap_cerebro_demo.generator.storage import DemoSettings, load_or_generate, read_stream

from cerebro.landing.taps import demo_settings
from orchestration.resources import CerebroResource


@dg.asset(group_name="demo", kinds={"python", "parquet"})
def demo_datasets(cerebro: CerebroResource) -> dg.MaterializeResult:
    """Generates each demo tenant's dataset and truth (reused while its settings are unchanged)."""
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
    return dg.MaterializeResult(metadata={"datasets": summary, "demo_tenants": len(summary)})
