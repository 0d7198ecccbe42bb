"""Scheduled reports: each dashboard page's headline KPIs for a day, a week or a month, with
the change from the period before, as an HTML e-mail (docs/alerts-and-reports.md)."""

from cerebro.actions.reports.config import ReportConfigError, ReportsConfig, load_reports_config
from cerebro.actions.reports.delivery import ScheduledReports, run_scheduled_reports, send_once
from cerebro.actions.reports.headlines import Headline, Report, build_report, headline_cards
from cerebro.actions.reports.periods import CADENCES, ReportPeriod, due_cadences, report_period
from cerebro.actions.reports.render import RenderedReport, render_report

__all__ = [
    "CADENCES",
    "Headline",
    "RenderedReport",
    "Report",
    "ReportConfigError",
    "ReportPeriod",
    "ReportsConfig",
    "ScheduledReports",
    "build_report",
    "due_cadences",
    "headline_cards",
    "load_reports_config",
    "render_report",
    "report_period",
    "run_scheduled_reports",
    "send_once",
]
