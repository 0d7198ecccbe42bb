"""`cerebro activate`: sync one segment of one tenant to one destination, or plan it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cerebro.actions.activation.registry import DESTINATIONS

if TYPE_CHECKING:
    from cerebro.actions.activation.sync import SyncReport

#: How the summary names each consent channel.
_CHANNELS = {"email": "e-mail", "sms": "SMS/WhatsApp"}


@click.command("activate")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. casafacil_cl.")
@click.option(
    "--segment",
    required=True,
    help='RFM segment (e.g. "Frecuentes alejados"), churn-risk segment (e.g. '
    '"ALTO RIESGO - VIP"), or "audiencia:<name or id>", a saved question of the tenant\'s '
    "Audiencias collection in Metabase that returns customer ids (decision 0073).",
)
@click.option(
    "--destination",
    "destination_name",
    required=True,
    help=f"One of the tenant's destinations: {', '.join(DESTINATIONS)}.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the plan (adds, removes, held out, skipped for consent): no vendor call, "
    "nothing written.",
)
@click.option(
    "--resync",
    is_flag=True,
    help="Send every member of a list destination again (Klaviyo, Meta, Google), whatever "
    "the vendor's list size says: repairs a list emptied or changed by hand. A sync does it "
    "by itself when the vendor's list is missing or short.",
)
@click.option(
    "--stop",
    is_flag=True,
    help="Stop the pair's scheduled syncs (ops.stopped_activations; a sync confirmed from "
    "Metabase resumes it). Nothing is taken out of the vendor's list.",
)
def activate(
    tenant_id: str, segment: str, destination_name: str, dry_run: bool, resync: bool, stop: bool
) -> None:
    """Sync a segment to a destination: consented members only, minus a stable control group
    (10 % by default), only what changed since the last sync; every answer is logged in
    ops.activation_log. A list destination's list is read first and repaired when the vendor
    lost members the log says it holds."""
    from cerebro.actions.activation.sync import activate as run_activation
    from cerebro.settings import load_settings
    from cerebro.tenants import load_tenants
    from cerebro.warehouse import Warehouse

    settings = load_settings()
    tenants = {t.tenant_id: t for t in load_tenants(settings.tenants_file)}
    if tenant_id not in tenants:
        raise click.ClickException(
            f"unknown tenant {tenant_id!r}; {settings.tenants_file} has: {', '.join(tenants)}"
        )
    if stop:
        import datetime as dt
        import getpass

        from cerebro.actions.activation.stops import stop_writes

        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        Warehouse(settings).execute(
            *stop_writes(tenant_id, segment, destination_name, now, getpass.getuser())
        )
        click.echo(f"{tenant_id} · {segment!r} → {destination_name}: stopped")
        return
    # SIGTERM stops the sync as Ctrl-C does (cerebro.interrupts, for every command): the
    # answers already received are logged before the process exits.
    report = run_activation(
        Warehouse(settings),
        tenants[tenant_id],
        segment,
        destination_name,
        dry_run=dry_run,
        resync=resync,
    )
    click.echo(render_report(report))
    if report.failed:
        # A scheduler must see that the vendor did not take everything (refusals are about
        # the members and final; failures are the vendor's and retried by the next sync).
        raise click.ClickException(
            f"{report.failed} of the answers failed (the vendor's first: "
            f"{report.first_failure or 'the vendor kept failing or throttling'}); "
            "run the sync again later: it sends only those"
        )


def render_report(report: SyncReport) -> str:
    """The plan of a dry run, or the counts of a sync, in a few lines."""
    plan = report.plan
    channel = _CHANNELS.get(plan.consent, plan.consent)
    kind = "one send per customer" if plan.one_shot else "a list kept equal to the segment"
    held = f"held out (control, {plan.control_share:.0%})"
    already = "sent before" if plan.one_shot else "already in the list"
    if report.dry_run:
        lines = [
            f"Dry run: {plan.tenant_id} · {plan.segment!r} → {plan.destination} ({kind}, "
            f"{channel} consent); nothing sent, nothing written.",
            f"  segment: {plan.members} customers",
            f"  {'to send' if plan.one_shot else 'to add'}: {len(plan.add)}",
            f"  to remove: {len(plan.remove)}",
            f"  {already}: {plan.unchanged}",
            f"  refused before, not asked again: {plan.refused_before}",
            f"  {held}: {len(plan.held_out)}",
            f"  skipped for consent (no {channel} consent): {len(plan.no_consent)}",
        ]
        if plan.resync and not plan.one_shot:
            lines.append(f"  to send again (--resync): {len(plan.kept)}")
        if report.missing_secrets:
            lines.append(
                f"  not set: {', '.join(report.missing_secrets)} (a real sync needs "
                f"{'them' if len(report.missing_secrets) > 1 else 'it'})"
            )
        if plan.holdout is not None:
            lines.append(f"  {plan.holdout.sentence()}")
        if plan.discount_rule is not None:
            lines.append(f"  0 % arm (no coupon, held out): {len(plan.zero_arm)}")
            lines.append(f"  {plan.discount_rule.sentence()}")
        return "\n".join(lines)
    calls = "?" if report.calls is None else str(report.calls)
    lines = [
        f"{plan.tenant_id} · {plan.segment!r} → {plan.destination}: run {report.run_id}, "
        "logged in ops.activation_log",
        f"  sent: {report.sent} · refused: {report.refused} · failed: {report.failed} · "
        f"removed: {report.removed}" + (f" · repaired: {report.repaired}" if report.drift else ""),
        f"  {held}: {len(plan.held_out)} · skipped for consent: {len(plan.no_consent)} · "
        f"{already}: {plan.unchanged}",
        f"  calls: {calls} · seconds: {report.seconds:.1f}",
    ]
    if report.drift is not None:
        lines.insert(2, f"  {report.drift.describe()}")
    if plan.holdout is not None:
        lines.append(f"  {plan.holdout.sentence()}")
    if plan.discount_rule is not None:
        lines.append(f"  0 % arm (no coupon, held out): {len(plan.zero_arm)}")
        lines.append(f"  {plan.discount_rule.sentence()}")
    return "\n".join(lines)
