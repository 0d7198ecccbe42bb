"""``ops.action_requests``: what a tenant asks the platform to do from Metabase, one row per
request (docs/decisions/0063-requests-from-metabase-under-row-level-security.md).

A Metabase action on the tenant's own connection (its row-level-security role, decision 0030)
inserts a row; the Dagster sensor claims it, runs it with the command line's code and writes
the outcome back. What a tenant may ask is held by the table itself:

- **CHECK constraints** name the kinds, the states, and each kind's parameters (a scenario
  needs a name, a positive budget and 1..365 days; a segment sync a segment and a destination;
  an experiment a channel, its start no later than its end, a lift, a standard error above 0
  and a target).
- **Column grants**: the tenant group may insert the request's own columns only, so a tenant
  cannot write a state, a result, who asked or when; the defaults do.
- **Row-level security**: a tenant role inserts rows of its own tenant only (``with check``)
  and reads its own tenant's rows only, through the same mapping as the marts
  (``tenant_access.tenant_ids_of``); it can neither update nor delete.
- **Which kinds a login may ask** (decision 0075): each role of ``metabase/access.yml`` that
  asks anything has its own login per tenant, mapped with its kinds
  (``ops.tenant_roles.request_kinds``); the insert policy lets a login insert only those, and
  the trigger says so in Spanish. A tenant's reader (NULL kinds) may ask every kind.
- **One pending request per question**: a unique index over the kind and parameters of the
  requests still queued or running, so a double click inserts one row (PostgreSQL only; on
  DuckDB, the embedded default with no Metabase writing to it, ``submit`` checks the same).
"""

from __future__ import annotations

import hashlib

from psycopg import sql

from cerebro.serving.security.policies import (
    ACCESS_SCHEMA,
    MAPPING_SCHEMA,
    MAPPING_STATEMENTS,
    MAPPING_TABLE,
    READABLE_POLICY,
    REQUEST_KINDS_FUNCTION,
    TENANT_IDS_FUNCTION,
    TENANT_READER_GROUP,
    hold_setup_lock,
)
from cerebro.warehouse import Warehouse

SCHEMA, TABLE = "ops", "action_requests"
NAME = f"{SCHEMA}.{TABLE}"
SAVE_SCENARIO = "guardar_escenario"
SYNC_SEGMENT = "sincronizar_segmento"
STOP_ACTIVATION = "detener_activacion"
ALERT = "alerta"
REGISTER_EXPERIMENT = "registrar_experimento"
WITHDRAW_EXPERIMENT = "retirar_experimento"
KINDS = (SAVE_SCENARIO, SYNC_SEGMENT, STOP_ACTIVATION, ALERT, REGISTER_EXPERIMENT,
         WITHDRAW_EXPERIMENT)  # fmt: skip
#: Where an alert asked from Metabase may go (mapped to the alerts file's channels).
ALERT_CHANNELS = ("email", "slack", "whatsapp")
#: How an alert compares its metric with the threshold (the alerts file's words).
ALERT_COMPARISONS = ("above", "at_or_above", "below", "at_or_below")
#: Which model an experiment calibrates (``ml_assets/mmm/lift_tests.py``'s targets).
EXPERIMENT_TARGETS = ("revenue", "new_customers")
QUEUED, RUNNING, DONE, REFUSED, FAILED = "queued", "running", "done", "refused", "failed"
STATES = (QUEUED, RUNNING, DONE, REFUSED, FAILED)
PENDING = (QUEUED, RUNNING)
#: What a tenant writes; everything else has a default or is the sensor's.
REQUEST_COLUMNS = (
    "tenant_id",
    "kind",
    "scenario_name",
    "budget_amount",
    "period_days",
    "segment",
    "destination",
    "preview",
    "alert_name",
    "metric",
    "comparison",
    "threshold",
    "channel",
    "start_date",
    "end_date",
    "lift",
    "standard_error",
    "target",
    "experiment_request_id",
)
#: The columns that tell two requests apart (a double click repeats all of them).
PARAMETER_COLUMNS = REQUEST_COLUMNS[2:]
#: Longest free text a request may carry (names of scenarios, segments, alerts).
MAX_TEXT = 120
MAX_PERIOD_DAYS = 365

