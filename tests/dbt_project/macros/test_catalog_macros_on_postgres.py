"""The project's PostgreSQL catalog macros on a real server, in a one-model dbt project that
holds only those macro files (so dbt parses it in a second):

- `postgres__persist_docs` (macros/persist_docs_when_changed.sql) writes only the comments
  that differ: a run that changes no description writes none, a changed description is
  written, and the catalog always holds the documented text;
- the on-run-start hook `index_partition_reads` (macros/index_partition_reads.sql) creates the
  (tenant_id, column) index of each column a source declares in `partition_index_columns`,
  once, again after it is lost, and skips a declared table or column that does not exist;
- the view materialization (macros/view_kept_when_unchanged.sql) keeps a view whose
  definition is unchanged (the same relation, its hooks and comments applied again) and
  creates it again when its SQL changes, when its raw table gains a column `*` expands to,
  when its upstream table was replaced, and on a full refresh."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cerebro.settings import DBT_PROJECT_DIR
from tests.support.dbt_in_process import failures, invoke

MACROS = (
    "persist_docs_when_changed.sql",
    "index_partition_reads.sql",
    "view_kept_when_unchanged.sql",
)

PROJECT = """
name: catalog_macros
version: "1.0.0"
profile: catalog_macros
on-run-start:
  - "{{ index_partition_reads() }}"
models:
  catalog_macros:
    +persist_docs: {relation: true, columns: true}
"""

PROFILE = """
catalog_macros:
  target: postgres
  outputs:
    postgres:
      type: postgres
      host: "{{ env_var('CEREBRO_PG_HOST') }}"
      port: "{{ env_var('CEREBRO_PG_PORT') | as_number }}"
      user: "{{ env_var('CEREBRO_PG_USER') }}"
      password: "{{ env_var('CEREBRO_PG_PASSWORD') }}"
      dbname: "{{ env_var('CEREBRO_PG_DATABASE') }}"
      schema: docs
      threads: 1
"""

MODEL = """
{{ config(materialized='incremental', unique_key='order_id') }}
select 1 as order_id, 'CLP' as currency, 1500.0 as "Amount"
"""


def _schema_yml(model_description: str, currency_description: str) -> str:
    return f"""
version: 2
models:
  - name: orders_documented
    description: "{model_description}"
    columns:
      - name: order_id
        description: "The order."
      - name: currency
        description: "{currency_description}"
      - name: Amount
        quote: true
        description: "A quoted, capitalised column."
      - name: not_a_column
        description: "Documented but absent: dbt warns and skips it."
"""


@pytest.fixture
def mini_project(tmp_path, postgres_server):
    project = tmp_path / "project"
    (project / "macros").mkdir(parents=True)
    (project / "models").mkdir()
    for name in MACROS:
        shutil.copy(DBT_PROJECT_DIR / "macros" / name, project / "macros" / name)
    (project / "dbt_project.yml").write_text(PROJECT)
    (project / "profiles.yml").write_text(PROFILE)
    (project / "models" / "orders_documented.sql").write_text(MODEL)
    database = postgres_server.create_database("catalog_macros")
    environ = {**os.environ, **postgres_server.cerebro_environ(database)}
    return project, environ, database


def _dbt(project: Path, environ: dict, *args: str) -> str:
    """Run dbt in the mini project (in this process: no interpreter and dbt import to pay per
    command; dbt parses the project each time, partially when a file changed, as on the
    command line); returns the debug log of this invocation."""
    log_dir = project / "logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    result = invoke([*args, "--log-level-file", "debug"], environ, project / "target",
                    project_dir=project, log_path=log_dir)  # fmt: skip
    assert result.success, failures(result)
    return (log_dir / "dbt.log").read_text()


def _comments(postgres_server, database: str) -> dict[str | None, str | None]:
    with postgres_server.connect(database) as connection:
        rows = connection.execute(
            "select attname, col_description(attrelid, attnum), "
            "obj_description(attrelid, 'pg_class') from pg_attribute "
            "where attrelid = 'docs.orders_documented'::regclass and attnum > 0"
        ).fetchall()
    return {None: rows[0][2], **{name: comment for name, comment, _ in rows}}


def _comment_statements(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.lstrip().startswith("comment on ")]


def test_docs_are_written_only_when_they_change(mini_project, postgres_server):
    project, environ, database = mini_project
    schema_file = project / "models" / "schema.yml"
    schema_file.write_text(_schema_yml("Orders, documented.", "ISO 4217 code."))

    first = _dbt(project, environ, "run")
    expected = {
        None: "Orders, documented.",
        "order_id": "The order.",
        "currency": "ISO 4217 code.",
        "Amount": "A quoted, capitalised column.",
    }
    assert _comments(postgres_server, database) == expected
    assert len(_comment_statements(first)) == 4  # the new table gets every comment

    unchanged = _dbt(project, environ, "run")  # incremental: the table and its comments stay
    assert _comment_statements(unchanged) == []
    assert _comments(postgres_server, database) == expected

    schema_file.write_text(_schema_yml("Orders, documented.", ""))
    emptied = _dbt(project, environ, "run")
    assert len(_comment_statements(emptied)) == 1
    assert _comments(postgres_server, database) == {**expected, "currency": None}

    schema_file.write_text(_schema_yml("Orders, described again.", ""))
    renamed = _dbt(project, environ, "run")
    assert len(_comment_statements(renamed)) == 1
    assert _comments(postgres_server, database)[None] == "Orders, described again."


SOURCES = """
version: 2
sources:
  - name: shop
    schema: raw_shop
    tables:
      - name: orders
        config:
          meta:
            partition_index_columns: [created_at, not_landed_column]
      - name: never_landed
        config:
          meta:
            partition_index_columns: [created_at]
