"""Stripe API client: the key, the pinned version, list pages, amounts and errors.

Vendor facts this module honours, each with its reference:

- The secret (or restricted, read-only) key travels as a bearer token; ``Stripe-Version``
  pins the API version for every request, so an account upgraded in the Dashboard does not
  change the objects' shapes under the tap. https://docs.stripe.com/api/authentication,
  https://docs.stripe.com/api/versioning
- Lists answer ``{"object": "list", "data", "has_more"}``, newest first; the next page is
  ``starting_after=<the last id>``; ``limit`` is 1 to 100; ``created[gte]`` / ``created[lt]``
  bound the creation time (Unix seconds); ``expand[]=data.<field>`` inlines related objects.
  https://docs.stripe.com/api/pagination, https://docs.stripe.com/api/expanding_objects
- Errors are ``{"error": {"type", "code", "message", "param"}}``: 401 an invalid key, 403 a
  restricted key without the permission, 400 a bad request, 404 a missing object, 409 a
  conflict, 429 too many requests (back off), 5xx Stripe's side. ``Stripe-Should-Retry``, when
  present, says whether a retry can help and overrides the status.
  https://docs.stripe.com/error-low-level, https://docs.stripe.com/rate-limits
- Amounts are integers in the currency's minor unit: cents for most currencies, the unit
  itself for zero-decimal ones (CLP among them: 19990 is $19.990), thousandths for the
  three-decimal ones. https://docs.stripe.com/currencies#minor-units
"""

from __future__ import annotations

import datetime as dt
import decimal
import typing as t

import requests
from cerebro_tap_kit.contract_stream import ContractStream
from cerebro_tap_kit.http import ResilientStream, json_body
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from cerebro_tap_kit.clock import Clock
    from singer_sdk.helpers.types import Context

#: The largest ``limit`` of a Stripe list.
MAX_PAGE_SIZE = 100
#: The API version the tap's records are written for (charges still carry their invoice).
API_VERSION = "2024-06-20"
#: Currencies whose amounts Stripe gives in the unit itself.
ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV"}
    | {"XAF", "XOF", "XPF"}
)
#: Currencies whose amounts Stripe gives in thousandths.
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def major_units(amount: int | None, currency: str | None) -> decimal.Decimal | None:
    """A Stripe amount in the currency's minor unit as an amount of the currency:
    ``(19990, "clp")`` -> 19990, ``(1999, "usd")`` -> 19.99, ``(5120, "kwd")`` -> 5.120."""
    if amount is None or currency is None:
        return None
    code = currency.upper()
    exponent = 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2
    return decimal.Decimal(int(amount)).scaleb(-exponent)


def instant(seconds: int | None) -> str | None:
    """A Unix time as an ISO instant with an explicit UTC offset."""
    if seconds is None:
        return None
    return dt.datetime.fromtimestamp(int(seconds), dt.UTC).isoformat()


def object_id(value: t.Any) -> str | None:
    """The id of a field that is an id or, expanded, the object."""
    if isinstance(value, dict):
        return value.get("id")
    return value


