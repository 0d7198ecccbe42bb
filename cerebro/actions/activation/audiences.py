"""Segments named ``audiencia:<question>``: the customers a saved question of the tenant's
"Audiencias" Metabase collection returns (decision 0073).

``<question>`` is the question's exact name or its id. The ids are read through Metabase's
API (``cerebro.serving.metabase.audiences``: the question must be in that tenant's
collection and query that tenant's connection); ``members`` then keeps only ids that are the
tenant's customers in ``marts.dim_customers`` and refuses the question otherwise, and the
members go through the same consent, control group and sync as a built-in segment's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from cerebro.actions.activation.errors import ActivationError
from cerebro.segment_names import AUDIENCE_PREFIX

#: (tenant id, question name or id) -> the customer ids the question returns.
AudienceReader = Callable[[str, str], list[str]]


def is_audience(segment: str) -> bool:
    return segment.startswith(AUDIENCE_PREFIX)


def question_of(segment: str) -> str:
    """The question a segment ``audiencia:<question>`` names; one line when it names none."""
    reference = segment[len(AUDIENCE_PREFIX) :].strip()
    if not reference:
        raise ActivationError(
            f"«{segment}» no nombra ninguna pregunta: escriba audiencia:<nombre o id de la "
            "pregunta> de la colección Audiencias"
        )
    return reference


def metabase_reader(environ: Mapping[str, str] | None = None) -> AudienceReader:
    """A reader that logs in to the Metabase of ``METABASE_URL`` (its API key, or the admin's
    login) and reads each tenant's questions from that tenant's collection and connection."""
    from cerebro.serving.metabase.audiences import audience_ids
    from cerebro.serving.metabase.auth import connect
    from cerebro.serving.metabase.settings import load_metabase_settings

    settings = load_metabase_settings(dict(os.environ if environ is None else environ))
    if settings is None:
        raise ActivationError(
            "las audiencias se leen de Metabase: defina METABASE_URL (y METABASE_API_KEY o "
            "METABASE_API_KEY_FILE)"
        )
    connection = connect(settings, dry_run=True)
    if connection.needs_setup:
        raise ActivationError(
            "Metabase no tiene administrador aún: ejecute `cerebro metabase apply`"
        )

    def read(tenant_id: str, reference: str) -> list[str]:
        database = settings.tenant_connection(tenant_id).display_name
        return audience_ids(connection.client, tenant_id, reference, database)

    return read


def audience_ids(tenant_id: str, segment: str, reader: AudienceReader | None) -> list[str]:
    """The ids the question of ``segment`` returns for ``tenant_id``: Metabase's refusals and
    failures as one ``ActivationError`` line."""
    from cerebro.serving.metabase.audiences import AudienceError
    from cerebro.serving.metabase.client import MetabaseError
    from cerebro.serving.metabase.settings import MetabaseSettingsError

    reference = question_of(segment)
    try:
        return (reader or metabase_reader())(tenant_id, reference)
    except (AudienceError, MetabaseSettingsError) as error:
        raise ActivationError(str(error)) from None
    except MetabaseError as error:
        raise ActivationError(f"no se pudo leer la audiencia «{reference}»: {error}") from None
