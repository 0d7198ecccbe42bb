"""Reading an export file as a stream of rows, with the line each row started on.

The file is never loaded whole: ``csv.reader`` pulls lines from the open file
one at a time. The delimiter is read off the header line when not configured
(Excel in Spanish-speaking locales saves ``;``, since ``,`` is their decimal
mark), a UTF-8 byte-order mark is dropped (``utf-8-sig``), and a row's line
number is the physical line it starts on (quoted cells may span lines).
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

DELIMITERS = (";", ",", "\t", "|")


class FileConfigError(ValueError):
    """A file cannot be read as configured; the message says what to change."""


@dataclass(frozen=True)
class FileSpec:
    """One export file and how to read it (a ``files.<stream>[]`` entry of the config)."""

    path: Path
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, t.Any] = field(default_factory=dict)
    delimiter: str = "auto"
    decimal_separator: str = "auto"
    date_format: str | None = None
    encoding: str = "utf-8-sig"

    @classmethod
    def from_config(cls, entry: t.Mapping[str, t.Any]) -> FileSpec:
        """A spec from its configuration (``path`` required, the rest optional)."""
        if not entry.get("path"):
            raise FileConfigError(f"a file entry needs a 'path': {dict(entry)}")
        spec = cls(
            path=Path(entry["path"]),
            columns=dict(entry.get("columns") or {}),
            values=dict(entry.get("values") or {}),
            delimiter=entry.get("delimiter") or "auto",
            decimal_separator=entry.get("decimal_separator") or "auto",
            date_format=entry.get("date_format"),
            encoding=entry.get("encoding") or "utf-8-sig",
        )
        if spec.delimiter != "auto" and len(spec.delimiter) != 1:
            raise FileConfigError(f"{spec.path}: delimiter must be one character or 'auto'")
        if spec.decimal_separator not in ("auto", ",", "."):
            raise FileConfigError(f"{spec.path}: decimal_separator must be ',', '.' or 'auto'")
        return spec


@dataclass(frozen=True)
class Dialect:
    """What was decided about a file once its header was read."""

    delimiter: str
    decimal_separator: str
    header: tuple[str, ...]


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter that splits the header into the most columns."""
    counts = {d: len(next(csv.reader([header_line], delimiter=d))) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 1 else ","


class ExportReader:
    """An open export: its dialect once the header is read, then its rows one by one.

    ``with ExportReader(spec) as export:`` reads the header (and decides the
    delimiter and decimal separator); ``export.rows()`` yields ``(line number,
    cells)`` lazily.
    """

    def __init__(self, spec: FileSpec) -> None:
        self.spec = spec
        self._handle: t.TextIO | None = None
        self._reader: t.Any = None
        self.dialect = Dialect(",", ".", ())

    def __enter__(self) -> ExportReader:
        if not self.spec.path.exists() or self.spec.path.is_dir():
            raise FileConfigError(f"{self.spec.path}: no such file")
        self._handle = self.spec.path.open(encoding=self.spec.encoding, newline="")
        with self._decoding_errors_explained(line_number=1):
            header_line = self._handle.readline()
        delimiter = self.spec.delimiter
        if delimiter == "auto":
            delimiter = sniff_delimiter(header_line)
        decimal_separator = self.spec.decimal_separator
        if decimal_separator == "auto":
            # Semicolon files come from locales whose decimal mark is the comma.
            decimal_separator = "," if delimiter == ";" else "."
        self._reader = csv.reader(itertools.chain([header_line], self._handle), delimiter=delimiter)
        header = tuple(cell.strip() for cell in next(self._reader, []))
        if not any(header):
            raise FileConfigError(f"{self.spec.path}: the file is empty (no header line)")
        self.dialect = Dialect(delimiter, decimal_separator, header)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._handle is not None:
            self._handle.close()

    def rows(self) -> t.Iterator[tuple[int, list[str]]]:
        """(line the row starts on, cells) for every row after the header."""
        line_number = self._reader.line_num + 1
        while True:
            with self._decoding_errors_explained(line_number):
                cells = next(self._reader, None)
            if cells is None:
                return
            yield line_number, cells
            line_number = self._reader.line_num + 1

    @contextlib.contextmanager
    def _decoding_errors_explained(self, line_number: int) -> t.Iterator[None]:
        try:
            yield
        except UnicodeDecodeError as error:
            raise FileConfigError(
                f"{self.spec.path}: not valid {self.spec.encoding} near line {line_number} "
                f"({error.reason}); set encoding: cp1252 for files saved by Excel on Windows"
            ) from None
        except csv.Error as error:
            raise FileConfigError(
                f"{self.spec.path}: unreadable CSV near line {line_number} ({error})"
            ) from None
