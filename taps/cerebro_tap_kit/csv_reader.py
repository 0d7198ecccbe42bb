"""Reading an export file as a stream of rows, with the line each row started on.

The file is never loaded whole: ``csv.reader`` pulls lines from the open file
one at a time. The delimiter is read off the header line when not configured
(Excel in Spanish-speaking locales saves ``;``, since ``,`` is their decimal
mark), a UTF-8 byte-order mark is dropped (``utf-8-sig``), and a row's line
number is the physical line it starts on (quoted cells may span lines).

Before the first row is read, a regular file is decoded once, whole, chunk by
chunk: a file in the wrong encoding (a latin-1 or cp1252 export read as UTF-8)
stops the run with the exact line of the first bad byte, before any row of it
is emitted, instead of failing half-way. A UTF-16 file (Excel's "Unicode
text") is recognised by its byte-order mark; a workbook saved as .csv, or UTF-16
without its mark, is refused with what to do.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import itertools
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from cerebro_tap_kit.csv_errors import FileConfigError

__all__ = ["Dialect", "ExportReader", "FileConfigError", "FileSpec"]

DELIMITERS = (";", ",", "\t", "|")
DEFAULT_ENCODING = "utf-8-sig"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
ENCODING_CHECK_CHUNK = 1 << 20
LONGEST_LINE = 16 << 20


@dataclass(frozen=True)
class FileSpec:
    """One export file and how to read it (a ``files.<stream>[]`` entry of the config)."""

    path: Path
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, t.Any] = field(default_factory=dict)
    delimiter: str = "auto"
    decimal_separator: str = "auto"
    date_format: str | None = None
    encoding: str = DEFAULT_ENCODING

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
            encoding=entry.get("encoding") or DEFAULT_ENCODING,
        )
        if spec.delimiter != "auto" and len(spec.delimiter) != 1:
            raise FileConfigError(f"{spec.path}: delimiter must be one character or 'auto'")
        if spec.decimal_separator not in ("auto", ",", "."):
            raise FileConfigError(f"{spec.path}: decimal_separator must be ',', '.' or 'auto'")
        if spec.date_format and not _round_trips(spec.date_format):
            raise FileConfigError(
                f"{spec.path}: date_format {spec.date_format!r} cannot read back a date it "
                "writes; use strptime directives such as %d-%m-%Y"
            )
        try:
            codecs.lookup(spec.encoding)
        except LookupError:
            raise FileConfigError(f"{spec.path}: unknown encoding {spec.encoding!r}") from None
        return spec


@dataclass(frozen=True)
class Dialect:
    """What was decided about a file once its header was read; ``decimal_guessed`` when the
    decimal separator came from the delimiter, not from the settings."""

    delimiter: str
    decimal_separator: str
    header: tuple[str, ...]
    decimal_guessed: bool = False


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter that splits the header into the most columns."""
    counts = {d: len(next(csv.reader([header_line], delimiter=d))) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 1 else ","


class ExportReader:
    """An open export: its dialect once the header is read, then its rows one by one.

    ``with ExportReader(spec) as export:`` checks the encoding, reads the
    header (and decides the delimiter and decimal separator);
    ``export.rows()`` yields ``(first line, last line, cells)`` lazily.
    ``encoding_setting`` is how the advice for a file in another encoding names the
    setting to change: the tap's ``encoding: {}``, a command line's ``--encoding {}``.
    """

    def __init__(self, spec: FileSpec, *, encoding_setting: str = "encoding: {}") -> None:
        self.spec = spec
        self.encoding_setting = encoding_setting
        self.encoding = spec.encoding
        self._handle: t.TextIO | None = None
        self._reader: t.Any = None
        self.dialect = Dialect(",", ".", ())

    def __enter__(self) -> ExportReader:
        path = self.spec.path
        if not path.exists() or path.is_dir():
            raise FileConfigError(f"{path}: no such file")
        if path.is_file():  # not a pipe: it can be read twice
            _check_text(path, self.spec.encoding, self.encoding_setting)
            self.encoding = _effective_encoding(path, self.spec.encoding)
            _check_decodes(path, self.encoding, self.encoding_setting)
        self._handle = path.open(encoding=self.encoding, newline="")
        with self._errors_explained(line_number=1):
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
            raise FileConfigError(f"{path}: the file is empty (no header line)")
        guessed = self.spec.decimal_separator == "auto"
        self.dialect = Dialect(delimiter, decimal_separator, header, decimal_guessed=guessed)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._handle is not None:
            self._handle.close()

    def rows(self) -> t.Iterator[tuple[int, int, list[str]]]:
        """(line the row starts on, line it ends on, cells) for every row after the header."""
        line_number = self._reader.line_num + 1
        while True:
            with self._errors_explained(line_number):
                cells = next(self._reader, None)
            if cells is None:
                return
            last_line = self._reader.line_num
            yield line_number, last_line, cells
            line_number = last_line + 1

    def unclosed_quote(self, first_line: int, last_line: int, cells: list[str]) -> str | None:
        """Why a row spanning lines looks like a quote never closed, or None.

        A quote left open swallows the next lines into one cell until the next
        quote character (or the end of the file). A legitimate multi-line cell
        (a note with line breaks) rarely holds a line with as many delimiters
        as a whole row; a swallowed row always does.
        """
        width = len(self.dialect.header)
        if last_line == first_line or width < 2:
            return None
        swallowed = sum(
            line.count(self.dialect.delimiter) >= width - 1
            for cell in cells
            if "\n" in cell or "\r" in cell
            for line in cell.splitlines()[1:]
        )
        if not swallowed:
            return None
        return (
            f"a quoted cell opened on line {first_line} runs to line {last_line} and holds "
            f"{swallowed} line(s) shaped like rows of this file: a quote is probably never "
            f"closed; lines {first_line}-{last_line} are quarantined together"
        )

    @contextlib.contextmanager
    def _errors_explained(self, line_number: int) -> t.Iterator[None]:
        try:
            yield
        except UnicodeDecodeError as error:
            raise FileConfigError(
                f"{self.spec.path}: not valid {self.encoding} near line {line_number} "
                f"({error.reason}); "
                f"{_encoding_advice(error.object[error.start : error.end], self.encoding_setting)}"
            ) from None
        except csv.Error as error:
            hint = ""
            if "field limit" in str(error):
                hint = ": a cell this long usually means a quote opened there is never closed"
            raise FileConfigError(
                f"{self.spec.path}: unreadable CSV near line {line_number} ({error}){hint}"
            ) from None


def _round_trips(date_format: str) -> bool:
    sample = dt.datetime(2024, 3, 5, 13, 7, 9)
    try:
        return dt.datetime.strptime(sample.strftime(date_format), date_format).date() == (
            sample.date()
        )
    except ValueError:
        return False


#: How files that are not text start: a workbook where an export was meant.
WORKBOOK_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip file",
    b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls)",
}


