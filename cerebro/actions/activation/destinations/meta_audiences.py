"""Meta Custom Audiences: a customer-list audience per segment, kept equal to it.

Endpoints and limits as documented for the Marketing API (Graph API ``DEFAULT_API_VERSION``):

- find the audience: ``GET /act_{ad_account_id}/customaudiences`` (``fields=id,name,subtype``,
  pages chained by ``paging.cursors.after`` while ``paging.next`` is present); names are not
  unique in Meta, the first ``CUSTOM`` audience with the exact name is used. Missing:
  ``POST /act_{id}/customaudiences`` with ``subtype=CUSTOM`` and
  ``customer_file_source=USER_PROVIDED_ONLY`` (Cerebro collected the data from its customers).
  https://developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences
- add: ``POST /{audience_id}/users``, remove: ``DELETE /{audience_id}/users``, each with a
  ``payload`` of the multi-key ``schema`` ``EMAIL, PHONE, FN, LN, COUNTRY`` and one ``data`` row
  of SHA-256 hex per member (an unknown key left blank), hashed as ``identifiers`` says; at most
  10,000 rows a request ("an unlimited number of records, but only up to 10000 at a time").
  The answer counts ``num_received`` and ``num_invalid_entries`` and gives
  ``invalid_entry_samples`` (a map of entry to reason): members whose hashes a sample names are
  refused with Meta's reason; invalid entries Meta counts without naming cannot be told apart,
  and the rest of the request is reported sent with that count in ``detail``.
  https://developers.facebook.com/docs/marketing-api/reference/custom-audience/users
- replace: ``POST /{audience_id}/usersreplace`` with the same payload and a ``session``
  (``session_id`` chosen here, ``batch_seq`` from 1, ``last_batch_flag`` on the last request,
  ``estimated_num_total``) uploads the whole new membership and drops everyone else, without a
  single removal. The rule (``replaces``): when the sync knows the members it keeps
  (``keep=``), a replace is used if more members leave than stay, i.e. when uploading the new
  membership (kept + added rows) is smaller than the change (added + removed rows); Meta's
  removals are the slow part of an update. Outcomes of a replace are yielded only after the
  last batch is accepted: a replace killed midway records nothing, and the next sync replaces
  again with a new session.
  https://developers.facebook.com/docs/marketing-api/reference/custom-audience/usersreplace
- errors come as ``{"error": {"code", "error_subcode", "message", "is_transient"}}``, mostly
  with HTTP 400. 190 (token expired or revoked), 10 and 200-299 (permissions, e.g. 294
  ads_management), 100/33 (an ad account the token cannot see) and every other client error
  stop the sync with one line (``DestinationError``). Throttling, codes 4, 17, 613 and 80000-
  80014 (80003 is the custom-audience business use case), and ``is_transient`` errors are
  tried again after the wait Meta's ``X-Business-Use-Case-Usage`` header gives
  (``estimated_time_to_regain_access``, minutes; ``X-FB-Ads-Insights-Throttle`` is the insights
  one and says nothing here), else a minute; 5xx are retried by ``VendorHttp``. When retries
  run out, or Meta asks for more than ``MAX_THROTTLE_WAIT_SECONDS``, the members not yet sent
  are ``failed`` and no further call is made: the next sync sends them.
  https://developers.facebook.com/docs/marketing-api/overview/rate-limiting
"""

from __future__ import annotations

import secrets as random_ids
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from cerebro_tap_kit.meta_errors import (
    EXPIRED_TOKEN_CODE,
    THROTTLE_FALLBACK_SECONDS,
    THROTTLING_CODES,
    UNKNOWN_OBJECT,
    graph_error,
    regain_access_seconds,
)

