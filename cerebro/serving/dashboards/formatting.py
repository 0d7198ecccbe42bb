"""The formatting module moved to :mod:`cerebro.formatting`, which every surface uses (pages,
Metabase cards, reports, alerts, terminal); re-exported here so that older imports still work."""

from cerebro.formatting import *  # noqa: F403
