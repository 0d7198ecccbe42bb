"""Google Ads Customer Match: a CRM-based user list per segment, changed through offline user
data jobs.

Endpoints and limits as documented for the Google Ads API REST interface
(``DEFAULT_API_VERSION``), https://developers.google.com/google-ads/api/docs/remarketing/audience-segments/customer-match/get-started
and the protos (``OfflineUserDataJobService``, ``offline_user_data.proto``,
``offline_user_data_job_error.proto``):

- every request carries ``Authorization: Bearer`` (an access token refreshed from the tenant's
  OAuth refresh token, as the Google Ads tap does: ``cerebro_tap_kit.google_oauth``), the
  ``developer-token`` header and, when access comes through a manager account,
  ``login-customer-id`` (digits only).
- find the list: ``POST /customers/{id}/googleAds:search`` with GAQL on ``user_list`` by exact
  name (names are unique per account: ``NAME_ALREADY_USED``); a list of that name that is not
  ``CRM_BASED`` stops the sync. Missing: ``POST /customers/{id}/userLists:mutate`` creating a
  ``crmBasedUserList`` with ``uploadKeyType`` ``CONTACT_INFO`` (immutable; e-mails and phones
  cannot share a list with mobile ids) and ``membershipLifeSpan`` 540 days, the longest
  Customer Match keeps a member since April 2025 (above it, and the former 10000 for "no
  expiry", are refused with ``RangeError.TOO_HIGH``); each sync re-adds the segment's
  members, which renews their membership, so a list kept equal to a segment does not shrink.
- jobs: ``POST /customers/{id}/offlineUserDataJobs:create`` of type
  ``CUSTOMER_MATCH_USER_LIST`` for the list; ``…/offlineUserDataJobs/{job}:addOperations``
  with one operation per member, a ``UserData`` of separate ``userIdentifiers``
  (``hashedEmail``; ``hashedPhoneNumber``, E.164 with ``+``; hashed as ``identifiers`` says)
  and ``enablePartialFailure``; at most 100,000 identifiers a request and 20 an operation
  (``TOO_MANY_USER_IDENTIFIERS``), further requests to the same job beyond that (Google advises
  one job with all of a list's operations rather than many). A job cannot mix ``create`` and
  ``remove`` (``CONFLICTING_OPERATION``): a sync runs a removal job, then an addition job.
  A ``partialFailureError`` names each failed operation by its index
  (``location.fieldPathElements[0]``): that member is refused with Google's message, the rest
  stay in the job. Then ``…:run``, and ``googleAds:search`` on ``offline_user_data_job`` until
  its ``status`` is ``SUCCESS`` or ``FAILED`` (waits of ``JOB_POLL_WAITS``). Jobs may take
  hours: after ``job_wait_seconds`` the members are reported sent with the job still running
  in ``detail`` (Google accepted them and finishes the job on its own); a ``FAILED`` job fails
  them with its ``failureReason``, to be sent again next sync. A job run while another one of
  the same list still runs is answered ``CONCURRENT_MODIFICATION``: its members are failed and
  the next sync sends them.
- consent: ``customerMatchUserListMetadata.consent`` (``adUserData``, ``adPersonalization``,
  or per ``UserData``) is required by Google's EU user consent policy for people in the EEA;
  Chilean tenants' customers are outside it, so the field is left unset (UNSPECIFIED) rather
  than asserting a consent Cerebro did not collect. A tenant with EEA customers would need it.
- names are not sent: Google matches them only as an address with the postal code, which
  members do not carry.
- errors: 401 refreshes the token once, a second 401 stops; 403 (developer token, account
  access, login-customer-id, Customer Match not allowed) and other 4xx stop with one line
  (``DestinationError``); 429 ``RESOURCE_EXHAUSTED`` waits the failure's ``retryDelay`` and
  5xx back off in ``VendorHttp``; when retries run out the members not yet in a running job
  are ``failed``, with no further call.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from cerebro_tap_kit.clock import SystemClock
from cerebro_tap_kit.google_ads_errors import (
    digits,
    error_codes,
    failure_details,
    google_error,
    retry_delay_seconds,
)
from cerebro_tap_kit.google_oauth import GOOGLE_TOKEN_URL, GoogleOAuth
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

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
from cerebro.actions.activation.http import VendorHttp, VendorResponse, VendorUnavailable
from cerebro.actions.activation.identifiers import (
    UnusableIdentifier,
    e164_phone,
    normalize_email,
    sha256_hex,
)

DEFAULT_BASE_URL = "https://googleads.googleapis.com"
DEFAULT_API_VERSION = "v24"
MAX_IDENTIFIERS_PER_REQUEST = 100_000
#: The longest membership Customer Match accepts (days), since April 2025.
MAX_LIFE_SPAN_DAYS = "540"
#: Seconds between polls of a running job, the last one repeated.
JOB_POLL_WAITS = (5.0, 10.0, 30.0, 60.0)
DEFAULT_JOB_WAIT_SECONDS = 15 * 60.0
DONE = ("SUCCESS", "FAILED")
#: OfflineUserDataJobOperation's field for each action (a repair is an add).
OPERATIONS = {ADD: "create", REMOVE: "remove", REPAIR: "create"}
#: The identifiers a removal is sent with when kept (``Outcome.sent``).
KEPT_KEYS = ("hashedEmail", "hashedPhoneNumber")


def from_config(
    settings: Mapping[str, object],
    secrets: Mapping[str, str],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> GoogleCustomerMatch:
    """The Customer Match client of one tenant: ``settings`` gives ``customer_id`` and may give
    ``login_customer_id``, ``base_url``, ``api_version``, ``token_url`` and
    ``job_wait_seconds``; ``secrets`` must hold ``developer_token``, ``client_id``,
    ``client_secret`` and ``refresh_token`` (issued for the ``adwords`` scope)."""
    missing = [
        name
        for name in ("developer_token", "client_id", "client_secret", "refresh_token")
        if not secrets.get(name)
    ]
    if missing:
        raise DestinationError(f"google_customer_match needs the secrets {', '.join(missing)}")
    customer = digits(str(settings.get("customer_id") or ""))
    if len(customer) != 10:
        raise DestinationError(
            "google_customer_match needs settings.customer_id, the account's 10-digit id "
            "(123-456-7890)"
        )
    headers = {"developer-token": secrets["developer_token"]}
    if settings.get("login_customer_id"):
        headers["login-customer-id"] = digits(str(settings["login_customer_id"]))
    base = str(settings.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
    version = str(settings.get("api_version") or DEFAULT_API_VERSION)
    http = VendorHttp(
        "Google Ads", f"{base}/{version}", headers, sleep=sleep, retry_hint=_retry_delay
    )
    oauth = GoogleOAuth(
        token_url=str(settings.get("token_url") or GOOGLE_TOKEN_URL),
        client_id=secrets["client_id"],
        client_secret=secrets["client_secret"],
        refresh_token=secrets["refresh_token"],
        clock=SystemClock(),
    )
    wait = float(str(settings.get("job_wait_seconds") or DEFAULT_JOB_WAIT_SECONDS))
    return GoogleCustomerMatch(http, oauth, customer, job_wait_seconds=wait)


@dataclass(frozen=True)
class Operation:
    """A member as one ``UserData``, with what had to be left out and why."""

    member: Member
    identifiers: tuple[dict[str, str], ...]
    left_out: str = ""
    #: The action the member is answered for (``add`` or ``repair`` share a job).
    action: str = ADD


def google_user_data(member: Member) -> Operation:
    """The member's hashed identifiers; ``UnusableIdentifier`` when there is none."""
    identifiers, problems = [], []
    for key, raw, normalize in (
        ("hashedEmail", member.email, normalize_email),
        ("hashedPhoneNumber", member.phone, lambda text: e164_phone(text, member.country_code)),
    ):
        if not (raw or "").strip():
            continue
        try:
            identifiers.append({key: sha256_hex(normalize(raw))})
        except UnusableIdentifier as error:
            problems.append(str(error))
    if not identifiers:
        why = "; ".join(problems) or "none given"
        raise UnusableIdentifier(f"no e-mail or phone Google can match: {why}")
    return Operation(member, tuple(identifiers), "; ".join(problems))