from cerebro.actions.activation.destination import (
    ADD,
    FAILED,
    REFUSED,
    REMOVE,
    REPAIR,
    SENT,
    Audience,
    DestinationError,
    ListState,
    Member,
    Outcome,
)
from cerebro.actions.activation.http import VendorHttp, VendorUnavailable
from cerebro.actions.activation.identifiers import (
    UnusableIdentifier,
    e164_phone,
    meta_country,
    meta_name,
    meta_phone,
    normalize_email,
    sha256_hex,
)

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v25.0"
SCHEMA = ("EMAIL", "PHONE", "FN", "LN", "COUNTRY")
MAX_ROWS_PER_REQUEST = 10_000
AUDIENCES_PAGE_SIZE = 500
#: Meta may ask to wait an hour; beyond this the sync stops and the next one sends the rest.
MAX_THROTTLE_WAIT_SECONDS = 15 * 60.0
PERMISSION_CODES = frozenset({10, *range(200, 300)})
#: The keys kept for a later removal (``Outcome.sent``): those Meta matches a person by. The
#: name and country hashes are not kept: they match no one alone, and a hashed first name is
#: read back with a list of names.
KEPT_KEYS = ("EMAIL", "PHONE")
#: Meta's size estimate counts matched people, rounded, after matching has run; below this
#: many accepted rows an estimate of 0 may be a small audience, not a lost one.
MIN_COUNTED = 1_000


