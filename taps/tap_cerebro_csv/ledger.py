"""The first row of every primary key seen in a run, in a few bytes per key.

Duplicate keys are detected within a run, so every key accepted so far must be
remembered. A dict of key tuples costs ~400 bytes a key with its strings (1.2
GB for three million orders); the ledger keeps, per key, a 64-bit hash of the
key, where the key was first accepted and a 64-bit hash of that row's values,
in three flat arrays (open addressing, linear probing, at most 3/4 full): 24
bytes a slot, ~100 MiB for three million keys.

Two different keys share a 64-bit hash with probability about n²/2⁶⁵ (one in
four million for three million keys). The second would be quarantined as a
duplicate of the first: a visible, explained rejection, never a silent loss.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

MASK_64 = (1 << 64) - 1
LINE_BITS = 40  # an origin is (file number << 40) | line number
INITIAL_SLOTS = 1 << 12


@dataclass(frozen=True)
class FirstSeen:
    """Where a key was first accepted, and whether the later row repeats it exactly."""

    source_file: str
    line_number: int
    same_values: bool


class KeyLedger:
    """First accepted occurrence of each key: ``claim`` answers None for a new key."""

    def __init__(self, slots: int = INITIAL_SLOTS) -> None:
        self._allocate(slots)
        self._files: list[str] = []
        self._file_numbers: dict[str, int] = {}
        self.keys = 0

    def _allocate(self, slots: int) -> None:
        self._mask = slots - 1
        self._key_hashes = array("Q", [0]) * slots  # 0 marks an empty slot
        self._origins = array("Q", [0]) * slots
        self._value_hashes = array("Q", [0]) * slots

    def claim(
        self, key: tuple, values: tuple, source_file: str, line_number: int
    ) -> FirstSeen | None:
        """Record ``key`` as first seen here, or say where it was first seen."""
        key_hash = (hash(key) & MASK_64) or 1
        value_hash = hash(values) & MASK_64
        key_hashes, mask = self._key_hashes, self._mask
        slot = key_hash & mask
        while key_hashes[slot]:
            if key_hashes[slot] == key_hash:
                origin = self._origins[slot]
                return FirstSeen(
                    source_file=self._files[origin >> LINE_BITS],
                    line_number=origin & ((1 << LINE_BITS) - 1),
                    same_values=self._value_hashes[slot] == value_hash,
                )
            slot = (slot + 1) & mask
        if source_file not in self._file_numbers:
            self._file_numbers[source_file] = len(self._files)
            self._files.append(source_file)
        key_hashes[slot] = key_hash
        self._origins[slot] = (self._file_numbers[source_file] << LINE_BITS) | line_number
        self._value_hashes[slot] = value_hash
        self.keys += 1
        if self.keys * 4 > (self._mask + 1) * 3:
            self._grow()
        return None

    def _grow(self) -> None:
        """Twice the slots; every entry is placed again (amortised O(1) per key)."""
        old = (self._key_hashes, self._origins, self._value_hashes)
        self._allocate((self._mask + 1) * 2)
        mask = self._mask
        for key_hash, origin, value_hash in zip(*old, strict=True):
            if key_hash:
                slot = key_hash & mask
                while self._key_hashes[slot]:
                    slot = (slot + 1) & mask
                self._key_hashes[slot] = key_hash
                self._origins[slot] = origin
                self._value_hashes[slot] = value_hash
