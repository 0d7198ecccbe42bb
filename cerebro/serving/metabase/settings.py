"""Where Metabase is and how to log in, from environment variables.

Secrets (the admin password, the API key, the warehouse reader's password) are fields with
``repr=False`` so that printing or logging the settings never shows them.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from cerebro.settings import read_env_file


class MetabaseSettingsError(ValueError):
    """A setting is missing or malformed; the message names the environment variable."""


@dataclass(frozen=True)
class WarehouseConnection:
    """How *Metabase* reaches the warehouse: a read-only role that sees the marts only."""

    host: str
    port: int
    database: str
    user: str
    password: str = field(repr=False, default="")
    schema: str = "marts"
    #: The name the database gets in Metabase (and the key provisioning finds it by).
    display_name: str = "Cerebro"
    #: Where the password comes from, for messages (never the password itself).
    password_variable: str = "METABASE_WAREHOUSE_PASSWORD"


@dataclass(frozen=True)
class MetabaseSettings:
    url: str
    admin_email: str | None = None
    admin_password: str | None = field(repr=False, default=None)
    api_key: str | None = field(repr=False, default=None)
    #: Where `apply` keeps the API key it creates (read back by later runs).
    api_key_file: Path | None = None
    site_name: str = "Cerebro"
    site_locale: str = "es"
    warehouse: WarehouseConnection | None = None
    sync_timeout_seconds: float = 300.0
    #: ``METABASE_TENANT_<ID>_USER`` / ``_PASSWORD`` as set, by variable name.
    tenant_logins: dict[str, str] = field(repr=False, default_factory=dict)

    @property
    def secrets(self) -> list[str]:
        """Values that must never appear in output (error messages are scrubbed of them)."""
        values = [self.admin_password, self.api_key]
        if self.warehouse is not None:
            values.append(self.warehouse.password)
        values += [v for name, v in self.tenant_logins.items() if name.endswith("_PASSWORD")]
        return [value for value in values if value]

    def tenant_connection(self, tenant_id: str) -> WarehouseConnection:
        """How Metabase reaches the warehouse for one tenant: the host, port, database and
        schema of the all-tenant reader, logged in as the tenant's row-level-security role
        (``cerebro security create-tenant-role``)."""
        base = self.warehouse or WarehouseConnection("localhost", 5432, "cerebro", "")
        user_var, password_var = tenant_login_variables(tenant_id)
        return WarehouseConnection(
            host=base.host,
            port=base.port,
            database=base.database,
            user=self.tenant_logins.get(user_var) or default_tenant_role(tenant_id),
            password=self.tenant_logins.get(password_var, ""),
            schema=base.schema,
            display_name=f"{base.display_name} · {tenant_id}",
            password_variable=password_var,
        )

    def group_connection(self, tenant_id: str, group: str) -> WarehouseConnection:
        """How Metabase reaches the warehouse for one of a tenant's asking groups (decision
        0075): as the tenant's connection, logged in as the group's login (``cerebro security
        bootstrap``), whose insert policy takes only the group's kinds of request."""
        tenant = self.tenant_connection(tenant_id)
        user_var, password_var = group_login_variables(tenant_id, group)
        return dataclasses.replace(
            tenant,
            user=self.tenant_logins.get(user_var) or default_group_role(tenant_id, group),
            password=self.tenant_logins.get(password_var, ""),
            display_name=f"{tenant.display_name} · {group}",
            password_variable=password_var,
        )

    def stored_api_key(self) -> str | None:
        """The API key: ``METABASE_API_KEY``, else the content of ``METABASE_API_KEY_FILE``."""
        if self.api_key:
            return self.api_key
        if self.api_key_file is not None and self.api_key_file.is_file():
            return self.api_key_file.read_text(encoding="utf-8").strip() or None
        return None


#: Tenant logins for Metabase: METABASE_TENANT_CASAFACIL_CL_USER and _PASSWORD.
TENANT_LOGIN_PREFIX = "METABASE_TENANT_"


def tenant_login_variables(tenant_id: str) -> tuple[str, str]:
    """The environment variables holding a tenant role's name and password."""
    stem = f"{TENANT_LOGIN_PREFIX}{tenant_id.upper()}"
    return f"{stem}_USER", f"{stem}_PASSWORD"