INSERT_POLICY = "cerebro_tenant_requests_insert"
EXPLAIN_FUNCTION, EXPLAIN_TRIGGER = "explain_refused_request", "action_requests_explained"
ISOLATION_POLICY = "cerebro_tenant_requests_isolation"
# Versioned: the index is over the parameter columns, and a table made before a column
# existed gets the new index (the old one is dropped).
PENDING_INDEX = "action_requests_one_pending_v4"
_OLD_PENDING_INDEXES = (
    "action_requests_one_pending",
    "action_requests_one_pending_v2",
    "action_requests_one_pending_v3",
)


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _text(column: str) -> str:
    return f"{column} is not null and length({column}) between 1 and {MAX_TEXT}"


_ALERT_COLUMNS = ("metric", "comparison", "threshold", "channel")
_EXPERIMENT_COLUMNS = ("start_date", "end_date", "lift", "standard_error", "target")
#: Each kind's parameters (every other parameter column stays empty).
_KIND_COLUMNS = {
    SAVE_SCENARIO: ("scenario_name", "budget_amount", "period_days"),
    SYNC_SEGMENT: ("segment", "destination", "preview"),
    STOP_ACTIVATION: ("segment", "destination", "preview"),
    ALERT: ("alert_name", *_ALERT_COLUMNS),
    REGISTER_EXPERIMENT: ("channel", *_EXPERIMENT_COLUMNS),
    WITHDRAW_EXPERIMENT: ("experiment_request_id",),
}
#: Each kind's rules, a condition on the row (``{r}`` before each column: nothing in the
#: CHECK, ``new.`` in the trigger) and what a marketer reads in Metabase when it fails. One
#: home for both: the trigger explains in Spanish, the CHECK holds if the trigger is gone.
_KIND_RULES_EXPLAINED: dict[str, tuple[tuple[str, str], ...]] = {
    SAVE_SCENARIO: (
        (_text("{r}scenario_name"), f"El escenario necesita un nombre (de 1 a {MAX_TEXT} letras)."),
        ("{r}budget_amount is not null and {r}budget_amount > 0",
         "El presupuesto debe ser un monto mayor que cero."),
        (f"{{r}}period_days is not null and {{r}}period_days between 1 and {MAX_PERIOD_DAYS}",
         f"El período debe tener de 1 a {MAX_PERIOD_DAYS} días."),
    ),
    SYNC_SEGMENT: (
        (_text("{r}segment"), "Elija el segmento."),
        (_text("{r}destination"), "Elija el destino."),
        ("{r}preview is not null", "Diga si es una vista previa o la sincronización."),
    ),
    STOP_ACTIVATION: (
        (_text("{r}segment"), "Elija el segmento."),
        (_text("{r}destination"), "Elija el destino."),
        ("{r}preview is null", "Detener una activación no lleva vista previa."),
    ),
    ALERT: (
        (_text("{r}alert_name"), f"La alerta necesita un nombre (de 1 a {MAX_TEXT} letras)."),
        (_text("{r}metric"), "Elija la métrica de la alerta."),
        ("{r}threshold is not null", "Escriba el umbral de la alerta."),
        (f"{{r}}comparison in ({_in(ALERT_COMPARISONS)})",
         "La comparación debe ser una de: " + ", ".join(ALERT_COMPARISONS) + "."),
        (f"{{r}}channel in ({_in(ALERT_CHANNELS)})",
         "El canal debe ser uno de: " + ", ".join(ALERT_CHANNELS) + "."),
    ),
    REGISTER_EXPERIMENT: (
        (_text("{r}channel"), "Escriba el canal del experimento."),
        ("{r}start_date is not null and {r}end_date is not null",
         "Escriba el inicio y el fin del experimento."),
        ("{r}start_date <= {r}end_date",
         "El inicio del experimento no puede ser posterior a su fin."),
        ("{r}lift is not null", "Escriba el efecto medido (lift) del experimento."),
        ("{r}standard_error is not null and {r}standard_error > 0",
         "El error estándar debe ser mayor que cero."),
        (f"{{r}}target in ({_in(EXPERIMENT_TARGETS)})",
         "El objetivo debe ser uno de: " + ", ".join(EXPERIMENT_TARGETS) + "."),
    ),
    # The experiment is named by the request that registered it (its number in Solicitudes).
    WITHDRAW_EXPERIMENT: (
        ("{r}experiment_request_id is not null and {r}experiment_request_id > 0",
         "Escriba el número de la solicitud que registró el experimento."),
    ),
}  # fmt: skip
_OTHER_PARAMETERS = "La solicitud trae datos que no corresponden a su tipo."