class StripeStream(ContractStream, ResilientStream):
    """A stream of Stripe objects (records of the raw contract)."""

    @property
    def clock(self) -> Clock:
        """The tap's clock (tests set a fake one)."""
        return self._tap.clock

    @property
    def http_headers(self) -> dict:
        """The key as a bearer token and the pinned API version."""
        return {
            **super().http_headers,
            "Authorization": f"Bearer {self.config['api_key']}",
            "Stripe-Version": self.config.get("api_version", API_VERSION),
        }

    @property
    def url_base(self) -> str:
        """``base_url`` (a proxy or a test server) or Stripe's, and the version path."""
        return (self.config.get("base_url") or "https://api.stripe.com").rstrip("/") + "/v1"

    @property
    def page_size(self) -> int:
        """Objects per page: the setting, at most Stripe's 100."""
        return min(int(self.config.get("page_size", MAX_PAGE_SIZE)), MAX_PAGE_SIZE)

    # Errors ------------------------------------------------------------------------------

    def validate_response(self, response: requests.Response) -> None:
        """Stripe-Should-Retry first, then the status: 429, 409 and 5xx retry; a refused key,
        a missing permission or a bad request stop with what to do."""
        status = response.status_code
        if 200 <= status < 300:
            return
        error = (json_body(response) or {}).get("error") or {}
        said = self.redact(
            f"HTTP {status} {error.get('type', '-')}"
            + (f"/{error['code']}" if error.get("code") else "")
            + f": {error.get('message', response.text[:200])}"
        )
        should_retry = response.headers.get("Stripe-Should-Retry")
        if should_retry == "true" or (
            should_retry != "false" and (status in (409, 429) or status >= 500)
        ):
            raise RetriableAPIError(f"Stripe asked to wait ({said})", response)
        if status == 401:
            raise FatalAPIError(
                f"Stripe refused the API key ({said}): check api_key (the environment variable "
                "the tenant's secrets name); use a secret key (sk_live_...) or a restricted key "
                "with read access"
            )
        if status == 403:
            raise FatalAPIError(
                f"Stripe refused a permission to the restricted key ({said}): give it read "
                "access to Charges, Customers, Invoices, Refunds and Subscriptions"
            )
        path = self.redact(response.request.path_url.split("?")[0])
        raise FatalAPIError(f"Stripe refused {path} ({said})")

    # Lists -------------------------------------------------------------------------------

    def list_pages(self, path: str, params: dict) -> Iterator[list[dict]]:
        """Every page of a list, newest first, ``starting_after`` the last id of each."""
        after = None
        while True:
            page_params = {**params, "limit": self.page_size}
            if after is not None:
                page_params["starting_after"] = after
            body = self.send_json("GET", f"{self.url_base}{path}", params=page_params)
            data = body.get("data") or []
            yield data
            if not body.get("has_more") or not data:
                return
            after = data[-1]["id"]

    def list_all(self, path: str, params: dict) -> Iterator[dict]:
        """Every object of a list."""
        for page in self.list_pages(path, params):
            yield from page

    def post_process(self, row: dict, context: Context | None = None) -> dict:
        """Stamp the tenant on every record (it leads every primary key)."""
        return {"tenant_id": self.config["tenant_id"], **row}


class CreatedSlices:
    """A stream read in slices of creation time, each slice reversed to oldest first, so the
    bookmark moves with the records and a sync cut short resumes where it stopped.

    Stripe lists newest first; one list over the whole window would give its oldest object
    last, and a bookmark could only be written once the window was read whole.
    """

    #: The list path and its parameters (besides the slice bounds).
    list_path: t.ClassVar[str]

    def list_params(self) -> dict:
        """Parameters of every request (expansions, filters)."""
        return {}

    def slice_start(self: StripeStream, context: Context | None) -> dt.datetime:
        """The bookmark (or ``start_date``) minus the lookback: charges change after their
        creation (payments settle, refunds are made), so recent ones are read again."""
        start = self.get_starting_timestamp(context)
        if start.tzinfo is None:
            start = start.replace(tzinfo=dt.UTC)
        return start - dt.timedelta(days=int(self.config["lookback_days"]))

    def created_objects(
        self: StripeStream, context: Context | None, path: str | None = None,
        params: dict | None = None,
    ) -> Iterator[dict]:  # fmt: skip
        """Every object of the list (the stream's, or ``path`` with ``params``) created in the
        window, oldest slice first, each slice oldest first."""
        path = path or self.list_path
        params = self.list_params() if params is None else params
        end = self._tap.window_end
        start = self.slice_start(context)
        width = dt.timedelta(days=int(self.config["slice_days"]))
        low = start
        while low < end:
            high = min(low + width, end)
            bounds = {"created[gte]": int(low.timestamp()), "created[lt]": int(high.timestamp())}
            objects = list(self.list_all(path, {**params, **bounds}))
            yield from sorted(objects, key=lambda item: (item["created"], item["id"]))
            low = high
