"""The rules of the raw-stream contracts, and which rules each Singer stream must keep.

A rule is row-level: every row either keeps it or breaks it, so the rows that break it can be
quarantined one by one. Each rule adds the typed columns it needs to the frame (``prepare``)
and says which Great Expectations expectations express it (``expectations``); a row breaks the
rule when any of them lists it. The expectations module is passed in because Great
Expectations takes seconds to import: only the evaluation imports it.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from functools import cache

import pandas as pd
from cerebro_raw_contract.currencies import ISO_4217_CODES

from cerebro.settings import DBT_PROJECT_DIR

#: Nothing a store or an ad account reports happened before this.
EARLIEST_TIMESTAMP = dt.datetime(2000, 1, 1)


@dataclass(frozen=True)
class Bounds:
    """What a rule needs from the evaluation: the clock and the parents' key sets."""

    now: dt.datetime
    future_tolerance: dt.timedelta
    #: stream name -> the tenant's keys of that (parent) stream
    parent_keys: dict[str, frozenset[str]] = field(default_factory=dict)


def _as_number(column: str) -> str:
    return f"{column}__as_number"


def _as_timestamp(column: str) -> str:
    return f"{column}__as_timestamp"


def _normalized(column: str) -> str:
    return f"{column}__normalized"


def _found(column: str) -> str:
    return f"{column}__found"


def _present(column: str):
    """GX row condition: only the rows that hold a value in ``column``."""
    from great_expectations.expectations.row_conditions import Column

    return Column(column).is_not_null()


@dataclass(frozen=True)
class NotNull:
    column: str

    @property
    def rule_id(self) -> str:
        return f"not_null:{self.column}"

    @property
    def description(self) -> str:
        return f"{self.column} es obligatorio"

    def prepare(self, frame: pd.DataFrame, bounds: Bounds) -> None:
        pass

    def expectations(self, gxe, bounds: Bounds) -> list:
        return [gxe.ExpectColumnValuesToNotBeNull(column=self.column)]


@dataclass(frozen=True)
class UniqueKey:
    columns: tuple[str, ...]

    @property
    def column(self) -> str:
        return self.columns[-1]

    @property
    def rule_id(self) -> str:
        return "unique_key"

    @property
    def description(self) -> str:
        return f"({', '.join(self.columns)}) no se repite"

    def prepare(self, frame: pd.DataFrame, bounds: Bounds) -> None:
        pass

    def expectations(self, gxe, bounds: Bounds) -> list:
        return [gxe.ExpectCompoundColumnsToBeUnique(column_list=list(self.columns))]


class _BoundedNumber:
    """A numeric column whose present values lie in [minimum, maximum) or [minimum, inf);
    a value that is not a number fails too."""

    minimum: float = 0
    maximum: float | None = None
    #: Whether the minimum itself is out of bounds (a rate of 0 converts every amount to 0).
    strict_minimum: bool = False

    def prepare(self, frame: pd.DataFrame, bounds: Bounds) -> None:
        # Decimals arrive as Python objects and a misbehaving source may send text.
        frame[_as_number(self.column)] = pd.to_numeric(frame[self.column], errors="coerce")

    def expectations(self, gxe, bounds: Bounds) -> list:
        number = _as_number(self.column)
        within = {"min_value": self.minimum, "strict_min": self.strict_minimum}
        if self.maximum is not None:
            within |= {"max_value": self.maximum, "strict_max": True}
        return [
            gxe.ExpectColumnValuesToNotBeNull(column=number, row_condition=_present(self.column)),
            gxe.ExpectColumnValuesToBeBetween(column=number, **within),
        ]


@dataclass(frozen=True)
class NonNegativeNumber(_BoundedNumber):
    column: str

    @property
    def rule_id(self) -> str:
        return f"non_negative:{self.column}"

    @property
    def description(self) -> str:
        return f"{self.column} es un número ≥ 0"


@dataclass(frozen=True)
class PositiveNumber(_BoundedNumber):
    column: str
    strict_minimum: bool = True

    @property
    def rule_id(self) -> str:
        return f"positive:{self.column}"

    @property
    def description(self) -> str:
        return f"{self.column} es un número > 0"


@dataclass(frozen=True)
class Fraction(_BoundedNumber):
    """A rate written as a fraction: 0.0295 for 2.95 %, never 2.95 (a percent 100 times off)."""

    column: str
    maximum: float | None = 1

    @property
    def rule_id(self) -> str:
        return f"fraction:{self.column}"

    @property
    def description(self) -> str:
        return f"{self.column} es una fracción entre 0 y 1 (0,0295 para 2,95 %)"


