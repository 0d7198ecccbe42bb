"""The quarantine file: every rejected row, with where it came from and why.

One CSV per run (rewritten at the start of each run, so it always describes
the last one): ``stream, source_file, line_number, reason, row``, where
``row`` holds the original cells as a JSON object keyed by the file's header.
A run that rejects nothing leaves a file with the header only, so an empty
quarantine is visible rather than stale.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

COLUMNS = ("stream", "source_file", "line_number", "reason", "row")


class Quarantine:
    """Appends rejected rows to the quarantine file as they are found."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(COLUMNS)
        self._handle.flush()

    def add(
        self,
        *,
        stream: str,
        source_file: Path,
        line_number: int,
        reason: str,
        header: tuple[str, ...],
        cells: list[str],
    ) -> None:
        """Write one rejected row (flushed at once: a crash loses nothing)."""
        row = dict(zip(header, cells, strict=False))
        if len(cells) > len(header):
            row["(extra)"] = cells[len(header) :]
        self._writer.writerow(
            (stream, str(source_file), line_number, reason, json.dumps(row, ensure_ascii=False))
        )
        self._handle.flush()