def removal_user_data(member: Member) -> Operation:
    """The identifiers a member was added with (kept hashes), else from its contacts."""
    kept = tuple({key: member.sent[key]} for key in KEPT_KEYS if member.sent.get(key))
    return Operation(member, kept) if kept else google_user_data(member)


class _Unavailable(Exception):
    """Google kept failing or throttling: the members not yet in a running job are failed."""


@dataclass
class GoogleCustomerMatch:
    """Keeps one Customer Match user list per Cerebro audience equal to the segment."""

    name: ClassVar[str] = "google_customer_match"
    consent: ClassVar[str] = "email"
    one_shot: ClassVar[bool] = False

    http: VendorHttp
    oauth: GoogleOAuth
    customer_id: str
    job_wait_seconds: float = DEFAULT_JOB_WAIT_SECONDS
    identifiers_per_request: int = MAX_IDENTIFIERS_PER_REQUEST
    _lists: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def list_state(self, audience: Audience, expected: int) -> tuple[ListState, bool]:
        """The user list and its sizes (``size_for_search``, ``size_for_display``), read with
        the query that finds it. Short only when the list is missing (removed in the Google
        Ads UI; a new one is created and filled): the sizes count matched users, not uploaded
        identifiers, Google shows them rounded and as ranges (``UserListSizeRange``, "less than
        500" … "over 50 million"), and they take up to 48 hours to reflect an upload, so no
        count from them can be held to the log's; they are reported, and ``--resync`` sends
        the list again when they look wrong."""
        # Looked up again: the list this client found before may have been removed since.
        self._lists.pop(audience.name, None)
        try:
            found = self._find_user_list(audience, sizes=True)
        except _Unavailable as error:
            return ListState(True, None, f"not read ({error})"), False
        if found is None:
            return ListState(False), expected > 0
        search, display = found.get("sizeForSearch"), found.get("sizeForDisplay")
        size = int(search) if search is not None else None
        return ListState(True, size, f"size_for_search {search}, size_for_display {display}"), False

    def sync(
        self,
        audience: Audience,
        add: Sequence[Member],
        remove: Sequence[Member],
        *,
        repair: Sequence[Member] = (),
    ) -> Iterator[Outcome]:
        """A removal job, then an addition job (Google refuses both in one job) holding the
        members to add and those to add again (``repair``); one outcome per member and
        action."""
        removals = yield from _usable(remove, REMOVE, removal_user_data)
        additions = yield from _usable(add, ADD, google_user_data)
        additions += yield from _usable(repair, REPAIR, google_user_data)
        phases = [(action, ops) for action, ops in ((REMOVE, removals), (ADD, additions)) if ops]
        if not phases:
            return
        try:
            user_list = self._user_list(audience)
        except _Unavailable as error:
            for action, ops in phases:
                yield from _failed(ops, action, str(error))
            return
        for number, (action, ops) in enumerate(phases):
            stopped = yield from self._job(user_list, action, ops)
            if stopped:
                for later_action, later_ops in phases[number + 1 :]:
                    yield from _failed(later_ops, later_action, stopped)
                return

    def _job(
        self, user_list: str, action: str, ops: list[Operation]
    ) -> Generator[Outcome, None, str]:
        """Create, fill, run and follow one job; why Google stopped answering, if it did."""
        try:
            job = self._create_job(user_list)
        except _Unavailable as error:
            yield from _failed(ops, action, str(error))
            return str(error)
        in_job, stopped = [], ""
        for start, batch in self._batches(ops):
            body = {
                "operations": [{OPERATIONS[action]: {"userIdentifiers": list(op.identifiers)}}
                               for op in batch],
                "enablePartialFailure": True,
            }  # fmt: skip
            # An addition job also carries repairs: each member is answered for its own action.
            try:
                answer = self._call(f"{job}:addOperations", body)
            except _Unavailable as error:
                yield from _failed(ops[start:], action, str(error))
                stopped = str(error)
                break
            refused = _partial_failures(answer)
            for index, op in enumerate(batch):
                if index in refused:
                    yield Outcome(op.member.customer_id, op.action, REFUSED, refused[index], job)
                else:
                    in_job.append(op)
        if not in_job:
            return stopped
        try:
            self._call(f"{job}:run", {})
        except _Unavailable as error:
            yield from _failed(in_job, action, f"job {job} could not be run: {error}")
            return stopped or str(error)
        try:
            status, reason, waited = self._wait(job)
        except _Unavailable as error:
            status, reason, waited = "of unknown status", str(error), 0.0
        for op in in_job:
            if status == "FAILED":
                detail = f"job {job} failed: {reason or 'no reason given'}"
                yield Outcome(op.member.customer_id, op.action, FAILED, detail, job)
                continue
            detail = ""
            if status != "SUCCESS":
                why = f" ({reason})" if reason else ""
                detail = f"job {status} after {waited:.0f} s{why}; Google finishes it on its own"
            sent = None if op.action == REMOVE else _sent(op)
            yield Outcome(
                op.member.customer_id, op.action, SENT, _join(op.left_out, detail), job, sent
            )
        return stopped

    def _wait(self, job: str) -> tuple[str, str, float]:
        """The job's status and failure reason once done, or as it stands after the wait."""
        query = (
            "SELECT offline_user_data_job.resource_name, offline_user_data_job.status, "
            "offline_user_data_job.failure_reason FROM offline_user_data_job "
            f"WHERE offline_user_data_job.resource_name = '{job}'"
        )
        waited, polls, status, reason = 0.0, 0, "PENDING", ""
        while True:
            rows = self._search(query)
            found = rows[0].get("offlineUserDataJob", {}) if rows else {}
            status, reason = found.get("status", status), found.get("failureReason", "")
            if status in DONE or waited >= self.job_wait_seconds:
                return status, reason if reason != "UNSPECIFIED" else "", waited
            pause = min(JOB_POLL_WAITS[min(polls, len(JOB_POLL_WAITS) - 1)],
                        self.job_wait_seconds - waited)  # fmt: skip
            self.http.sleep(pause)
            waited, polls = waited + pause, polls + 1

    def _find_user_list(self, audience: Audience, *, sizes: bool = False) -> dict | None:
        """The user list of the audience's name (a CRM-based one), or None."""
        quoted = audience.name.replace("\\", "\\\\").replace("'", "\\'")
        extra = ", user_list.size_for_search, user_list.size_for_display" if sizes else ""
        rows = self._search(
            f"SELECT user_list.resource_name, user_list.name, user_list.type{extra} "
            f"FROM user_list WHERE user_list.name = '{quoted}'"
        )
        if not rows:
            return None
        found = rows[0]["userList"]
        if found.get("type") != "CRM_BASED":
            raise DestinationError(
                f"Google Ads account {self.customer_id} has a {found.get('type')} user list "
                f"named {audience.name!r}, not a Customer Match one; rename one of them"
            )
        self._lists[audience.name] = found["resourceName"]
        return found

    def _user_list(self, audience: Audience) -> str:
        if audience.name in self._lists:
            return self._lists[audience.name]
        found = self._find_user_list(audience)
        if found is not None:
            resource = found["resourceName"]
        else:
            user_list = {
                "name": audience.name,
                "description": f"Segment {audience.segment} of {audience.tenant_id}, kept in "
                "sync by Cerebro",
                "membershipLifeSpan": MAX_LIFE_SPAN_DAYS,
                "crmBasedUserList": {"uploadKeyType": "CONTACT_INFO",
                                     "dataSourceType": "FIRST_PARTY"},
            }  # fmt: skip
            answer = self._call(
                f"customers/{self.customer_id}/userLists:mutate",
                {"operations": [{"create": user_list}]},
            )
            resource = answer["results"][0]["resourceName"]
        self._lists[audience.name] = resource
        return resource

    def _create_job(self, user_list: str) -> str:
        job = {
            "type": "CUSTOMER_MATCH_USER_LIST",
            "customerMatchUserListMetadata": {"userList": user_list},
        }
        answer = self._call(
            f"customers/{self.customer_id}/offlineUserDataJobs:create", {"job": job}
        )
        return answer["resourceName"]

    def _batches(self, operations: list[Operation]) -> Iterator[tuple[int, list[Operation]]]:
        """(start index, operations) of requests holding at most the identifiers allowed."""
        start, count = 0, 0
        for index, op in enumerate(operations):
            if count + len(op.identifiers) > self.identifiers_per_request:
                yield start, operations[start:index]
                start, count = index, 0
            count += len(op.identifiers)
        if start < len(operations):
            yield start, operations[start:]

    def _search(self, query: str) -> list[dict]:
        rows, token = [], None
        while True:
            body = {"query": query, **({"pageToken": token} if token else {})}
            answer = self._call(f"customers/{self.customer_id}/googleAds:search", body)
            rows += answer.get("results", [])
            token = answer.get("nextPageToken")
            if not token:
                return rows

    def _call(self, path: str, body: object) -> dict:
        """POST ``path``; the JSON answer, with a rejected token refreshed once."""
        while True:
            try:
                response = self.http.request(
                    "POST", path, json_body=body, headers=self._authorization()
                )
            except VendorUnavailable as error:
                raise _Unavailable(str(error)) from None
            if response.status == 401 and self.oauth.retry_after_rejection():
                continue
            break
        if response.ok:
            self.oauth.accepted()
            return response.body if isinstance(response.body, dict) else {}
        if "CONCURRENT_MODIFICATION" in error_codes(google_error(response.body)):
            raise _Unavailable(
                "another job on this user list is still running; the next sync sends them"
            )
        raise DestinationError(self._fatal(path, response))

    def _authorization(self) -> dict[str, str]:
        try:
            return {"Authorization": f"Bearer {self.oauth.access_token()}"}
        except FatalAPIError as error:
            raise DestinationError(" ".join(str(error).split())) from None
        except (RetriableAPIError, OSError) as error:
            raise _Unavailable(f"Google's token endpoint: {error}") from None

    def _fatal(self, path: str, response: VendorResponse) -> str:
        error = google_error(response.body)
        codes = ", ".join(sorted(error_codes(error)))
        said = "; ".join(str(item.get("message", "")) for item in failure_details(error))
        said = " ".join((said or str(error.get("message") or "")).split())
        what = f"{error.get('status') or response.status}{f' {codes}' if codes else ''}: {said}"
        if response.status == 401:
            return (
                f"Google Ads rejected a freshly refreshed access token ({what}); check that "
                "client_id, client_secret and refresh_token belong to the same OAuth client"
            )
        if response.status == 403:
            return (
                f"Google Ads refused access to customer {self.customer_id} ({what}); check the "
                "developer token, that the authorized user manages the account (set "
                "login_customer_id when through a manager) and that it may use Customer Match"
            )
        return f"Google Ads refused {path.rsplit('/', 1)[-1]} ({what})"


