"""The reading options of the commands that take a CSV, defined once for all of them."""

from __future__ import annotations

import click

ENCODING = click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="Text encoding of the file: utf-8 (a byte-order mark is fine), or cp1252 for files "
    "saved by Excel on Windows (latin-1 works too).",
)
DELIMITER = click.option(
    "--delimiter",
    default="auto",
    show_default=True,
    help="Field separator: one character such as ';' or ',' ('tab' for tabs); auto reads it "
    "off the header line.",
)
DECIMAL_SEPARATOR = click.option(
    "--decimal-separator",
    type=click.Choice(["auto", ",", "."]),
    default="auto",
    show_default=True,
    help="Decimal mark of the numbers. auto decides per column from all its values "
    "(1.234.567 and 12,5: decimal comma; 1,234.5 and 12.5: decimal point) and stops with an "
    "error when a column cannot tell, e.g. only values like 11.957.",
)
TIMEZONE = click.option(
    "--timezone",
    help="IANA zone, e.g. America/Santiago: timestamps with an offset (-03, -03:00, Z) are "
    "converted to it before the day is taken. Without it, the day is taken as written.",
)


def input_options(command):
    """Adds ``--encoding``, ``--delimiter``, ``--decimal-separator`` and ``--timezone``."""
    for option in (TIMEZONE, DECIMAL_SEPARATOR, DELIMITER, ENCODING):
        command = option(command)
    return command