def _check_text(path: Path, encoding: str, setting: str) -> None:
    """Stop at a file that is not a text export, before it reads as nonsense columns or a
    misleading encoding error: a workbook saved under a .csv name, or UTF-16 without its
    byte-order mark (every other byte zero) read with the default encoding."""
    with path.open("rb") as handle:
        start = handle.read(512)
    for signature, what in WORKBOOK_SIGNATURES.items():
        if start.startswith(signature):
            raise FileConfigError(
                f"{path}: this is {what}, not a CSV export: in Excel, save it with "
                "Save As > CSV UTF-8 and read that file"
            )
    if encoding != DEFAULT_ENCODING or start[:2] in UTF16_BOMS or b"\x00" not in start:
        return
    even = start[: len(start) - len(start) % 2]
    if even and not any(even[1::2]):
        guess = "utf-16-le"
    elif even and not any(even[0::2]):
        guess = "utf-16-be"
    else:
        raise FileConfigError(f"{path}: the file holds NUL bytes: it is not a text export")
    raise FileConfigError(
        f"{path}: every other byte is zero: UTF-16 text without its byte-order mark; set "
        f"{setting.format(guess)}"
    )


def _effective_encoding(path: Path, encoding: str) -> str:
    """The configured encoding, except UTF-16 when the default meets a UTF-16 byte-order mark."""
    if encoding != DEFAULT_ENCODING:
        return encoding
    with path.open("rb") as handle:
        return "utf-16" if handle.read(2) in UTF16_BOMS else encoding


def _check_decodes(path: Path, encoding: str, setting: str) -> None:
    """Decode the whole file once; stop at the first byte the encoding cannot read.

    Only for encodings where a newline is the byte 0x0A (UTF-8, cp1252,
    latin-1...): chunks are cut after a newline, which is then always a
    character boundary, so each decodes on its own and an error's offset gives
    its line. Other encodings (UTF-16) fail, if at all, while rows are read.
    """
    rest = "utf-8" if codecs.lookup(encoding).name == "utf-8-sig" else encoding
    if "\n".encode(rest) != b"\n":
        return
    line, carry, first = 1, b"", True
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(ENCODING_CHECK_CHUNK)
            data = carry + chunk
            cut = len(data) if not chunk else data.rfind(b"\n") + 1
            part, carry = data[:cut], data[cut:]
            if len(carry) > LONGEST_LINE:
                raise FileConfigError(
                    f"{path}: line {line} is longer than {LONGEST_LINE >> 20} MiB; "
                    "not a CSV export with one row per line"
                )
            try:
                # Only the file's first bytes may hold the byte-order mark.
                part.decode(encoding if first else rest)
            except UnicodeDecodeError as error:
                bad_line = line + part.count(b"\n", 0, error.start)
                raise FileConfigError(
                    f"{path}: not valid {encoding} on line {bad_line} (byte "
                    f"{part[error.start : error.end]!r}: {error.reason}); "
                    f"{_encoding_advice(part[error.start : error.end + 3], setting)}"
                ) from None
            line += part.count(b"\n")
            first = first and not part
            if not chunk:
                return


def _encoding_advice(raw: bytes, setting: str) -> str:
    try:
        sample = raw.split(b"\n")[0].decode("cp1252")
    except UnicodeDecodeError:
        return f"set the file's encoding (e.g. {setting.format('latin-1')})"
    return (
        f"in cp1252 these bytes read {sample!r}; set {setting.format('cp1252')} for files "
        "saved by Excel on Windows (or latin-1)"
    )
