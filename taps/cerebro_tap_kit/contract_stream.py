"""A Singer stream of the raw contract: its schema and keys come from ``cerebro_raw_contract``.

Every tap lands the contract's tables (docs/decisions/0002), so no tap keeps a copy of a
schema or a key: a stream names its source and stream, and this mixin asks the contract.
"""

from __future__ import annotations

import typing as t

from cerebro_raw_contract import raw_stream


class ContractStream:
    """Mixin for a stream of the raw contract: ``class XStream(ContractStream, Stream)``.

    ``source`` and ``name`` are class attributes, or are set before this ``__init__`` runs
    (``name`` may also be passed, as to the SDK's ``Stream``). The schema, the primary keys and
    the replication key are the contract's. A tap that reads its whole source on every run
    sets ``full_table = True``: the same columns and keys, no bookmark.
    """

    source: str
    name: str
    full_table: t.ClassVar[bool] = False

    def __init__(self, tap, *args, **kwargs) -> None:
        contract = raw_stream(self.source, kwargs.get("name") or self.name)
        super().__init__(tap, *args, schema=contract.schema(), **kwargs)
        self.primary_keys = contract.primary_keys
        self.replication_key = None if self.full_table else contract.replication_key
