"""Finished activation runs written into the log from elsewhere: the demo store's past rescue.

A demo tenant's store ran a rescue before Cerebro landed it (the demo generator's
``rescue.py``): its rows are what ``cerebro activate`` would have logged, so the uplift mart
measures it as it measures any sync. Writing them again replaces the earlier copy of the same
runs, so every ``cerebro run`` leaves one.
"""

from __future__ import annotations

import pandas as pd

from cerebro.actions.activation.log import COLUMNS, SCHEMA, TABLE, LogRow, open_log
from cerebro.warehouse import Warehouse


def replace_runs(warehouse: Warehouse, rows: pd.DataFrame) -> int:
    """Write ``rows`` (the log's columns) in place of any rows of the same tenant and run;
    returns how many were written."""
    frame = rows.reindex(columns=list(COLUMNS)).astype(object)
    frame = frame.where(frame.notna(), None)
    runs = frame[["tenant_id", "run_id"]].drop_duplicates().itertuples(index=False)
    with open_log(warehouse):
        pass  # the table and its schema exist from here on
    warehouse.execute(
        *(
            (
                f"delete from {SCHEMA}.{TABLE} "
                "where tenant_id = %(tenant_id)s and run_id = %(run_id)s",
                {"tenant_id": run.tenant_id, "run_id": run.run_id},
            )
            for run in runs
        )
    )
    for column in ("logged_at", "run_started_at"):
        frame[column] = [pd.Timestamp(value).to_pydatetime() for value in frame[column]]
    log_rows = [LogRow(*values) for values in frame.itertuples(index=False, name=None)]
    with open_log(warehouse) as writer:
        writer.write(log_rows)
        return writer.rows_written
