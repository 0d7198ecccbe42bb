"""Reports sent through a local SMTP server (aiosmtpd): one message per tenant, cadence and
period to its whole recipient list, with the report's subject; a second run of the same
periods sends nothing; a failed send leaves no record, so the next run sends it."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from cerebro.actions.notify import SmtpSettings
from cerebro.actions.reports.config import ReportConfigError, load_reports_config
from cerebro.actions.reports.delivery import run_scheduled_reports
from cerebro.cli.main import main
from tests.cerebro.actions.reports.report_support import SPECS_DIR, free_port

D = dt.date.fromisoformat
REPORTS_YAML = """
reports:
  t_cl:
    weekly: [ana@tienda.example, luis@tienda.example]
    monthly: [gerencia@tienda.example]
  t_pe:
    monthly: [lima@tienda.example, lima@tienda.example]
  t_gone:
    daily: [nadie@tienda.example]
"""
#: t_cl landed Sunday 1 Nov (daily and weekly due); t_pe Saturday 31 Oct (daily and monthly due).
PARTITION_DATES = {"t_cl": D("2026-11-01"), "t_pe": D("2026-10-31")}


@pytest.fixture
def reports_config(tmp_path):
    path = tmp_path / "reports.yml"
    path.write_text(REPORTS_YAML, encoding="utf-8")
    return load_reports_config(path)


def _smtp(server) -> SmtpSettings:
    return SmtpSettings(host=server.host, port=server.port, starttls=False, timeout=5)


def _run(warehouse, config, smtp, specs, out_dir):
    return run_scheduled_reports(
        warehouse, PARTITION_DATES, config=config, smtp=smtp, out_dir=out_dir, dashboards=specs
    )


def _logged(warehouse) -> list[tuple]:
    return [
        tuple(row)
        for row in warehouse.query(
            "select tenant_id, cadence, cast(period_start as varchar) as period_start, "
            "cast(period_end as varchar) as period_end, recipients "
            "from ops.report_log order by tenant_id, cadence"
        ).itertuples(index=False)
    ]


def test_each_due_report_goes_once_to_its_recipient_list(
    writable_warehouse, reports_config, report_specs, smtp_server, tmp_path
):
    first = _run(writable_warehouse, reports_config, _smtp(smtp_server), report_specs, tmp_path)
    # Due: t_cl daily and weekly, t_pe daily and monthly; the daily ones have no recipients.
    assert sorted(first.rendered) == ["t_cl/weekly/2026-10-26", "t_pe/monthly/2026-10-01"]
    assert sorted(first.sent) == ["t_cl/weekly/2026-10-26", "t_pe/monthly/2026-10-01"]
    assert first.recipients == 3  # a repeated address gets one copy
    delivered = sorted(smtp_server.delivered, key=lambda d: d.message["Subject"])
    assert [(d.message["Subject"], sorted(d.envelope_to)) for d in delivered] == [
        ("Resumen mensual · Tienda Miraflores · octubre de 2026", ["lima@tienda.example"]),
        (
            "Resumen semanal · Tienda Ñuñoa · 26 oct \u2013 1 nov 2026",
            ["ana@tienda.example", "luis@tienda.example"],
        ),
    ]
    message = delivered[1].message
    assert message.get_body(("plain",)).get_content().startswith("Resumen semanal · Tienda Ñuñoa")
    assert "▲ +$50.000" in message.get_body(("html",)).get_content()
    assert any("t_gone" in note for note in first.notes)  # in the file, not in the warehouse
    assert (tmp_path / "t_cl" / "weekly_2026-10-26.html").read_text(encoding="utf-8")
    assert _logged(writable_warehouse) == [
        ("t_cl", "weekly", "2026-10-26", "2026-11-01", 2),
        ("t_pe", "monthly", "2026-10-01", "2026-10-31", 1),
    ]

    second = _run(writable_warehouse, reports_config, _smtp(smtp_server), report_specs, tmp_path)
    assert second.sent == []
    assert sorted(second.duplicates) == ["t_cl/weekly/2026-10-26", "t_pe/monthly/2026-10-01"]
    assert len(smtp_server.delivered) == 2
    assert len(_logged(writable_warehouse)) == 2


def test_a_failed_send_is_not_recorded_and_goes_out_on_the_next_run(
    writable_warehouse, reports_config, report_specs, smtp_server, tmp_path
):
    nobody_listening = SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False, timeout=5)
    failed = _run(writable_warehouse, reports_config, nobody_listening, report_specs, tmp_path)
    assert failed.sent == [] and len(failed.send_failures) == 2
    assert _logged(writable_warehouse) == []
    retried = _run(writable_warehouse, reports_config, _smtp(smtp_server), report_specs, tmp_path)
    assert len(retried.sent) == 2 and len(smtp_server.delivered) == 2


def test_without_smtp_reports_are_written_and_nothing_is_recorded(
    writable_warehouse, reports_config, report_specs, tmp_path
):
    outcome = _run(writable_warehouse, reports_config, None, report_specs, tmp_path)
    assert len(outcome.rendered) == 2 and outcome.sent == []
    assert all("CEREBRO_SMTP_HOST is not set" in reason for reason in outcome.not_sent)
    assert (tmp_path / "t_pe" / "monthly_2026-10-01.txt").exists()
    assert not writable_warehouse.table_exists("ops", "report_log")
    metadata = outcome.metadata()
    assert metadata["reports_rendered"] == 2 and metadata["reports_sent"] == 0
    assert "@" not in repr(metadata)  # counts and report names, never an address


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("reports:\n  t_cl:\n    hourly: [a@b.example]\n", "unknown cadences ['hourly']"),
        ("reports:\n  t_cl:\n    weekly: [not-an-address]\n", "'not-an-address' is not an e-mail"),
        ("reports:\n  t_cl:\n    weekly: a@b.example\n", "expected a list of e-mail addresses"),
        ("tenants: []\n", "expected one top-level key, 'reports:'"),
    ],
)
def test_bad_reports_file_is_refused_naming_the_entry(tmp_path, document, message):
    path = tmp_path / "reports.yml"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(ReportConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_reports_config(path)


def test_shipped_reports_file_loads():
    config = load_reports_config()
    assert config.recipients("casafacil_cl", "weekly")


# The command line -----------------------------------------------------------------------------


def _cli_env(warehouse, tmp_path, server) -> dict[str, str]:
    (tmp_path / "reports.yml").write_text(REPORTS_YAML, encoding="utf-8")
    return {
        "CEREBRO_DATA_DIR": str(tmp_path),
        "CEREBRO_DUCKDB_PATH": str(warehouse.settings.duckdb_path),
        "CEREBRO_WAREHOUSE": "duckdb",
        "CEREBRO_REPORTS_FILE": str(tmp_path / "reports.yml"),
        "CEREBRO_SMTP_HOST": server.host,
        "CEREBRO_SMTP_PORT": str(server.port),
        "CEREBRO_SMTP_STARTTLS": "false",
    }


def test_cli_writes_the_report_and_sends_it_once(writable_warehouse, tmp_path, smtp_server):
    env = _cli_env(writable_warehouse, tmp_path, smtp_server)
    out = tmp_path / "out" / "semana.html"
    arguments = ["report", "--tenant", "t_cl", "--cadence", "weekly", "--date", "2026-11-01",
                 "--specs", str(SPECS_DIR), "--out", str(out)]  # fmt: skip
    written = CliRunner().invoke(main, arguments, env=env)
    assert written.exit_code == 0, written.output
    assert "Resumen semanal · Tienda Ñuñoa · 26 oct \u2013 1 nov 2026" in written.output
    assert "$350.000" in out.read_text(encoding="utf-8")
    assert "$350.000" in out.with_suffix(".txt").read_text(encoding="utf-8")
    assert smtp_server.delivered == []

    sent = CliRunner().invoke(main, [*arguments, "--send"], env=env)
    again = CliRunner().invoke(main, [*arguments, "--send"], env=env)
    assert sent.exit_code == 0 and "sent to 2 recipients" in sent.output, sent.output
    assert again.exit_code == 0 and "already sent" in again.output, again.output
    assert len(smtp_server.delivered) == 1

    preview = CliRunner().invoke(main, [*arguments, "--to", "yo@tienda.example"], env=env)
    assert preview.exit_code == 0, preview.output
    assert smtp_server.delivered[-1].envelope_to == ["yo@tienda.example"]


def test_cli_send_without_recipients_says_where_to_add_them(
    writable_warehouse, tmp_path, smtp_server
):
    env = _cli_env(writable_warehouse, tmp_path, smtp_server)
    result = CliRunner().invoke(
        main,
        ["report", "--tenant", "t_pe", "--cadence", "weekly", "--date", "2026-11-01",
         "--specs", str(SPECS_DIR), "--send"],
        env=env,
    )  # fmt: skip
    assert result.exit_code != 0
    assert "lists no weekly recipients for t_pe" in result.output


def test_cli_unknown_tenant_names_the_known_ones(writable_warehouse, tmp_path, smtp_server):
    env = _cli_env(writable_warehouse, tmp_path, smtp_server)
    result = CliRunner().invoke(main, ["report", "--tenant", "t_xx", "--cadence", "daily"], env=env)
    assert result.exit_code != 0
    assert "unknown tenants ['t_xx']; the warehouse has ['t_cl', 't_pe']" in result.output