def _none(*columns: str, row: str = "") -> str:
    return " and ".join(f"{row}{column} is null" for column in columns)


def _others(kind: str, row: str = "") -> str:
    """Every parameter column but ``kind``'s is empty."""
    mine = _KIND_COLUMNS[kind]
    return _none(*(column for column in PARAMETER_COLUMNS if column not in mine), row=row)


#: Each kind's parameters, and nothing of the others'.
_KIND_RULES = " or ".join(
    f"(kind = '{kind}' and "
    + " and ".join(condition.format(r="") for condition, _ in rules)
    + f" and {_others(kind)})"
    for kind, rules in _KIND_RULES_EXPLAINED.items()
)


_KINDS_OF = f"{ACCESS_SCHEMA}.{REQUEST_KINDS_FUNCTION}"
# SECURITY DEFINER as tenant_ids_of (rls.py): a tenant login cannot read the mapping. NULL
# for a role outside the mapping (the owner, the sensor: the trigger lets them by), every kind
# for a mapped role without a list (a tenant's reader), else the role's list.
_KINDS_FUNCTION_SQL = (
    f"""create or replace function {_KINDS_OF}(role_name name)
    returns text[]
    language sql stable security definer
    set search_path = pg_catalog, pg_temp
    as $$
        select coalesce(mapping.request_kinds, array[{_in(KINDS)}]::text[])
        from {MAPPING_SCHEMA}.{MAPPING_TABLE} as mapping
        where mapping.role_name = {REQUEST_KINDS_FUNCTION}.role_name
          and pg_has_role(session_user, {REQUEST_KINDS_FUNCTION}.role_name, 'MEMBER')
    $$""",
    f"revoke all on function {_KINDS_OF}(name) from public",
)


def _raise(message: str) -> str:
    return f"raise exception using errcode = 'check_violation', message = '{message}';"


def _explaining_trigger_sql() -> str:
    """A BEFORE INSERT trigger refusing what the CHECK refuses, with the first broken rule in
    Spanish: Metabase shows a query action's database error as "Error executing Action:
    <message>" (``src/metabase/actions/execution.clj``), and a CHECK's message names only the
    constraint."""
    kinds = ", ".join(KINDS)
    # A login of a role that may not ask this kind (a quoted literal: the kind is the row's).
    refused_kind = (
        "raise exception using errcode = 'insufficient_privilege', message = "
        "case when cardinality(allowed) = 0 then 'Su grupo no puede pedir solicitudes desde "
        "Metabase.' else 'Su grupo no puede pedir «' || new.kind || '»; puede pedir: ' || "
        "array_to_string(allowed, ', ') || '.' end;"
    )
    branches = [
        f"allowed := {_KINDS_OF}(current_user);\n    "
        f"if new.kind in ({_in(KINDS)}) and allowed is not null "
        f"and not (new.kind = any (allowed)) then {refused_kind} end if;"
    ]
    for kind, rules in _KIND_RULES_EXPLAINED.items():
        checks = "".join(
            f"\n        if not coalesce(({condition.format(r='new.')}), false) then "
            f"{_raise(message)} end if;"
            for condition, message in rules
        )
        checks += (
            f"\n        if not ({_others(kind, row='new.')}) then {_raise(_OTHER_PARAMETERS)} "
            "end if;"
        )
        branches.append(f"if new.kind = '{kind}' then{checks}\n        return new;\n    end if;")
    body = "\n    ".join(branches)
    return f"""create or replace function {SCHEMA}.{EXPLAIN_FUNCTION}() returns trigger
language plpgsql as $explain$
declare
    allowed text[];
begin
    {body}
    {_raise(f"Tipo de solicitud desconocido: debe ser uno de {kinds}.")}
end
$explain$"""


_CHECKS = (
    f"constraint action_requests_kind check (kind in ({_in(KINDS)}))",
    f"constraint action_requests_state check (state in ({_in(STATES)}))",
    f"constraint action_requests_parameters check ({_KIND_RULES})",
    # A finished request has its result; a queued one has none yet.
    "constraint action_requests_outcome check ("
    f"(state in ({_in(PENDING)}) and finished_at is null) "
    f"or (state not in ({_in(PENDING)}) and finished_at is not null and result is not null))",
)


