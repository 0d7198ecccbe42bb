"""Audiences from saved questions: the customer ids a question of a tenant's "Audiencias"
collection returns, read through Metabase's API (decision 0073).

A question is named by its exact name or by its id. It must be in the tenant's Audiencias
collection (the collection provisioning creates, found by its marker) and query the tenant's
own connection (``Cerebro · <tenant>``, which logs in as the tenant's row-level-security
role): so the question runs under the tenant's identity and can read no other tenant's rows.

Endpoints (Metabase v0.64, the version docker-compose.yml pins; read in
``src/metabase/queries_rest/api/card.clj`` and ``src/metabase/collections_rest/api.clj``):
``GET /api/collection`` (the marker), ``GET /api/collection/:id/items?models=card``,
``GET /api/card/:id`` and ``POST /api/card/:card-id/query/json`` with ``format_rows`` false.
The export endpoint runs with ``:constraints nil``: unlike ``POST /api/card/:id/query``, whose
answer stops at 2,000 rows, it returns the whole audience. Its answer is a JSON array of one
object per row, keyed by the column titles (``query_processor/streaming/json.clj``): a native
question's column name, a query-builder question's display name ("Customer ID").
"""

from __future__ import annotations

import re

from cerebro.serving.metabase.access import AUDIENCES
from cerebro.serving.metabase.client import MetabaseApiError, MetabaseClient
from cerebro.serving.metabase.current import items_of
from cerebro.serving.metabase.desired import marker_key

#: The collection's name (its key is ``<tenant>/audiencias``).
AUDIENCES_NAME = "Audiencias"
#: Column titles accepted as the customer id, compared in lower case with every run of
#: spaces or punctuation read as one underscore ("Customer ID" is ``customer_id``).
ID_COLUMNS = ("customer_id", "id_cliente", "cliente_id")


class AudienceError(ValueError):
    """A question that cannot be an audience; the message is one line in Spanish."""


def audiences_key(tenant_id: str) -> str:
    return f"{tenant_id}/{AUDIENCES}"


def _column_key(title: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(title).strip().lower()).strip("_")


def _collection_id(client: MetabaseClient, tenant_id: str) -> int:
    for collection in items_of(client.get("/api/collection")):
        key = marker_key(collection.get("description"))
        if key == audiences_key(tenant_id) and not collection.get("archived"):
            return int(collection["id"])
    # Metabase lists only the collections the credential may read.
    raise AudienceError(
        f"Metabase no tiene la colección {AUDIENCES_NAME} de {tenant_id}, o esta credencial no "
        "puede leerla: ejecute `cerebro metabase apply` o use la clave de provisión"
    )


def _denied(error: MetabaseApiError, tenant_id: str) -> AudienceError:
    return AudienceError(
        f"Metabase no deja leer la colección {AUDIENCES_NAME} de {tenant_id} con esta "
        f"credencial (HTTP {error.status}: {error.message})"
    )


def _find_card(client: MetabaseClient, tenant_id: str, collection_id: int, reference: str):
    try:
        items = items_of(client.get(f"/api/collection/{collection_id}/items", models="card"))
    except MetabaseApiError as error:
        if error.status == 403:
            raise _denied(error, tenant_id) from None
        raise
    cards = [item for item in items if item.get("model") == "card"]
    named = [c for c in cards if c.get("name") == reference]
    if reference.isdigit() and not named:
        named = [c for c in cards if str(c.get("id")) == reference]
        if not named:
            # An id: say whether it exists elsewhere (a question outside the collection).
            try:
                card = client.get(f"/api/card/{reference}")
            except MetabaseApiError as error:
                if error.status in (403, 404):
                    card = None
                else:
                    raise
            if card is not None and not card.get("archived"):
                raise AudienceError(
                    f"La pregunta {reference} («{card.get('name')}») no está en la colección "
                    f"{AUDIENCES_NAME} de {tenant_id}: muévala allí para usarla como audiencia"
                )
    if not named:
        listed = ", ".join(f"«{c.get('name')}»" for c in cards) or "ninguna"
        raise AudienceError(
            f"No existe la pregunta «{reference}» en la colección {AUDIENCES_NAME} de "
            f"{tenant_id} (tiene: {listed})"
        )
    if len(named) > 1:
        ids = ", ".join(str(c["id"]) for c in named)
        raise AudienceError(
            f"Hay {len(named)} preguntas «{reference}» en {AUDIENCES_NAME} (ids {ids}): "
            "nómbrela por su id"
        )
    return named[0]


def audience_ids(
    client: MetabaseClient, tenant_id: str, reference: str, database_name: str
) -> list[str]:
    """The customer ids, in the question's order without repeats, of the question
    ``reference`` (its name or id) of the tenant's Audiencias collection, which must query the
    Metabase database ``database_name`` (the tenant's connection). ``AudienceError`` in one
    Spanish line for what a user fixes."""
    reference = reference.strip()
    item = _find_card(client, tenant_id, _collection_id(client, tenant_id), reference)
    card = client.get(f"/api/card/{item['id']}")
    name = card.get("name") or reference
    databases = {d.get("id"): d.get("name") for d in items_of(client.get("/api/database"))}
    database_id = card.get("database_id") or (card.get("dataset_query") or {}).get("database")
    if databases.get(database_id) != database_name:
        raise AudienceError(
            f"La pregunta «{name}» consulta la base «{databases.get(database_id, database_id)}», "
            f"no «{database_name}», la conexión de {tenant_id}: guárdela sobre esa conexión"
        )
    try:
        rows = client.post(f"/api/card/{item['id']}/query/json", {"format_rows": False})
    except MetabaseApiError as error:
        if error.status == 403:
            raise _denied(error, tenant_id) from None
        raise AudienceError(f"La pregunta «{name}» falló en Metabase: {error.message}") from None
    if isinstance(rows, dict):
        # A query that fails answers its error instead of the rows.
        raise AudienceError(f"La pregunta «{name}» falló en Metabase: {rows.get('error') or rows}")
    titles = list(rows[0]) if rows else []
    columns = [t for t in titles if _column_key(t) in ID_COLUMNS]
    if rows and not columns:
        raise AudienceError(
            f"La pregunta «{name}» no devuelve una columna de id de cliente (acepta "
            f"{', '.join(ID_COLUMNS)}; devuelve {', '.join(titles)})"
        )
    ids = [str(row[columns[0]]).strip() for row in rows if row.get(columns[0]) is not None]
    ids = list(dict.fromkeys(i for i in ids if i))
    if not ids:
        raise AudienceError(f"La pregunta «{name}» no devuelve ningún id de cliente")
    return ids
