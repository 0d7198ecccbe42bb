"""Output that a terminal which is not UTF-8 can show.

A terminal set to Latin-1 or ASCII (``PYTHONIOENCODING=latin-1``, an old ``LANG``, a Windows
console) cannot encode some characters Cerebro prints (``→`` between two dates, a tenant's
name in another script): Python would stop the command with ``UnicodeEncodeError`` mid-output.
Instead each such character becomes its plain-text stand-in (``->``), or ``?`` when it has none.
"""

from __future__ import annotations

import codecs
import sys

#: Characters Cerebro prints and what a terminal without them shows instead.
STAND_INS = {
    "\u2192": "->",  # →
    "\u2190": "<-",  # ←
    "\u2026": "...",  # …
    "\u2014": "-",  # em dash
    "\u2013": "-",  # en dash
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u2018": "'",  # left single quote
    "\u2019": "'",  # right single quote
    "\u2265": ">=",  # ≥
    "\u2264": "<=",  # ≤
    "\u00b7": "-",  # middle dot (Latin-1 has it; ASCII does not)
    "\u00d7": "x",  # multiplication sign
}
ERROR_HANDLER = "cerebro-stand-ins"


def _stand_in(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(STAND_INS.get(character, "?") for character in text), error.end


codecs.register_error(ERROR_HANDLER, _stand_in)


def tolerate_narrow_terminals() -> None:
    """Make stdout and stderr print stand-ins for what their encoding lacks (see the module's
    doc); a UTF-8 stream, or one that cannot be reconfigured (a test's capture), is left as
    it is."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        reconfigure = getattr(stream, "reconfigure", None)
        if encoding and encoding != "utf8" and reconfigure is not None:
            reconfigure(errors=ERROR_HANDLER)
