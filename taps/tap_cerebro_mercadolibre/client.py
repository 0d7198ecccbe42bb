"""Mercado Libre API client: the host, the seller's token, errors and the site's facts.

Vendor facts this module honours, each with its reference:

- Every call carries ``Authorization: Bearer <access token>`` (auth.py refreshes it).
  https://developers.mercadolibre.cl/es_ar/autenticacion-y-autorizacion
- Errors are JSON ``{"message", "error", "status", "cause"}``: 401 ``invalid_token`` (expired or
  revoked: refreshed once, then fatal), 403 ``forbidden`` (the app lacks the scope or the user is
  not the seller or advertiser asked for), 429 ``too_many_requests`` (the app's quota; no
  ``Retry-After`` is promised, so the wait backs off), 5xx transient.
  https://developers.mercadolibre.cl/es_ar/consideraciones-de-diseno
- Lists page with ``offset`` and ``limit`` and describe themselves in ``paging`` (``total``,
  ``offset``, ``limit``); each resource has its own largest ``limit`` (orders: 51) and a larger
  one is refused with 400. https://developers.mercadolibre.cl/es_ar/manejo-de-paginacion
- Dates are ISO 8601 with the site's offset (``2026-03-02T10:01:50.000-03:00`` on MLC, Chile).
"""

from __future__ import annotations

import datetime as dt
import decimal
import typing as t
from urllib.parse import urlsplit

import requests
from cerebro_tap_kit.contract_stream import ContractStream
from cerebro_tap_kit.http import ResilientStream, RetryAfter, json_body
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.pagination import OffsetPaginator

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from singer_sdk.helpers.types import Context

    from tap_cerebro_mercadolibre.auth import MercadoLibreOAuth

API_BASE = "https://api.mercadolibre.com"
TOKEN_PATH = "/oauth/token"
#: A 429 says nothing of how long to wait: a few seconds, then the usual backoff.
THROTTLE_WAIT_SECONDS = 5.0
#: Each site's currency and the time zone of its dates (Mercado Libre's sites,
#: https://api.mercadolibre.com/sites): amounts convert to the tenant's currency in staging.
SITES = {
    "MLC": ("CLP", "America/Santiago"),
    "MLA": ("ARS", "America/Argentina/Buenos_Aires"),
    "MLB": ("BRL", "America/Sao_Paulo"),
    "MLM": ("MXN", "America/Mexico_City"),
    "MCO": ("COP", "America/Bogota"),
    "MPE": ("PEN", "America/Lima"),
    "MLU": ("UYU", "America/Montevideo"),
}


def meli_time(value: dt.datetime) -> str:
    """An instant as the search filters take it (milliseconds, explicit UTC offset)."""
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}-00:00"


def parse_time(value: str | None) -> dt.datetime | None:
    """A Mercado Libre date (with its site's offset) as an aware UTC instant."""
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def error_parts(response: requests.Response) -> tuple[str | None, str]:
    """The answer's ``error`` and ``message`` (None and the body's start if not JSON)."""
    body = json_body(response)
    if isinstance(body, dict) and ("error" in body or "message" in body):
        return str(body.get("error") or ""), str(body.get("message") or "").strip()
    return None, " ".join(response.text[:200].split())


class PagingPaginator(OffsetPaginator):
    """``offset`` forward by the page size while ``paging.total`` says more follow."""

    def has_more(self, response: requests.Response) -> bool:
        """Whether records follow this page."""
        paging = (json_body(response) or {}).get("paging") or {}
        return self.current_value + self.page_size < int(paging.get("total") or 0)


class MercadoLibreAPI:
    """What every Mercado Libre stream shares (mixed in before the SDK's stream class): the
    host, the seller's token, error classification and ``results`` parsing."""

    def get(self, path: str, params: dict | None = None) -> t.Any:
        """One request outside the stream's pages, with the same auth, retries and errors."""
        return self.send_json("GET", f"{self.url_base}{path}", params=params)

    @property
    def url_base(self) -> str:
        """The API origin (``base_url`` for a proxy or a test server)."""
        return str(self.config.get("base_url") or API_BASE).rstrip("/")

    @property
    def authenticator(self) -> MercadoLibreOAuth:
        """The tap's one token: the refresh token works once, so every stream shares it."""
        return self._tap.oauth

    def validate_response(self, response: requests.Response) -> None:
        """2xx passes; 429 and 5xx retry; 401 refreshes once; 400 and 403 stop with what to do."""
        status = response.status_code
        code, message = error_parts(response)
        said = self.redact(f"HTTP {status} {code}: {message}" if code else f"HTTP {status}")
        where = self.redact(urlsplit(response.url).path)
        if status < 400:
            self.authenticator.accepted()
            if json_body(response) is None:
                raise FatalAPIError(f"Mercado Libre answered {where} with a page that is not JSON")
            return
        if status == 429:
            raise RetryAfter(
                f"Mercado Libre is limiting requests ({said})",
                response,
                wait_seconds=THROTTLE_WAIT_SECONDS,
            )
        if status >= 500:
            raise RetriableAPIError(f"Mercado Libre failed ({said}) for {where}", response)
        if status == 401:
            if self.authenticator.retry_after_rejection():
                raise RetryAfter(
                    "Mercado Libre rejected the access token; refreshing it",
                    response,
                    wait_seconds=0,
                )
            raise FatalAPIError(
                f"Mercado Libre refused a fresh access token ({said}) for {where}: authorize "
                "the app again with the seller's account"
            )
        if status == 403:
            raise FatalAPIError(
                f"Mercado Libre forbade {where} ({said}): the app needs the read and "
                "offline_access scopes (and Mercado Ads access for Product Ads), authorized by "
                "the seller itself, and seller_id / advertiser_ids must be that seller's"
            )
        raise FatalAPIError(f"Mercado Libre refused {where} ({said})")

    def parse_response(self, response: requests.Response) -> Iterator[dict]:
        """A list's ``results`` (amounts as exact decimals)."""
        yield from response.json(parse_float=decimal.Decimal).get("results") or []

    def post_process(self, row: dict, context: Context | None = None) -> dict:
        """Stamp the tenant on every record (it leads every primary key)."""
        return {"tenant_id": self.config["tenant_id"], **row}


class MercadoLibreStream(MercadoLibreAPI, ContractStream, ResilientStream):
    """A Mercado Libre resource of the raw contract."""