def _ddl(identity: str, requested_by: str, now: str) -> str:
    return f"""create table if not exists {SCHEMA}.{TABLE} (
        request_id {identity},
        tenant_id text not null,
        kind text not null,
        scenario_name text,
        budget_amount numeric(18, 2),
        period_days integer,
        segment text,
        destination text,
        preview boolean,
        alert_name text,
        metric text,
        comparison text,
        threshold double precision,
        channel text,
        start_date date,
        end_date date,
        lift double precision,
        standard_error double precision,
        target text,
        experiment_request_id bigint,
        requested_by text {requested_by},
        requested_at timestamp not null default {now},
        state text not null default '{QUEUED}',
        started_at timestamp,
        heartbeat_at timestamp,
        attempts integer not null default 0,
        finished_at timestamp,
        result text,
        {", ".join(_CHECKS)}
    )"""


_POSTGRES_DDL = _ddl(
    "bigint generated always as identity primary key",
    "not null default current_user",
    "(now() at time zone 'UTC')",
)
# DuckDB: no identity columns (a sequence instead), no current_user (the caller says who).
_DUCKDB_SEQUENCE = f"create sequence if not exists {SCHEMA}.action_request_ids"
_DUCKDB_DDL = _ddl(
    f"bigint primary key default nextval('{SCHEMA}.action_request_ids')",
    "not null",
    "current_timestamp::timestamp",
)
_DATE_COLUMNS = ("start_date", "end_date")


def _as_text(column: str) -> str:
    # An index expression must be immutable: a date's text follows the session's DateStyle
    # (PostgreSQL refuses date::text here), its distance in days from a fixed day does not.
    if column in _DATE_COLUMNS:
        return f"({column} - date '2000-01-01')::text"
    return f"{column}::text"


# Coalesced: a unique index treats NULLs as distinct, and most parameters are NULL.
_PENDING_INDEX_SQL = (
    f"create unique index if not exists {PENDING_INDEX} on {SCHEMA}.{TABLE} (tenant_id, kind, "
    + ", ".join(f"coalesce({_as_text(column)}, '')" for column in PARAMETER_COLUMNS)
    + f") where state in ({_in(PENDING)})"
)
#: Columns added after the table's first release: a table made before gets them.
_ADDED_COLUMNS = (
    ("metric", "text"),
    ("comparison", "text"),
    ("threshold", "double precision"),
    ("channel", "text"),
    ("heartbeat_at", "timestamp"),
    ("attempts", "integer not null default 0"),
    ("start_date", "date"),
    ("end_date", "date"),
    ("lift", "double precision"),
    ("standard_error", "double precision"),
    ("target", "text"),
    ("experiment_request_id", "bigint"),
)
_ADD_COLUMNS = [
    f"alter table {SCHEMA}.{TABLE} add column if not exists {column} {kind}"
    for column, kind in _ADDED_COLUMNS
]
_TENANT_QUAL = (
    f"tenant_id = any ((select {ACCESS_SCHEMA}.{TENANT_IDS_FUNCTION}(current_user))::text[])"
)
# What the login may ask (NULL for an unmapped member of the group: nothing).
_KIND_QUAL = f"kind = any ((select {_KINDS_OF}(current_user))::text[])"


#: The constraints put back on every setup (see below), by name.
_RULE_CONSTRAINTS = (
    ("action_requests_kind", f"kind in ({_in(KINDS)})"),
    ("action_requests_parameters", _KIND_RULES),
)
#: The request table's setup, in order: the table and its columns, its rules, its pending
#: index, the mapping its policies read, the kinds function and the explaining trigger.
_SETUP_STATEMENTS = (
    f"create schema if not exists {SCHEMA}",
    _POSTGRES_DDL,
    *_ADD_COLUMNS,
    # The kinds' rules change as kinds are added: the constraint is put back as this code
    # says (a table made by an older release refuses the new kinds otherwise). NOT VALID:
    # new rows are checked, and rows written under the old rules (an alert asked before
    # alerts had a metric, refused then) are kept as they were.
    *(
        statement
        for name, check in _RULE_CONSTRAINTS
        for statement in (
            f"alter table {SCHEMA}.{TABLE} drop constraint if exists {name}",
            f"alter table {SCHEMA}.{TABLE} add constraint {name} check ({check}) not valid",
        )
    ),
    *(f"drop index if exists {SCHEMA}.{old}" for old in _OLD_PENDING_INDEXES),
    _PENDING_INDEX_SQL,
    *MAPPING_STATEMENTS,
    *_KINDS_FUNCTION_SQL,
    _explaining_trigger_sql(),
    f"create or replace trigger {EXPLAIN_TRIGGER} before insert on {SCHEMA}.{TABLE} "
    f"for each row execute function {SCHEMA}.{EXPLAIN_FUNCTION}()",
)
#: The table's comment once this code has set it up: a digest of the setup's statements, so a
#: release that changes one sets the table up again on its first use.
_SETUP_MARK = (
    "Cerebro: what tenants ask from Metabase (decision 0063); setup "
    + hashlib.sha256("\n".join(_SETUP_STATEMENTS).encode()).hexdigest()[:16]
)