def group_login_variables(tenant_id: str, group: str) -> tuple[str, str]:
    """The environment variables holding the name and password of the login of one of a
    tenant's Metabase groups (a role of access.yml that asks requests, decision 0075)."""
    stem = f"{TENANT_LOGIN_PREFIX}{tenant_id.upper()}_{group.upper()}"
    return f"{stem}_USER", f"{stem}_PASSWORD"


def default_group_role(tenant_id: str, group: str) -> str:
    """The login of a tenant's group: ``casafacil_cl_marketing``."""
    return f"{tenant_id}_{group}"


def default_tenant_role(tenant_id: str) -> str:
    """The tenant's role name when ``METABASE_TENANT_<ID>_USER`` is not set."""
    return f"{tenant_id}_reader"


def _integer(environ, name: str, default: int) -> int:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise MetabaseSettingsError(f"{name} must be an integer, got {raw!r}") from None


def _warehouse(environ) -> WarehouseConnection:
    """Metabase's warehouse connection; host, port and database default to Cerebro's own
    (``CEREBRO_PG_*``), the user to ``metabase_reader``."""
    return WarehouseConnection(
        host=environ.get("METABASE_WAREHOUSE_HOST") or environ.get("CEREBRO_PG_HOST", "localhost"),
        port=_integer(
            environ, "METABASE_WAREHOUSE_PORT", _integer(environ, "CEREBRO_PG_PORT", 5432)
        ),
        database=environ.get("METABASE_WAREHOUSE_DATABASE")
        or environ.get("CEREBRO_PG_DATABASE", "cerebro"),
        user=environ.get("METABASE_WAREHOUSE_USER", "metabase_reader"),
        password=environ.get("METABASE_WAREHOUSE_PASSWORD", ""),
        schema=environ.get("METABASE_WAREHOUSE_SCHEMA", "marts"),
        display_name=environ.get("METABASE_DATABASE_NAME", "Cerebro"),
    )


#: An env file of tenant passwords (`cerebro security bootstrap` writes it in the compose
#: stack); a variable set in the environment wins over the file's.
TENANT_LOGINS_FILE_VARIABLE = "METABASE_TENANT_LOGINS_FILE"


def _tenant_logins(env) -> dict[str, str]:
    path = env.get(TENANT_LOGINS_FILE_VARIABLE)
    kept = read_env_file(Path(path)) if path else {}
    return {
        name: value
        for name, value in {**kept, **env}.items()
        if name.startswith(TENANT_LOGIN_PREFIX) and name.endswith(("_USER", "_PASSWORD"))
    }


def offline_settings(environ: dict[str, str] | None = None) -> MetabaseSettings:
    """The connection settings alone, for ``plan --offline``: no Metabase URL is needed."""
    env = os.environ if environ is None else environ
    return MetabaseSettings(
        url=(env.get("METABASE_URL") or "(offline)").rstrip("/"),
        warehouse=_warehouse(env),
        tenant_logins=_tenant_logins(env),
    )


def load_metabase_settings(environ: dict[str, str] | None = None) -> MetabaseSettings | None:
    """Settings from ``environ`` (default: the process environment), or None when
    ``METABASE_URL`` is not set (Metabase is optional: the embedded demo runs without it)."""
    env = os.environ if environ is None else environ
    url = (env.get("METABASE_URL") or "").strip().rstrip("/")
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise MetabaseSettingsError(f"METABASE_URL must start with http:// or https://: {url!r}")
    key_file = env.get("METABASE_API_KEY_FILE")
    return MetabaseSettings(
        url=url,
        admin_email=env.get("METABASE_ADMIN_EMAIL") or None,
        admin_password=env.get("METABASE_ADMIN_PASSWORD") or None,
        api_key=env.get("METABASE_API_KEY") or None,
        api_key_file=Path(key_file) if key_file else None,
        site_name=env.get("METABASE_SITE_NAME", "Cerebro"),
        site_locale=env.get("METABASE_SITE_LOCALE", "es"),
        warehouse=_warehouse(env),
        sync_timeout_seconds=float(_integer(env, "METABASE_SYNC_TIMEOUT_SECONDS", 300)),
        tenant_logins=_tenant_logins(env),
    )