def _retry_delay(response: VendorResponse) -> float | None:
    """The ``retryDelay`` Google puts in a quota error's details."""
    return retry_delay_seconds(google_error(response.body))


def _partial_failures(answer: Mapping) -> dict[int, str]:
    """Google's message for each failed operation of an addOperations request, by index."""
    failed: dict[int, list[str]] = {}
    for detail in (answer.get("partialFailureError") or {}).get("details", []):
        for error in detail.get("errors", []):
            path = (error.get("location") or {}).get("fieldPathElements") or [{}]
            if path[0].get("fieldName") == "operations" and "index" in path[0]:
                codes = ", ".join(str(code) for code in error.get("errorCode", {}).values())
                message = error.get("message", "")
                failed.setdefault(int(path[0]["index"]), []).append(f"{codes}: {message}")
    return {index: "Google refused it: " + "; ".join(texts) for index, texts in failed.items()}


def _usable(
    members: Sequence[Member], action: str, to_operation: Callable[[Member], Operation]
) -> Generator[Outcome, None, list[Operation]]:
    """Operations of the members that have something to match; refusals for the others."""
    operations = []
    for member in members:
        try:
            operations.append(dataclasses.replace(to_operation(member), action=action))
        except UnusableIdentifier as error:
            yield Outcome(member.customer_id, action, REFUSED, str(error))
    return operations


def _sent(op: Operation) -> dict[str, str]:
    """The hashes an accepted add sent, kept for its removal."""
    return {key: value for item in op.identifiers for key, value in item.items()}


def _failed(operations: Sequence[Operation], action: str, why: str) -> Iterator[Outcome]:
    for op in operations:
        yield Outcome(op.member.customer_id, op.action, FAILED, why)


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)
