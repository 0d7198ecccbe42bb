"""KPI functions: each KPI page as a plain dict, read from the marts that define its figures
(dbt doc blocks, dbt_project/models/marts/kpis/_kpis__docs.md; decision 0031).

Every page function takes ``(tenant_id, date_from, date_to, *, warehouse=None)``, and
``get_customer_life_line`` ``(tenant_id, customer, *, warehouse=None)``; ``warehouse``
defaults to the one the environment configures.
"""

from cerebro.serving.kpis.acquisition import get_acquisition_kpis
from cerebro.serving.kpis.campaigns import get_campaign_kpis
from cerebro.serving.kpis.channels import get_channel_kpis
from cerebro.serving.kpis.customer_health import get_customer_health_kpis
from cerebro.serving.kpis.customer_life_line import get_customer_life_line
from cerebro.serving.kpis.engagement import get_cart_abandonment_rate, get_engagement_kpis
from cerebro.serving.kpis.identity import get_identity_kpis
from cerebro.serving.kpis.margin import get_margin_kpis
from cerebro.serving.kpis.operations import get_operations_kpis
from cerebro.serving.kpis.retention import get_retention_kpis
from cerebro.serving.kpis.segmentation import get_rfm_segmentation

__all__ = [
    "get_acquisition_kpis",
    "get_campaign_kpis",
    "get_cart_abandonment_rate",
    "get_channel_kpis",
    "get_customer_health_kpis",
    "get_customer_life_line",
    "get_engagement_kpis",
    "get_identity_kpis",
    "get_margin_kpis",
    "get_operations_kpis",
    "get_retention_kpis",
    "get_rfm_segmentation",
]
