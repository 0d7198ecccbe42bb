"""The spool: the webhook payloads the receiver accepted, one file each, for the tap to read.

A tenant's spool is a directory. The receiver writes each verified payload, byte for byte as
Meta sent it, to ``<received at>-<sha256 of the body>.json``: the time first (UTC, to the
microsecond, fixed width), so the names sort in the order the payloads arrived and the tap's
bookmark is a name. A payload is written to ``.incoming/`` and renamed into place
(``os.replace`` is atomic within one file system), so the tap never sees half a file.

Meta delivers a notification again when it did not get a 200 in time: the receiver keeps one
empty marker per body digest in ``.seen/`` (created with ``O_EXCL``, atomic), so a delivery
repeated byte for byte is not spooled twice. A payload that cannot be read as statuses is
moved by the tap to ``quarantine/`` beside a ``.reason`` file saying why: nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from pathlib import Path

INCOMING, SEEN, QUARANTINE = ".incoming", ".seen", "quarantine"
#: ``20261120T120000123456Z-<64 hex>.json``
SPOOL_NAME = re.compile(r"\d{8}T\d{12}Z-[0-9a-f]{64}\.json")


def spool_name(received_at: dt.datetime, body: bytes) -> str:
    """The file name of a payload received at ``received_at`` (aware or naive UTC)."""
    instant = received_at.astimezone(dt.UTC) if received_at.tzinfo else received_at
    return f"{instant:%Y%m%dT%H%M%S%f}Z-{hashlib.sha256(body).hexdigest()}.json"


def received_at(name: str) -> dt.datetime:
    """When the payload of a spool file was received (aware UTC)."""
    return dt.datetime.strptime(name[:22], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.UTC)


def append(directory: Path, body: bytes, now: dt.datetime) -> str | None:
    """Write ``body`` to the spool atomically; its file name, or None when the same bytes were
    spooled before (a repeated delivery)."""
    for sub in (INCOMING, SEEN):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(body).hexdigest()
    name = spool_name(now, body)
    staged = directory / INCOMING / name
    with staged.open("wb") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        # The marker is taken once the bytes are safely staged: a crash before it leaves the
        # payload unmarked, so Meta's next delivery is spooled; a crash after it is finished
        # by ``recover`` when the receiver starts again.
        os.close(os.open(directory / SEEN / digest, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        staged.unlink()
        return None
    os.replace(staged, directory / name)
    return name


def recover(directory: Path) -> int:
    """Finish what a receiver stopped mid-write left in ``.incoming/``: a payload whose marker
    was taken is moved into place (Meta was told nothing, but would be refused as a repeat);
    one without is removed (unacknowledged, so Meta delivers it again). How many were moved."""
    staged = directory / INCOMING
    moved = 0
    for path in sorted(staged.iterdir()) if staged.is_dir() else []:
        digest = path.name.removesuffix(".json").rsplit("-", 1)[-1]
        if (directory / SEEN / digest).exists():
            os.replace(path, directory / path.name)
            moved += 1
        else:
            path.unlink()
    return moved


def pending(directory: Path, after: str | None, before: str) -> list[Path]:
    """Spool files named from ``after`` (itself included: a sync cut short inside a file reads
    it again) up to ``before`` (excluded), oldest first."""
    if not directory.is_dir():
        return []
    names = sorted(
        entry.name
        for entry in os.scandir(directory)
        if entry.is_file() and SPOOL_NAME.fullmatch(entry.name)
    )
    return [directory / n for n in names if (after is None or n >= after) and n < before]


def quarantine(path: Path, reason: str) -> Path:
    """Move a spool file to ``quarantine/`` with a ``.reason`` file beside it."""
    target = path.parent / QUARANTINE
    target.mkdir(exist_ok=True)
    (target / f"{path.name}.reason").write_text(reason + "\n", encoding="utf-8")
    os.replace(path, target / path.name)
    return target / path.name
