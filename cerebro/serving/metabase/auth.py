"""Logging in: first-user setup when Metabase is new, a session or an API key, and the API key
that later runs (the Dagster asset) use instead of the admin password.

Metabase endpoints: ``GET /api/session/properties`` (``has-user-setup``, ``setup-token``),
``POST /api/setup``, ``POST /api/session``, ``GET /api/user/current``,
``GET /api/permissions/group``, ``GET/POST /api/api-key``, ``PUT /api/api-key/:id/regenerate``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from cerebro.serving.metabase.client import MetabaseAuthError, MetabaseClient, MetabaseError
from cerebro.serving.metabase.settings import MetabaseSettings

#: The name of the API key provisioning creates (one key, regenerated when its file is lost).
API_KEY_NAME = "Cerebro provisioning"
#: Metabase's built-in admin group; API keys act with their group's permissions.
ADMIN_GROUP = "Administrators"


@dataclass
class Connection:
    """An authenticated client and what logging in did."""

    client: MetabaseClient
    #: Metabase had no user yet (on a dry run nothing could be read: everything is new).
    needs_setup: bool = False
    set_up: bool = False
    api_key_saved: bool = False
    notes: list[str] = field(default_factory=list)


def _require_admin(settings: MetabaseSettings, why: str) -> tuple[str, str]:
    if not (settings.admin_email and settings.admin_password):
        raise MetabaseError(
            f"{why}: set METABASE_ADMIN_EMAIL and METABASE_ADMIN_PASSWORD "
            "(or METABASE_API_KEY for an instance that is already set up)"
        )
    return settings.admin_email, settings.admin_password


def _set_up_first_user(client: MetabaseClient, settings: MetabaseSettings, token: str) -> str:
    email, password = _require_admin(settings, "Metabase has no admin yet")
    answer = client.post(
        "/api/setup",
        {
            "token": token,
            "user": {
                "email": email,
                "password": password,
                "first_name": settings.site_name,
                "last_name": "Admin",
            },
            "prefs": {"site_name": settings.site_name, "site_locale": settings.site_locale},
        },
    )
    return answer["id"]


def _log_in(client: MetabaseClient, settings: MetabaseSettings) -> str:
    email, password = _require_admin(settings, "no working API key")
    return client.post("/api/session", {"username": email, "password": password})["id"]


def _write_secret(path: Path, value: str) -> None:
    """Write ``value`` readable by the owner only (the file is created 0600, not chmod-ed
    after the fact, so the key is never readable by others even for an instant)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")


def _issue_api_key(client: MetabaseClient, path: Path) -> None:
    """Create the provisioning API key in the admin group, or regenerate it when it exists
    (Metabase shows a key only once: a lost file cannot be recovered otherwise)."""
    groups = client.get("/api/permissions/group")
    admin = next((g for g in groups if g.get("name") == ADMIN_GROUP), None)
    if admin is None:
        raise MetabaseError(f"Metabase has no {ADMIN_GROUP!r} group to give the API key")
    existing = next((k for k in client.get("/api/api-key") if k.get("name") == API_KEY_NAME), None)
    if existing is None:
        answer = client.post("/api/api-key", {"name": API_KEY_NAME, "group_id": admin["id"]})
    else:
        answer = client.put(f"/api/api-key/{existing['id']}/regenerate", {})
    _write_secret(path, answer["unmasked_key"])


def connect(settings: MetabaseSettings, *, dry_run: bool = False) -> Connection:
    """An authenticated client. With a stored API key that works, nothing else happens.
    Otherwise: first-user setup when Metabase has no user (not on a dry run), else a session
    login; then, when ``METABASE_API_KEY_FILE`` is set, an API key is issued into that file."""
    client = MetabaseClient(settings.url, secrets=settings.secrets)
    connection = Connection(client)
    key = settings.stored_api_key()
    if key:
        client.use_api_key(key)
        try:
            client.get("/api/user/current")
            return connection
        except MetabaseAuthError:
            if not (settings.admin_email and settings.admin_password):
                raise
            connection.notes.append("the stored API key was rejected; logged in as the admin")
            client = connection.client = MetabaseClient(settings.url, secrets=settings.secrets)
    properties = client.get("/api/session/properties")
    if not properties.get("has-user-setup"):
        if dry_run:
            connection.needs_setup = True
            return connection
        client.use_session(_set_up_first_user(client, settings, properties["setup-token"]))
        connection.set_up = True
    else:
        client.use_session(_log_in(client, settings))
    if settings.api_key_file is not None and not dry_run:
        _issue_api_key(client, settings.api_key_file)
        connection.api_key_saved = True
    return connection