@dataclass(frozen=True)
class AcceptedValues:
    column: str
    values: frozenset[str]
    #: "upper" or "lower": staging compares the value in that case, so the contract does too.
    case: str = "upper"

    @property
    def rule_id(self) -> str:
        return f"accepted_values:{self.column}"

    @property
    def description(self) -> str:
        return f"{self.column} es uno de {', '.join(sorted(self.values))}"

    def prepare(self, frame: pd.DataFrame, bounds: Bounds) -> None:
        text = frame[self.column].astype("string").str.strip()
        text = text.str.upper() if self.case == "upper" else text.str.lower()
        frame[_normalized(self.column)] = text.astype(object).where(text.notna(), None)

    def expectations(self, gxe, bounds: Bounds) -> list:
        return [
            gxe.ExpectColumnValuesToBeInSet(
                column=_normalized(self.column), value_set=sorted(self.values)
            )
        ]


def Currency(column: str) -> AcceptedValues:
    """An ISO 4217 currency code (upper-cased, as staging does)."""
    return AcceptedValues(column, ISO_4217_CODES)


@dataclass(frozen=True)
class TimestampInRange:
    column: str
    #: Calendars list next year's holidays: their dates may lie anywhere in the future.
    future_allowed: bool = False

    @property
    def rule_id(self) -> str:
        return f"timestamp_range:{self.column}"

    @property
    def description(self) -> str:
        upper = "" if self.future_allowed else " y no futura"
        return f"{self.column} es una fecha y hora desde el {EARLIEST_TIMESTAMP.date()}{upper}"

    def prepare(self, frame: pd.DataFrame, bounds: Bounds) -> None:
        parsed = pd.to_datetime(frame[self.column], errors="coerce", utc=True)
        # Raw timestamps are naive UTC; compare them as such.
        frame[_as_timestamp(self.column)] = parsed.dt.tz_localize(None)

    def expectations(self, gxe, bounds: Bounds) -> list:
        parsed = _as_timestamp(self.column)
        latest = None if self.future_allowed else bounds.now + bounds.future_tolerance
        return [
            gxe.ExpectColumnValuesToNotBeNull(column=parsed, row_condition=_present(self.column)),
            gxe.ExpectColumnValuesToBeBetween(
                column=parsed, min_value=EARLIEST_TIMESTAMP, max_value=latest
            ),
        ]


@dataclass(frozen=True)
class References:
    """The column holds a key of the tenant's ``parent`` stream (or is null, when allowed)."""

    column: str
    parent: str

    @property
    def rule_id(self) -> str:
        return f"references:{self.column}"

    @property
    def description(self) -> str:
        return f"{self.column} es una clave de {self.parent} del cliente"

    def prepare(self, frame: pd.DataFrame, bounds: Bounds) -> None:
        if self.parent not in bounds.parent_keys:
            raise ValueError(f"rule {self.rule_id} needs the keys of {self.parent!r}")
        # The membership is computed here rather than handed to GX as a value set: GX copies
        # an expectation's configuration many times per validation, and a value set of a
        # tenant's every order made that the bulk of the time.
        found = frame[self.column].isin(bounds.parent_keys[self.parent])
        frame[_found(self.column)] = found.astype(object).where(frame[self.column].notna(), None)

    def expectations(self, gxe, bounds: Bounds) -> list:
        # GX skips nulls in value-set expectations: a null reference is the NotNull rule's.
        return [gxe.ExpectColumnValuesToBeInSet(column=_found(self.column), value_set=[True])]


Rule = (
    NotNull
    | UniqueKey
    | NonNegativeNumber
    | Fraction
    | AcceptedValues
    | TimestampInRange
    | References
)

#: Shopify's OrderDisplayFinancialStatus.
FINANCIAL_STATUSES = frozenset(
    {"AUTHORIZED", "EXPIRED", "PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED", "PENDING"}
    | {"REFUNDED", "VOIDED"}
)
#: Shopify's OrderTransactionKind and OrderTransactionStatus.
TRANSACTION_KINDS = frozenset(
    {"AUTHORIZATION", "CAPTURE", "CHANGE", "EMV_AUTHORIZATION", "REFUND", "SALE"}
    | {"SUGGESTED_REFUND", "VOID"}
)
TRANSACTION_STATUSES = frozenset(
    {"AWAITING_RESPONSE", "ERROR", "FAILURE", "PENDING", "SUCCESS", "UNKNOWN"}
)
#: Stripe's subscription statuses. https://docs.stripe.com/api/subscriptions/object#subscription_object-status
SUBSCRIPTION_STATUSES = frozenset(
    {"incomplete", "incomplete_expired", "trialing", "active", "past_due", "canceled"}
    | {"unpaid", "paused"}
)
#: Shopify's CustomerState.
CUSTOMER_STATES = frozenset({"DECLINED", "DISABLED", "ENABLED", "INVITED"})
#: Shopify's test gateway: orders of a store's checkout tests (staging flags them).
TEST_GATEWAY = "bogus"


