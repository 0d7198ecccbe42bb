"""A CSV file read as text, with the physical line each row starts on.

The reading is the CSV tap's ``ExportReader``: the whole file is decoded once before any row
is read, so a cp1252 export read as UTF-8 stops at the line of its first bad byte, with how
those bytes read in cp1252; a UTF-8 byte-order mark is dropped and a UTF-16 file recognised;
the delimiter is read off the header line. Line numbers are the file's own (blank lines and
line breaks inside quoted cells counted), so that a user can open the file at the line named.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from cerebro_tap_kit.csv_errors import FileConfigError
from cerebro_tap_kit.csv_reader import DEFAULT_ENCODING, ExportReader, FileSpec

#: How the tap's advice for a file in another encoding names the setting on a command line.
ENCODING_OPTION = "--encoding {}"
DELIMITER_NAMES = {"tab": "\t", "\\t": "\t"}


class CsvInputError(ValueError):
    """The file cannot be read as given; the message (one line) says where and what to do."""


@dataclass(frozen=True)
class TextTable:
    """A CSV file's rows as text (blank lines skipped), the header's names as columns.

    ``lines``: the line of the file each row starts on. ``problems``: why a row cannot be
    trusted as a row ("" for most): a number of fields unlike the header's, or a quote that
    is never closed. Such rows are padded or cut to the header's width.
    """

    path: Path
    frame: pd.DataFrame
    lines: np.ndarray
    problems: pd.Series
    delimiter: str = ","

    def where(self, position: int) -> str:
        """'line N' for the row at ``position``."""
        return f"line {self.lines[position]}"

    def require(self, names: Iterable[str]) -> None:
        """Stop unless the header has each of ``names`` exactly once."""
        header = list(self.frame.columns)
        missing = [name for name in names if name not in header]
        if missing:
            raise CsvInputError(
                f"{self.path}: the file has no column(s) {missing}; its columns: {header}"
            )
        for name in names:
            if header.count(name) > 1:
                raise CsvInputError(
                    f"{self.path}: the header has {name!r} {header.count(name)} times, so "
                    "which column is meant is unclear; rename the others"
                )

    def column(self, name: str) -> pd.Series:
        """The cells of column ``name`` (which must be in the header once)."""
        self.require([name])
        return self.frame[name]


def read_table(path: Path, *, encoding: str = "utf-8", delimiter: str = "auto") -> TextTable:
    """The rows of ``path`` as text, with their lines; an error for a file without rows."""
    spec = FileSpec(path=Path(path), delimiter=_delimiter(delimiter), encoding=_encoding(encoding))
    header: list[str] = []
    rows, lines, problems = [], [], []
    try:
        with ExportReader(spec, encoding_setting=ENCODING_OPTION) as export:
            header = list(export.dialect.header)
            delimiter = export.dialect.delimiter
            width = len(header)
            for first_line, last_line, cells in export.rows():
                if not any(cell.strip() for cell in cells):
                    continue  # Excel pads exports with blank lines: no row, but a line
                problem = export.unclosed_quote(first_line, last_line, cells) or ""
                if not problem and len(cells) != width:
                    problem = f"{len(cells)} fields where the header has {width}"
                rows.append((cells + [""] * width)[:width])
                lines.append(first_line)
                problems.append(problem)
    except FileConfigError as error:
        raise CsvInputError(str(error)) from None
    if not rows:
        raise CsvInputError(f"{spec.path}: the file has a header line but no rows")
    return TextTable(
        path=spec.path,
        frame=pd.DataFrame(rows, columns=header, dtype=str),
        lines=np.asarray(lines),
        problems=pd.Series(problems, dtype=str),
        delimiter=delimiter,
    )


def _encoding(name: str) -> str:
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise CsvInputError(
            f"unknown encoding {name!r} (--encoding): use utf-8, or cp1252 for Excel on Windows"
        ) from None
    # UTF-8 is read as utf-8-sig: a byte-order mark (Excel's "CSV UTF-8") is then dropped.
    return DEFAULT_ENCODING if codec.name in ("utf-8", "utf-8-sig") else name


def _delimiter(name: str) -> str:
    delimiter = DELIMITER_NAMES.get(name.lower(), name)
    if delimiter != "auto" and len(delimiter) != 1:
        raise CsvInputError(f"--delimiter must be one character (or 'tab', or auto), got {name!r}")
    return delimiter
