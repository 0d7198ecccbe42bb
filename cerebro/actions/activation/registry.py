"""Which module builds each destination's client, and the secrets it is given.

A destination is named in three places that must agree: a tenant's ``destinations:`` block,
the CLI's ``--destination`` and the client's ``name``. The one list of them is the tenants
file's schema (``cerebro.tenants.DESTINATION_SETTINGS``, on the ground floor, which checks a
file against it); the table below says which module builds each. A client module is imported
only when its destination is used, so that a tenant without WhatsApp never loads (nor needs
the dependencies of) the WhatsApp client.

Secrets are read from the environment variables the tenants file names, all of them before
the client is built: a missing one stops the activation with one line naming the variable
and the tenant, before any vendor call.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping

from cerebro.actions.activation.destination import Destination, DestinationFactory
from cerebro.actions.activation.errors import ActivationError
from cerebro.tenants import DESTINATION_SETTINGS
from cerebro.yaml_schema import suggestion

#: Destination name -> ``"module:function"`` building its client (``DestinationFactory``): the
#: module of each destination the tenants file accepts (``cerebro.tenants.DESTINATION_SETTINGS``,
#: the one list of names) is named after it.
DESTINATIONS: dict[str, str] = {
    name: f"cerebro.actions.activation.destinations.{name}:from_config"
    for name in DESTINATION_SETTINGS
}


def check_name(name: str) -> str:
    """``name`` if it is a destination Cerebro has, else one line naming them."""
    if name not in DESTINATIONS:
        raise ActivationError(
            f"unknown destination {name!r}{suggestion(name, DESTINATIONS)}; "
            f"known: {', '.join(sorted(DESTINATIONS))}"
        )
    return name


def _module(name: str):
    return importlib.import_module(DESTINATIONS[check_name(name)].partition(":")[0])


def factory(name: str) -> DestinationFactory:
    """The function that builds ``name``'s client from settings and secrets."""
    return getattr(_module(name), DESTINATIONS[name].partition(":")[2])


def destination_class(name: str) -> type:
    """The client class of ``name``, found without building it (a dry run needs its
    ``consent`` and ``one_shot`` but may have no secrets): the class of the module whose
    ``name`` is the destination's."""
    module = _module(name)
    for value in vars(module).values():
        named = isinstance(value, type) and getattr(value, "name", None) == name
        if named and callable(getattr(value, "sync", None)):
            return value
    raise LookupError(f"{module.__name__} has no class whose name is {name!r}")


def missing_secrets(secrets: Mapping[str, str], environ: Mapping[str, str]) -> list[str]:
    """The environment variables named under ``secrets:`` that are unset or empty."""
    return sorted({variable for variable in secrets.values() if not environ.get(variable)})


def read_secrets(
    tenant_id: str, name: str, secrets: Mapping[str, str], environ: Mapping[str, str]
) -> dict[str, str]:
    """``{setting: value}`` read from the named variables; one line if any is missing."""
    missing = missing_secrets(secrets, environ)
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise ActivationError(
            f"environment variable{plural} {', '.join(missing)} not set: tenant {tenant_id}'s "
            f"{name} destination reads its secrets from {'them' if plural else 'it'} "
            "(tenants file, destinations." + name + ".secrets); nothing was sent"
        )
    return {setting: environ[variable] for setting, variable in secrets.items()}


def build(
    tenant_id: str,
    name: str,
    settings: Mapping[str, object],
    secrets: Mapping[str, str],
    environ: Mapping[str, str] | None = None,
) -> Destination:
    """``name``'s client for one tenant, its secrets read from ``environ`` (default: the
    process environment) before anything else."""
    values = read_secrets(tenant_id, name, secrets, os.environ if environ is None else environ)
    return factory(name)(settings, values)