def from_config(
    settings: Mapping[str, object],
    secrets: Mapping[str, str],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> MetaAudiences:
    """The Meta client of one tenant: ``settings`` gives ``ad_account_id`` and may give
    ``base_url`` and ``api_version``; ``secrets`` must hold ``access_token`` (a system-user token
    with ``ads_management`` on the ad account)."""
    token = secrets.get("access_token")
    if not token:
        raise DestinationError("meta_audiences needs the access_token secret")
    account = str(settings.get("ad_account_id") or "").removeprefix("act_")
    if not account.isdigit():
        raise DestinationError(
            "meta_audiences needs settings.ad_account_id, the ad account's number (act_… in "
            "Ads Manager)"
        )
    base = str(settings.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
    version = str(settings.get("api_version") or DEFAULT_API_VERSION)
    http = VendorHttp(
        "Meta", f"{base}/{version}", {"Authorization": f"Bearer {token}"}, sleep=sleep
    )
    return MetaAudiences(http, account)


def replaces(kept: int, added: int, removed: int) -> bool:
    """Whether to replace the whole audience: more members leave than stay (so the upload of
    kept + added rows is smaller than added + removed), and someone is left to upload."""
    return kept + added > 0 and removed > kept


@dataclass(frozen=True)
class Row:
    """A member as one ``data`` row of ``SCHEMA``, with what had to be left out and why."""

    member: Member
    values: tuple[str, ...]
    left_out: str = ""


def meta_row(member: Member) -> Row:
    """The member's hashed row; ``UnusableIdentifier`` when neither e-mail nor phone is usable
    (names and country alone are not sent: Meta matches them poorly and we cannot check them)."""
    values, problems = [], []
    for key, raw, normalize in (
        ("EMAIL", member.email, normalize_email),
        ("PHONE", member.phone, lambda text: meta_phone(e164_phone(text, member.country_code))),
        ("FN", member.first_name, meta_name),
        ("LN", member.last_name, meta_name),
        ("COUNTRY", member.country_code, meta_country),
    ):
        values.append("")
        if not (raw or "").strip():
            continue
        try:
            values[-1] = sha256_hex(normalize(raw))
        except UnusableIdentifier as error:
            if key in ("EMAIL", "PHONE"):
                problems.append(str(error))
    if not values[0] and not values[1]:
        why = "; ".join(problems) or "none given"
        raise UnusableIdentifier(f"no e-mail or phone Meta can match: {why}")
    return Row(member, tuple(values), "; ".join(problems))


def removal_row(member: Member) -> Row:
    """The row a member was added with (its kept hashes), else one from its contacts."""
    if any(member.sent.get(key) for key in KEPT_KEYS):
        values = tuple(member.sent.get(key, "") if key in KEPT_KEYS else "" for key in SCHEMA)
        return Row(member, values)
    return meta_row(member)


def _sent(row: Row) -> dict[str, str]:
    return {key: value for key, value in zip(SCHEMA, row.values, strict=True)
            if key in KEPT_KEYS and value}  # fmt: skip


class _Unavailable(Exception):
    """Meta kept throttling or failing: the members not yet sent are failed."""


@dataclass
class MetaAudiences:
    """Keeps one Meta custom audience per Cerebro audience equal to the segment."""

    name: ClassVar[str] = "meta_audiences"
    consent: ClassVar[str] = "email"
    one_shot: ClassVar[bool] = False

    http: VendorHttp
    ad_account_id: str
    rows_per_request: int = MAX_ROWS_PER_REQUEST
    _audience_ids: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def sync(
        self,
        audience: Audience,
        add: Sequence[Member],
        remove: Sequence[Member],
        *,
        keep: Sequence[Member] | None = None,
        repair: Sequence[Member] = (),
    ) -> Iterator[Outcome]:
        """Add and remove members; with ``keep`` (the members that stay) the audience is
        replaced whole when ``replaces`` says so. With ``repair`` (the members staying, which
        the audience lost) it is always replaced: a replace session leaves exactly the
        members uploaded, whatever the audience held. One outcome per member of ``add``,
        ``remove`` and ``repair``."""
        add_rows = yield from _usable(add, ADD, meta_row)
        remove_rows = yield from _usable(remove, REMOVE, removal_row)
        repair_rows = yield from _usable(repair, REPAIR, meta_row)
        if not add_rows and not remove_rows and not repair_rows:
            return
        try:
            audience_id = self._audience_id(audience)
        except _Unavailable as error:
            yield from _failed(remove_rows, REMOVE, str(error))
            yield from _failed(add_rows, ADD, str(error))
            yield from _failed(repair_rows, REPAIR, str(error))
            return
        if repair_rows:
            yield from self._replace(audience_id, [], add_rows, remove_rows, repair_rows)
            return
        if keep is not None and replaces(len(keep), len(add_rows), len(remove_rows)):
            keep_rows = [row for row in map(_row_or_none, keep) if row is not None]
            yield from self._replace(audience_id, keep_rows, add_rows, remove_rows)
            return
        phases = [("DELETE", REMOVE, remove_rows), ("POST", ADD, add_rows)]
        for number, (method, action, rows) in enumerate(phases):
            for start in range(0, len(rows), self.rows_per_request):
                batch = rows[start : start + self.rows_per_request]
                try:
                    answer = self._call(method, f"{audience_id}/users", body=_payload(batch))
                except _Unavailable as error:
                    yield from _failed(rows[start:], action, str(error))
                    for _, later_action, later_rows in phases[number + 1 :]:
                        yield from _failed(later_rows, later_action, str(error))
                    return
                yield from _outcomes(batch, action, answer)

    def list_state(self, audience: Audience, expected: int) -> tuple[ListState, bool]:
        """The audience and Meta's estimate of its size (``approximate_count_lower_bound`` /
        ``_upper_bound``, read with the listing that finds it): people matched, not rows
        uploaded, rounded and known only once matching has run, so it cannot be held to the
        log's count. Short when the audience is missing (deleted in Ads Manager; a new one of
        the same name is created and filled), or when the estimate is 0 while the log says at
        least ``MIN_COUNTED`` rows were accepted."""
        # Looked up again: the audience this client found before may have been deleted since.
        self._audience_ids.pop(audience.name, None)
        try:
            found = self._find_audience(audience)
        except _Unavailable as error:
            return ListState(True, None, f"not read ({error})"), False
        if found is None:
            return ListState(False), expected > 0
        low, high = (found.get(f"approximate_count_{end}_bound") for end in ("lower", "upper"))
        if not isinstance(high, int):
            return ListState(True, None, "no size estimate"), False
        said = f"approximate_count {low}-{high}"
        return ListState(True, high, said), high == 0 and expected >= MIN_COUNTED

    def _replace(
        self,
        audience_id: str,
        keep: list[Row],
        add: list[Row],
        remove: list[Row],
        repair: Sequence[Row] = (),
    ) -> Iterator[Outcome]:
        rows = keep + list(repair) + add
        session_id = random_ids.randbelow(2**62) + 1
        batches = [
            rows[start : start + self.rows_per_request]
            for start in range(0, len(rows), self.rows_per_request)
        ]
        invalid: dict[int, str] = {}
        unnamed = 0
        for number, batch in enumerate(batches, start=1):
            session = {
                "session_id": session_id,
                "batch_seq": number,
                "last_batch_flag": number == len(batches),
                "estimated_num_total": len(rows),
            }
            try:
                answer = self._call(
                    "POST", f"{audience_id}/usersreplace", body=_payload(batch, session)
                )
            except _Unavailable as error:
                why = f"replace session stopped at batch {number} of {len(batches)}: {error}"
                yield from _failed(remove, REMOVE, why)
                yield from _failed(add, ADD, why)
                yield from _failed(repair, REPAIR, why)
                return
            named, count = _invalid(batch, answer)
            invalid.update(named)
            unnamed += count
        note = f"Meta counted {unnamed} invalid entries it did not name" if unnamed else ""
        for action, sent_rows in ((ADD, add), (REPAIR, repair)):
            for row in sent_rows:
                if id(row) in invalid:
                    yield Outcome(row.member.customer_id, action, REFUSED, invalid[id(row)])
                else:
                    yield Outcome(row.member.customer_id, action, SENT,
                                  _join(row.left_out, note), sent=_sent(row))  # fmt: skip
        for row in remove:
            yield Outcome(row.member.customer_id, REMOVE, SENT, "left out of the replaced audience")

    def _find_audience(self, audience: Audience) -> dict | None:
        """The first CUSTOM audience with the name, as the listing gives it, or None."""
        path, after = f"act_{self.ad_account_id}/customaudiences", None
        fields = "id,name,subtype,approximate_count_lower_bound,approximate_count_upper_bound"
        while True:
            params = {"fields": fields, "limit": AUDIENCES_PAGE_SIZE}
            page = self._call("GET", path, params={**params, **({"after": after} if after else {})})
            for item in page.get("data", []):
                if item.get("name") == audience.name and item.get("subtype") == "CUSTOM":
                    self._audience_ids[audience.name] = str(item["id"])
                    return item
            paging = page.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return None

    def _audience_id(self, audience: Audience) -> str:
        if audience.name in self._audience_ids:
            return self._audience_ids[audience.name]
        path = f"act_{self.ad_account_id}/customaudiences"
        item = self._find_audience(audience)
        found = None if item is None else str(item["id"])
        if found is None:
            created = self._call(
                "POST",
                path,
                body={
                    "name": audience.name,
                    "subtype": "CUSTOM",
                    "customer_file_source": "USER_PROVIDED_ONLY",
                    "description": f"Segment {audience.segment} of {audience.tenant_id}, kept "
                    "in sync by Cerebro",
                },
            )
            found = str(created["id"])
        self._audience_ids[audience.name] = found
        return found

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        body: object = None,
    ) -> dict:
        """The JSON answer of a successful call; throttling waited out, fatal errors raised."""
        code = None
        for attempt in range(1, self.http.max_attempts + 1):
            try:
                response = self.http.request(method, path, params=params, json_body=body)
            except VendorUnavailable as error:
                raise _Unavailable(str(error)) from None
            if response.ok:
                return response.body if isinstance(response.body, dict) else {}
            error = graph_error(response.body)
            code = error.get("code")
            if code not in THROTTLING_CODES and not error.get("is_transient"):
                raise DestinationError(self._fatal(method, path, response.status, error))
            hinted = regain_access_seconds(response.headers)
            if hinted is not None and hinted > MAX_THROTTLE_WAIT_SECONDS:
                raise _Unavailable(
                    f"Meta throttles this ad account (code {code}) for {hinted / 60:.0f} more "
                    "minutes; the next sync sends the rest"
                )
            if attempt < self.http.max_attempts:
                fallback = THROTTLE_FALLBACK_SECONDS if code in THROTTLING_CODES else 2.0**attempt
                self.http.sleep(hinted if hinted is not None else fallback)
        raise _Unavailable(
            f"Meta: {method} {path} throttled or failing {self.http.max_attempts} times "
            f"(code {code}); the next sync sends the rest"
        )

    def _fatal(self, method: str, path: str, status: int, error: Mapping) -> str:
        code, subcode = error.get("code"), error.get("error_subcode")
        said = " ".join(str(error.get("message") or f"HTTP {status}").split())
        if code == EXPIRED_TOKEN_CODE:
            return (
                f"Meta rejected the access token (code 190, subcode {subcode or '-'}: {said}); "
                "it expired or was revoked: put a new system-user token in the environment "
                "variable the tenant names for access_token"
            )
        if code in PERMISSION_CODES:
            return (
                f"Meta refused the access token's permissions (code {code}: {said}); the "
                f"token's user needs ads_management on ad account act_{self.ad_account_id}"
            )
        if (code, subcode) == UNKNOWN_OBJECT:
            return (
                f"Meta cannot find {path.split('/')[0]} or the token cannot see it (code 100, "
                f"subcode 33); check settings.ad_account_id (act_{self.ad_account_id})"
            )
        return f"Meta refused {method} {path} (code {code}, subcode {subcode or '-'}: {said})"


def _usable(
    members: Sequence[Member], action: str, to_row: Callable[[Member], Row]
) -> Generator[Outcome, None, list[Row]]:
    """Rows of the members that have something to match; refusals yielded for the others."""
    rows = []
    for member in members:
        try:
            rows.append(to_row(member))
        except UnusableIdentifier as error:
            yield Outcome(member.customer_id, action, REFUSED, str(error))
    return rows


def _row_or_none(member: Member) -> Row | None:
    try:
        return meta_row(member)
    except UnusableIdentifier:
        return None


def _payload(rows: Sequence[Row], session: Mapping[str, object] | None = None) -> dict:
    body: dict[str, object] = {
        "payload": {"schema": list(SCHEMA), "data": [list(row.values) for row in rows]}
    }
    if session is not None:
        body["session"] = dict(session)
    return body


def _invalid(rows: Sequence[Row], answer: Mapping) -> tuple[dict[int, str], int]:
    """Rows (by ``id``) named by ``invalid_entry_samples``, with Meta's reason, and how many
    invalid entries Meta counted without naming them."""
    samples = answer.get("invalid_entry_samples") or {}
    named: dict[int, str] = {}
    for entry, reason in samples.items() if isinstance(samples, dict) else ():
        for row in rows:
            if entry and entry in row.values:
                named[id(row)] = f"Meta found the entry invalid: {reason}"
    counted = int(answer.get("num_invalid_entries") or 0)
    return named, max(0, counted - len(named))


def _outcomes(rows: Sequence[Row], action: str, answer: Mapping) -> Iterator[Outcome]:
    named, unnamed = _invalid(rows, answer)
    note = f"Meta counted {unnamed} invalid entries in this request it did not name"
    for row in rows:
        if id(row) in named:
            yield Outcome(row.member.customer_id, action, REFUSED, named[id(row)])
        else:
            yield Outcome(
                row.member.customer_id, action, SENT, _join(row.left_out, note if unnamed else ""),
                sent=_sent(row) if action == ADD else None,
            )  # fmt: skip


def _failed(rows: Sequence[Row], action: str, why: str) -> Iterator[Outcome]:
    for row in rows:
        yield Outcome(row.member.customer_id, action, FAILED, why)


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)