"""


def _index_statements(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.lstrip().startswith("create index")]


def _partition_indexes(postgres_server, database: str) -> list[tuple[str, str]]:
    with postgres_server.connect(database) as connection:
        return connection.execute(
            "select indexname, indexdef from pg_indexes where schemaname = 'raw_shop' "
            "and indexname like '%partition%' order by 1"
        ).fetchall()


def test_partition_read_indexes_are_created_once_and_again_when_lost(mini_project, postgres_server):
    project, environ, database = mini_project
    (project / "models" / "sources.yml").write_text(SOURCES)
    with postgres_server.connect(database, autocommit=True) as connection:
        connection.execute(
            "create schema raw_shop; create table raw_shop.orders (tenant_id text, "
            "order_id text, created_at timestamp, primary key (tenant_id, order_id))"
        )
    expected = [(
        "orders__partition_created_at",
        "CREATE INDEX orders__partition_created_at ON raw_shop.orders "
        "USING btree (tenant_id, created_at)",
    )]  # fmt: skip

    first = _dbt(project, environ, "run")
    assert len(_index_statements(first)) == 1  # not the missing column, not the missing table
    assert _partition_indexes(postgres_server, database) == expected

    assert _index_statements(_dbt(project, environ, "run")) == []

    with postgres_server.connect(database, autocommit=True) as connection:
        connection.execute("drop index raw_shop.orders__partition_created_at")
    assert len(_index_statements(_dbt(project, environ, "run"))) == 1
    assert _partition_indexes(postgres_server, database) == expected


VIEWS_SCHEMA = """
version: 2
models:
  - name: orders_view
    description: "{description}"
"""

ORDERS_VIEW = """
{{{{ config(materialized='view',
            post_hook="alter view {{{{ this }}}} set (security_invoker = true)") }}}}
select *{extra} from raw_shop.orders
"""


def _view_state(postgres_server, database: str, name: str) -> tuple | None:
    """(oid, columns, options, comment) of view docs.<name>, or None when it does not exist."""
    with postgres_server.connect(database) as connection:
        return connection.execute(
            "select c.oid, array(select attname::text from pg_attribute where attrelid = c.oid "
            "and attnum > 0 order by attnum), c.reloptions, obj_description(c.oid, 'pg_class') "
            "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'docs' and c.relname = %s and c.relkind = 'v'",
            (name,),
        ).fetchone()


def test_a_view_is_kept_while_its_definition_is_unchanged(mini_project, postgres_server):
    project, environ, database = mini_project
    models = project / "models"
    (models / "orders_view.sql").write_text(ORDERS_VIEW.format(extra=""))
    (models / "views.yml").write_text(VIEWS_SCHEMA.format(description="Orders."))
    (models / "rebuilt_table.sql").write_text("{{ config(materialized='table') }} select 1 as n")
    (models / "over_table.sql").write_text(
        "{{ config(materialized='view') }} select n from {{ ref('rebuilt_table') }}"
    )
    with postgres_server.connect(database, autocommit=True) as connection:
        connection.execute(
            "create schema raw_shop; create table raw_shop.orders (order_id text, total numeric)"
        )

    def state(name="orders_view"):
        return _view_state(postgres_server, database, name)

    _dbt(project, environ, "run")
    oid, columns, options, comment = state()
    assert columns == ["order_id", "total"]
    assert (options, comment) == (["security_invoker=true"], "Orders.")
    over_table_oid = state("over_table")[0]

    with postgres_server.connect(database, autocommit=True) as connection:
        connection.execute("alter view docs.orders_view reset (security_invoker)")
    (models / "views.yml").write_text(VIEWS_SCHEMA.format(description="Orders, kept."))
    _dbt(project, environ, "run")
    assert state() == (oid, columns, options, "Orders, kept.")  # kept; hook and docs again
    # The table under this view was replaced, and the view dropped with its old version.
    assert state("over_table")[0] != over_table_oid

    (models / "orders_view.sql").write_text(ORDERS_VIEW.format(extra=", 'CLP' as currency"))
    _dbt(project, environ, "run")
    changed = state()
    assert changed[0] != oid and changed[1] == ["order_id", "total", "currency"]

    with postgres_server.connect(database, autocommit=True) as connection:
        connection.execute("alter table raw_shop.orders add column channel text")
    _dbt(project, environ, "run")
    widened = state()
    assert widened[0] != changed[0] and widened[1] == ["order_id", "total", "channel", "currency"]

    _dbt(project, environ, "run", "--full-refresh")
    rebuilt = state()
    assert rebuilt[0] != widened[0]
    assert rebuilt[1:] == (widened[1], ["security_invoker=true"], "Orders, kept.")
