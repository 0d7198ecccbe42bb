"""Which module builds each destination's client, and the secrets it is given.

A destination is named in three places that must agree: a tenant's ``destinations:`` block,
the CLI's ``--destination`` and the client's ``name``. The table below is the one list of
them; a client module is imported only when its destination is used, so that a tenant without
WhatsApp never loads (nor needs the dependencies of) the WhatsApp client.

Secrets are read from the environment variables the tenants file names, all of them before
the client is built: a missing one stops the activation with one line naming the variable
and the tenant, before any vendor call.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping

from cerebro.activation.destination import Destination, DestinationFactory
from cerebro.activation.errors import ActivationError
from cerebro.yaml_schema import suggestion

#: Destination name -> ``"module:function"`` building its client (``DestinationFactory``).
DESTINATIONS: dict[str, str] = {
    "klaviyo": "cerebro.activation.destinations.klaviyo:from_config",
    "meta_audiences": "cerebro.activation.destinations.meta_audiences:from_config",
    "google_customer_match": "cerebro.activation.destinations.google_customer_match:from_config",
    "shopify_coupons": "cerebro.activation.destinations.shopify_coupons:from_config",
    "whatsapp": "cerebro.activation.destinations.whatsapp:from_config",
}

#: Destination name -> the settings its client reads (``destinations.<name>.settings``): the
#: tenants file refuses any other key when it is loaded, since a misspelt one (``list_prefx``)
#: would otherwise be ignored and its default used without a word.
DESTINATION_SETTINGS: dict[str, frozenset[str]] = {
    "klaviyo": frozenset({"base_url", "revision", "list_prefix"}),
    "meta_audiences": frozenset({"ad_account_id", "base_url", "api_version"}),
    "google_customer_match": frozenset(
        {
            "customer_id",
            "login_customer_id",
            "base_url",
            "api_version",
            "token_url",
            "job_wait_seconds",
        }
    ),
    "shopify_coupons": frozenset(
        {"shop", "api_version", "base_url", "expiry_days", "title_prefix", "code_prefix", "rescue"}
    ),
    "whatsapp": frozenset(
        {
            "base_url",
            "api_version",
            "phone_number_id",
            "template_name",
            "language",
            "parameters",
            "name_fallback",
            "messages_per_second",
        }
    ),
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
