"""Página "Adquisición": read from mart_acquisition_daily (doc block kpi_acquisition)."""

from __future__ import annotations

from cerebro.serving.kpis.period import count, distribution, kpi_request, ratio

_BY_CHANNEL_AND_REGION = """
    select acquisition_channel, region_name,
           sum(new_users) as new_users,
           sum(onboarded_users) as onboarded_users,
           sum(onboarding_observed_users) as onboarding_observed_users,
           sum(rut_validated_users) as rut_validated_users
    from marts.mart_acquisition_daily
    where tenant_id = %(tenant_id)s and signup_date between %(date_from)s and %(date_to)s
    group by 1, 2
"""


def get_acquisition_kpis(tenant_id, date_from, date_to, *, warehouse=None) -> dict:
    """New users, onboarding and RUT validation rates, and new users by channel and region."""
    with kpi_request(tenant_id, date_from, date_to, warehouse) as request:
        rows = request.query(_BY_CHANNEL_AND_REGION)
        new_users = count(rows["new_users"].sum())
        by_channel = rows.groupby("acquisition_channel", as_index=False)["new_users"].sum()
        by_region = rows.groupby("region_name", as_index=False)["new_users"].sum()
        return {
            "new_users": new_users,
            # Over the new users whose store records the e-mail's verification: none on
            # WooCommerce, whose rate is then empty rather than 0 %.
            "onboarding_rate": ratio(
                rows["onboarded_users"].sum(), rows["onboarding_observed_users"].sum()
            ),
            "rut_validation_rate": ratio(rows["rut_validated_users"].sum(), new_users),
            "channel_distribution": distribution(
                by_channel.rename(columns={"acquisition_channel": "channel"}),
                "channel",
                "new_users",
            ),
            "region_distribution": distribution(
                by_region.rename(columns={"region_name": "region"}), "region", "new_users"
            ),
        }