@cache
def known_gateways() -> frozenset[str]:
    """Payment gateways the payment-method seed maps, plus Shopify's test gateway."""
    with (DBT_PROJECT_DIR / "seeds" / "payment_gateways.csv").open(newline="") as seed:
        return frozenset({row["gateway"] for row in csv.DictReader(seed)} | {TEST_GATEWAY})


def _timestamps(*columns: str) -> list[Rule]:
    return [TimestampInRange(column) for column in columns]


def _non_negative(*columns: str) -> list[Rule]:
    return [NonNegativeNumber(column) for column in columns]


def _report_accounts(currency: str) -> list[Rule]:
    # The accounts of an ad tap and the span of days read for each.
    return [Currency(currency), *_timestamps("report_start_date", "report_end_date")]


def _search_console() -> list[Rule]:
    return [*_non_negative("clicks", "impressions", "ctr", "position"), *_timestamps("date")]


def stream_rules(source: str, stream: str) -> list[Rule]:
    """The rules a stream's rows keep beyond their key (which every stream's rows keep)."""
    shopify_order_child = [NotNull("order_id"), References("order_id", "orders")]
    rules: dict[tuple[str, str], list[Rule]] = {
        ("shopify", "customers"): [
            AcceptedValues("state", CUSTOMER_STATES),
            *_timestamps("created_at", "updated_at"),
        ],
        ("shopify", "orders"): [
            *_non_negative(
                "subtotal_amount",
                "total_discounts_amount",
                "total_shipping_amount",
                "total_tax_amount",
                "total_amount",
                "total_refunded_amount",
            ),
            Currency("currency"),
            AcceptedValues("financial_status", FINANCIAL_STATUSES),
            *_timestamps("created_at", "processed_at", "cancelled_at", "closed_at", "updated_at"),
            # A null customer is a guest checkout.
            References("customer_id", "customers"),
        ],
        ("shopify", "order_lines"): [
            *shopify_order_child,
            *_non_negative(
                "quantity", "unit_price_amount", "original_total_amount", "discount_amount"
            ),
            *_timestamps("order_updated_at"),
        ],
        ("shopify", "transactions"): [
            *shopify_order_child,
            *_non_negative("amount"),
            Currency("currency"),
            AcceptedValues("kind", TRANSACTION_KINDS),
            AcceptedValues("status", TRANSACTION_STATUSES),
            AcceptedValues("gateway", known_gateways(), case="lower"),
            *_timestamps("created_at", "processed_at", "order_updated_at"),
        ],
        ("shopify", "refunds"): [
            *shopify_order_child,
            *_non_negative("amount"),
            Currency("currency"),
            *_timestamps("created_at", "order_updated_at"),
        ],
        ("shopify", "fulfillments"): [
            *shopify_order_child,
            *_timestamps("created_at", "updated_at", "delivered_at", "order_updated_at"),
        ],
        ("shopify", "checkouts"): [
            # An abandoned checkout has no order.
            References("order_id", "orders"),
            *_non_negative("items_count", "total_amount"),
            Currency("currency"),
            *_timestamps("created_at", "updated_at", "completed_at"),
        ],
        ("meta_ads", "ads_insights"): [
            *_non_negative(
                "spend", "impressions", "clicks", "reach", "purchases", "purchase_value"
            ),
            Currency("account_currency"),
            *_timestamps("date_start", "date_stop"),
        ],
        ("meta_ads", "ad_accounts"): _report_accounts("account_currency"),
        ("google_ads", "campaign_performance"): [
            *_non_negative(
                "cost_micros", "impressions", "clicks", "conversions", "conversions_value"
            ),
            Currency("currency_code"),
            *_timestamps("date"),
        ],
        ("google_ads", "accounts"): _report_accounts("currency_code"),
        ("tiktok_ads", "campaign_reports"): [
            *_non_negative(
                "spend", "impressions", "clicks", "conversions", "purchases", "purchase_value"
            ),
            Currency("currency"),
            *_timestamps("stat_date"),
        ],
        ("tiktok_ads", "advertisers"): _report_accounts("currency"),
        ("amazon_ads", "sp_campaigns"): [
            *_non_negative(
                "impressions",
                "clicks",
                "cost",
                "purchases_7d",
                "sales_7d",
                "purchases_14d",
                "sales_14d",
            ),
            Currency("currency_code"),
            *_timestamps("date"),
        ],
        ("amazon_ads", "profiles"): _report_accounts("currency_code"),
        ("mercadolibre_ads", "campaign_reports"): [
            *_non_negative(
                "prints",
                "clicks",
                "cost",
                "units_quantity",
                "direct_amount",
                "indirect_amount",
                "total_amount",
            ),
            Currency("currency_code"),
            *_timestamps("date"),
        ],
        ("mercadolibre_ads", "advertisers"): _report_accounts("currency"),
        ("csv", "ad_spend"): [
            *_non_negative("spend", "impressions", "clicks"),
            Currency("currency"),
            *_timestamps("date"),
        ],
        ("search_console", "performance_by_date"): _search_console(),
        ("search_console", "performance_by_page"): _search_console(),
        ("search_console", "performance_by_query"): _search_console(),
        ("ga4", "traffic_daily"): [
            *_non_negative("sessions", "total_users", "engaged_sessions", "key_events"),
            *_timestamps("date"),
        ],
        ("calendar", "events"): [TimestampInRange("event_date", future_allowed=True)],
        ("stripe", "subscriptions"): [
            AcceptedValues("status", SUBSCRIPTION_STATUSES, case="lower"),
            *_non_negative("recurring_amount", "quantity", "items_count"),
            Currency("currency"),
            # A subscription's current period and scheduled cancellation lie ahead.
            *_timestamps("created_at", "started_at", "canceled_at", "ended_at"),
            *(
                TimestampInRange(column, future_allowed=True)
                for column in (
                    "trial_start_at",
                    "trial_end_at",
                    "current_period_start_at",
                    "current_period_end_at",
                    "cancel_at",
                )
            ),
        ],
        # A rate may be published ahead of the day it is in force (the UF is, to the 9th of
        # the next month).
        ("exchange_rates", "daily_rates"): [
            NotNull("rate"),
            PositiveNumber("rate"),
            Currency("base_currency"),
            Currency("quote_currency"),
            TimestampInRange("rate_date", future_allowed=True),
        ],
        # Klaviyo's e-mail events (decision 0065): each is of a metric, at a time.
        ("klaviyo", "email_events"): [
            NotNull("metric_name"),
            NotNull("occurred_at"),
            *_timestamps("occurred_at"),
            *_non_negative("event_value"),
        ],
        # WhatsApp's message statuses (decision 0066): the statuses Meta's webhook reference
        # lists, each at a time; any other is held back until staging knows it.
        ("whatsapp", "message_statuses"): [
            AcceptedValues(
                "status",
                frozenset({"sent", "delivered", "read", "failed", "played", "deleted"}),
                case="lower",
            ),
            *_timestamps("status_at"),
        ],
        # Cost inputs (decision 0036): a cost may be announced ahead of its day.
        ("costs", "product_costs"): [
            NotNull("unit_cost"),
            *_non_negative("unit_cost"),
            Currency("currency"),
            TimestampInRange("valid_from", future_allowed=True),
        ],
        ("costs", "payment_fees"): [
            NotNull("fee_rate"),
            Fraction("fee_rate"),
            *_non_negative("fixed_fee"),
            Currency("currency"),
            AcceptedValues("gateway", known_gateways(), case="lower"),
            TimestampInRange("valid_from", future_allowed=True),
        ],
        ("costs", "order_costs"): [
            NotNull("amount"),
            *_non_negative("amount"),
            Currency("currency"),
            TimestampInRange("valid_from", future_allowed=True),
        ],
        ("costs", "tax_rates"): [
            NotNull("rate"),
            Fraction("rate"),
            TimestampInRange("valid_from", future_allowed=True),
        ],
    }
    if (source, stream) not in rules:
        raise KeyError(f"no contract for stream {source}.{stream}; known: {sorted(rules)}")
    return rules[(source, stream)]


@dataclass(frozen=True)
class StreamContract:
    """What every row of one raw stream keeps: its key, then the stream's own rules."""

    source: str
    stream: str
    primary_key: tuple[str, ...]
    rules: tuple[Rule, ...]

    @property
    def parents(self) -> list[str]:
        return sorted({rule.parent for rule in self.rules if isinstance(rule, References)})

    @property
    def record_key_columns(self) -> tuple[str, ...]:
        """The key without tenant_id, which the quarantine keeps in its own column."""
        return tuple(column for column in self.primary_key if column != "tenant_id")


def stream_contract(source: str, stream: str, primary_key: tuple[str, ...]) -> StreamContract:
    """The contract of ``source.stream`` whose rows are keyed by ``primary_key``."""
    if "tenant_id" not in primary_key:
        raise ValueError(f"{source}.{stream}: primary key {primary_key} lacks tenant_id")
    key_rules = [NotNull(column) for column in primary_key]
    return StreamContract(
        source,
        stream,
        tuple(primary_key),
        (*key_rules, UniqueKey(tuple(primary_key)), *stream_rules(source, stream)),
    )
