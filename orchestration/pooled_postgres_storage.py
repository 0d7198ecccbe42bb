"""Dagster's PostgreSQL storage holding its connections, for every process of the stack.

dagster-postgres opens a new connection for each call of its run, event-log and schedule
storages (SQLAlchemy's ``NullPool``) except in the webserver, which asks for a pool. Every
event of a run is such a call: the production rehearsal opened 19 704 sessions on Dagster's
database, and starting and ending them cost the server more CPU than the statements themselves
(decision 0082, docs/development.md). This storage is dagster-postgres' own,
given in every process what the webserver gives itself: one connection kept per storage, more
opened for a burst of threads and closed after it. docker/dagster/dagster.yaml names it.
"""

from __future__ import annotations

from dagster._serdes import ConfigurableClassData
from dagster_postgres import DagsterPostgresStorage
from dagster_postgres.utils import get_token_provider_from_config, pg_url_from_config

#: Connections opened beyond the one kept, while threads (the daemon's) use them at once.
MAX_OVERFLOW = 10
#: A kept connection is replaced after this long, before a server or proxy drops it idle.
POOL_RECYCLE_SECONDS = 3600
#: No statement timeout (the webserver sets its own when it asks for its pool).
NO_STATEMENT_TIMEOUT = 0


class PooledPostgresStorage(DagsterPostgresStorage):
    """``DagsterPostgresStorage`` whose three storages keep one connection each."""

    def __init__(
        self,
        postgres_url: str,
        should_autocreate_tables: bool = True,
        inst_data: ConfigurableClassData | None = None,
        token_provider=None,
    ):
        super().__init__(postgres_url, should_autocreate_tables, inst_data, token_provider)
        for storage in (self._run_storage, self._event_log_storage, self._schedule_storage):
            storage.optimize_for_webserver(
                statement_timeout=NO_STATEMENT_TIMEOUT,
                pool_recycle=POOL_RECYCLE_SECONDS,
                max_overflow=MAX_OVERFLOW,
            )

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledPostgresStorage:
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )
