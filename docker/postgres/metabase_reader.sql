-- Metabase's login to the warehouse: a read-only role that sees the marts schema and nothing
-- else (no raw_*, staging, intermediate or ml). Run with psql, connected to the warehouse
-- database as a role allowed to create roles (the compose stack's init does this):
--
--   psql -v reader=metabase_reader -v reader_password=... -v owner=cerebro -v schema=marts \
--        -f docker/postgres/metabase_reader.sql
--
-- owner is the role that builds the marts (dbt's user): the default privileges below give
-- the reader every table and view it creates later, so dbt rebuilding a mart (a new table)
-- never loses Metabase's access. Re-running the script is harmless (it also resets the
-- password). Values arrive as psql variables: :'x' is a quoted literal, :"x" an identifier.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN', :'reader')
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'reader') \gexec

SELECT format(
    'ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L',
    :'reader', :'reader_password'
) \gexec

-- Belt and braces: even a mistaken grant would not let Metabase write.
ALTER ROLE :"reader" SET default_transaction_read_only = on;

SELECT format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', :'schema', :'owner') \gexec

SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'reader') \gexec
GRANT USAGE ON SCHEMA :"schema" TO :"reader";
GRANT SELECT ON ALL TABLES IN SCHEMA :"schema" TO :"reader";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA :"schema" GRANT SELECT ON TABLES TO :"reader";
