"""The log writer: rows committed together or not at all, and each written once even when the
caller writes the same buffer again after an interruption (the sync's `finally`)."""

from __future__ import annotations

import datetime as dt

import pytest

from cerebro.actions.activation.log import LogRow, open_log

NOW = dt.datetime(2026, 11, 1, 12, 0, 0)


def rows(count: int, **changes) -> list[LogRow]:
    base = LogRow("r1", "tienda_cl", "klaviyo", "Frecuentes alejados", "c0", None, "add",
                  "sent", None, None, NOW, NOW)  # fmt: skip
    return [base._replace(**{"customer_id": f"c{i}", **changes}) for i in range(count)]


@pytest.mark.parametrize("count", [3, 200], ids=["few", "many"])
def test_a_failed_write_is_rolled_back_whole_and_the_buffer_kept_for_the_next(warehouse, count):
    with open_log(warehouse) as log:
        buffer = rows(count)
        log.write(buffer)
        assert buffer == []  # committed: emptied, so writing it again writes nothing
        log.write(buffer)
        # Only the last row is broken: a write that is not atomic would keep the others.
        broken = [*rows(count - 1, run_id="r2"), rows(1, logged_at="not a time")[0]]
        with pytest.raises(Exception, match=r"not a time"):
            log.write(broken)
        assert len(broken) == count
        log.write(rows(1, customer_id="after"))
    logged = warehouse.query("select run_id, customer_id from ops.activation_log")
    assert len(logged) == count + 1 and "r2" not in set(logged["run_id"])
