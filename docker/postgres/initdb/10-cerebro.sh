#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised (docker-entrypoint-initdb.d):
# one role and one database per component, and Metabase's read-only role on the warehouse.
# Passwords come from the container's environment (.env), never from this file.
set -eu
: "${CEREBRO_PG_PASSWORD:?set it in .env}"
: "${DAGSTER_PG_PASSWORD:?set it in .env}"
: "${METABASE_DB_PASSWORD:?set it in .env}"
: "${METABASE_WAREHOUSE_PASSWORD:?set it in .env}"

psql -v ON_ERROR_STOP=1 -X --username "$POSTGRES_USER" --dbname postgres \
    -v cerebro_password="$CEREBRO_PG_PASSWORD" \
    -v dagster_password="$DAGSTER_PG_PASSWORD" \
    -v metabase_password="$METABASE_DB_PASSWORD" <<'SQL'
-- cerebro builds the warehouse (Singer targets, dbt, ML assets); dagster keeps the run
-- history; metabase is Metabase's application database (questions, dashboards, users).
-- CREATEROLE: `cerebro security bootstrap` (the tenant-readers service) makes each tenant's
-- read-only role, as the marts' owner.
SELECT format('CREATE ROLE cerebro LOGIN CREATEROLE PASSWORD %L', :'cerebro_password') \gexec
SELECT format('CREATE ROLE dagster LOGIN PASSWORD %L', :'dagster_password') \gexec
SELECT format('CREATE ROLE metabase LOGIN PASSWORD %L', :'metabase_password') \gexec
CREATE DATABASE cerebro OWNER cerebro;
CREATE DATABASE dagster OWNER dagster;
CREATE DATABASE metabase OWNER metabase;
-- A database is for its owner (and the roles granted explicitly) only.
REVOKE CONNECT ON DATABASE cerebro, dagster, metabase FROM PUBLIC;
SQL

psql -v ON_ERROR_STOP=1 -X --username "$POSTGRES_USER" --dbname cerebro \
    -v reader=metabase_reader \
    -v reader_password="$METABASE_WAREHOUSE_PASSWORD" \
    -v owner=cerebro \
    -v schema=marts \
    -f /opt/cerebro/sql/metabase_reader.sql