def create_table_postgres(cursor) -> None:
    """The table and its pending-request index (created if missing), through an open cursor,
    as the role that owns the warehouse."""
    for statement in _SETUP_STATEMENTS:
        cursor.execute(statement)
    cursor.execute(f"comment on table {SCHEMA}.{TABLE} is '{_SETUP_MARK}'")


def secure_requests(cursor) -> None:
    """Row-level security, policies and column grants of the request table for the tenant
    group (run by ``secure_schema`` after the access objects exist, as the owner). The
    policies are recreated each time, in the caller's transaction."""
    create_table_postgres(cursor)
    table = sql.Identifier(SCHEMA, TABLE)
    group = sql.Identifier(TENANT_READER_GROUP)
    qual = sql.SQL(_TENANT_QUAL)
    statements = [
        sql.SQL("alter table {} enable row level security").format(table),
        *(
            sql.SQL("drop policy if exists {} on {}").format(sql.Identifier(name), table)
            for name in (READABLE_POLICY, INSERT_POLICY, ISOLATION_POLICY)
        ),
        # Every role that was granted SELECT reads every row (the owner, the sensor)...
        sql.SQL("create policy {} on {} as permissive for select to public using (true)").format(
            sql.Identifier(READABLE_POLICY), table
        ),
        # ...a tenant role only its tenant's; it inserts only its tenant's, as queued.
        sql.SQL("create policy {} on {} as restrictive for all to {} using ({})").format(
            sql.Identifier(ISOLATION_POLICY), table, group, qual
        ),
        sql.SQL("create policy {} on {} as permissive for insert to {} with check ({})").format(
            sql.Identifier(INSERT_POLICY),
            table,
            group,
            sql.SQL("{} and {} and state = {} and requested_by = current_user").format(
                qual, sql.SQL(_KIND_QUAL), sql.Literal(QUEUED)
            ),
        ),
        sql.SQL("grant execute on function {}(name) to {}").format(
            sql.Identifier(ACCESS_SCHEMA, REQUEST_KINDS_FUNCTION), group
        ),
        sql.SQL("revoke all on {} from {}").format(table, group),
        sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(SCHEMA), group),
        sql.SQL("grant select on {} to {}").format(table, group),
        sql.SQL("grant insert ({}) on {} to {}").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in REQUEST_COLUMNS), table, group
        ),
    ]
    for statement in statements:
        cursor.execute(statement)


def ensure_table(warehouse: Warehouse) -> None:
    """Create the request table if it is missing, on either warehouse (on PostgreSQL without
    its tenant grants: ``apply_tenant_isolation`` adds them once a tenant role exists)."""
    with warehouse.connect() as connection:
        if warehouse.engine == "duckdb":
            connection.execute(f"create schema if not exists {SCHEMA}")
            connection.execute(_DUCKDB_SEQUENCE)
            connection.execute(_DUCKDB_DDL)
            # DuckDB cannot alter a CHECK: a table of an older release gets the new columns,
            # and its old rules stay (the sensor refuses what the new rules would).
            # (DuckDB adds no NOT NULL column with IF NOT EXISTS: only the missing ones, as
            # nullable with their default.)
            have = {
                row[0]
                for row in connection.execute(
                    "select column_name from information_schema.columns "
                    f"where table_schema = '{SCHEMA}' and table_name = '{TABLE}'"
                ).fetchall()
            }
            for column, kind in _ADDED_COLUMNS:
                if column not in have:
                    connection.execute(
                        f"alter table {SCHEMA}.{TABLE} add column {column} "
                        + kind.replace("not null ", "")
                    )
            return
        with connection.cursor() as cursor:
            # The request sensor asks every 30 seconds: a table this code already set up is
            # read as it is, with no lock taken and no function replaced.
            cursor.execute("select obj_description(to_regclass(%s), 'pg_class')", (NAME,))
            if cursor.fetchone()[0] == _SETUP_MARK:
                return
            hold_setup_lock(cursor)
            create_table_postgres(cursor)
