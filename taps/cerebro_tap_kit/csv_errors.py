"""The two ways an export can fail: the whole run or file (stop), or one row (quarantine).

``TapConfigError`` stops the run: the command line prints its message as one
log line and exits 2, because no row of the file can be trusted (a wrong
encoding, a mapping that names no column, an empty tenant). ``RowRejected``
sends one row to the quarantine file and the run goes on.
"""


class TapConfigError(ValueError):
    """The run cannot go on as configured; the message says what to change."""


class FileConfigError(TapConfigError):
    """A file cannot be read as configured; the message names the file and the fix."""


class RowRejected(ValueError):
    """The row breaks the contract; ``str()`` lists every reason."""
