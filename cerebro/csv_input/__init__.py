"""The command line's CSV input: ``cerebro clv --transactions`` and ``cerebro mmm fit --input``.

Marketing teams export these files from Excel (in Chile: ``;``, decimal comma, day-first dates,
cp1252), from psql or DuckDB (timestamps with a ``-03`` offset) or from a platform. Levels:

- ``options``: the reading options both commands take (``--encoding``, ``--delimiter``,
  ``--decimal-separator``, ``--timezone``), defined once; imports only click;
- ``table``: a file read as text, with the physical line of each row (``read_table``);
- ``columns``: a column read as numbers or days (``parse_numbers``, ``parse_days``) and the
  text form the models' own validation reads (``normalized_frame``).

Every problem is a ``CsvInputError`` (a ``ValueError``) whose message is one line. The file
reading and the cell grammar are the tap kit's, shared with the CSV tap
(``cerebro_tap_kit.csv_reader``, ``cerebro_tap_kit.csv_values``): one grammar for every CSV
Cerebro reads. What the command line
adds is the whole column: it holds the file, so the decimal separator is decided per column
from all of its values rather than guessed from the delimiter.
"""
