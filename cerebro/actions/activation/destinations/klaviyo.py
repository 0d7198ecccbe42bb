"""Klaviyo: a list per audience, kept equal to the segment through Klaviyo's JSON:API.

Endpoints and limits as documented for revision ``DEFAULT_REVISION``
(https://developers.klaviyo.com/en/reference/api_overview and the OpenAPI spec in
github.com/klaviyo/openapi):

- find the list: ``GET /api/lists`` with ``filter=equals(name,"…")``, at most 10 lists a page,
  followed through ``links.next``; the name is compared exactly here, since the docs do not say
  how the filter treats case. Missing: ``POST /api/lists`` (burst 10/s, steady 150/m, 150 a day).
- add, few members (up to ``SYNC_ADD_MAX``): ``POST /api/profile-import`` per member (create or
  update, returns the profile id, 75/s burst) then ``POST /api/lists/{id}/relationships/profiles``
  with at most 1000 ids. Klaviyo's bulk import guide steers small updates to its synchronous
  profile endpoints rather than a job; 20 members take at most 21 calls, inside one second of
  profile-import's burst limit, and are answered at once, where a job costs a spawn, a poll or
  more and an error page, and waits in Klaviyo's queue.
- add, many members: ``POST /api/profile-bulk-import-jobs`` with at most 10,000 profiles and
  5 MB a request, the list as a relationship; ``GET /api/profile-bulk-import-jobs/{id}`` until
  ``complete`` (or ``cancelled``); then, if ``failed_count``, the per-profile errors from
  ``GET …/{id}/import-errors`` (100 a page) become refusals. Bulk import ignores nulls, so absent
  fields are left out.
- remove: the members' profile ids from ``GET /api/lists/{id}/profiles`` filtered with
  ``any(email,[…])`` (100 a page), then ``DELETE /api/lists/{id}/relationships/profiles`` with at
  most 1000 ids. Removing from a list does not touch consent.
- every request carries ``Authorization: Klaviyo-API-Key …`` and the ``revision`` header;
  bodies are ``application/vnd.api+json``.
- rate limits are per account and endpoint, fixed windows (burst per second, steady per
  minute); a 429 carries ``Retry-After``, which ``VendorHttp`` waits, and without it its
  exponential backoff is what the docs recommend: no vendor-specific hint is needed. A sync
  makes few calls (100,000 members: about 40), far below the steady limits, so the
  ``RateLimit-*`` headers of other answers are not used to pace it.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

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
from cerebro.actions.activation.identifiers import UnusableIdentifier, e164_phone, sha256_hex

DEFAULT_BASE_URL = "https://a.klaviyo.com"
#: The newest stable revision of Klaviyo's OpenAPI spec when this client was written.
DEFAULT_REVISION = "2026-07-15"
SYNC_ADD_MAX = 20
BULK_IMPORT_MAX_PROFILES = 10_000
BULK_IMPORT_MAX_BYTES = 5_000_000
LIST_RELATIONSHIP_MAX = 1_000
LISTS_PAGE_MAX = 10
PROFILES_PAGE_MAX = 100
#: A lookup filter longer than this is split, to keep the URL well under common 8 KB limits.
LOOKUP_FILTER_MAX_CHARS = 4_000
#: Waits between polls of an import job (seconds), the last one repeated.
JOB_POLL_WAITS = (1.0, 2.0, 5.0, 10.0)
JOB_POLL_GIVE_UP_SECONDS = 30 * 60
JSON_API = "application/vnd.api+json"
SCOPES = "lists:read, lists:write, profiles:read, profiles:write"

_JOB_POINTER = re.compile(r"^/data/attributes/profiles/data/(\d+)")


def from_config(
    settings: Mapping[str, object],
    secrets: Mapping[str, str],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> KlaviyoDestination:
    """The Klaviyo client of one tenant: ``settings`` may give ``base_url``, ``revision`` and
    ``list_prefix``; ``secrets`` must hold ``api_key`` (a private key, ``pk_…``)."""
    api_key = secrets.get("api_key")
    if not api_key:
        raise DestinationError("Klaviyo needs the api_key secret (a private API key, pk_…)")
    revision = str(settings.get("revision") or DEFAULT_REVISION)
    http = VendorHttp(
        "Klaviyo",
        str(settings.get("base_url") or DEFAULT_BASE_URL),
        {
            "Authorization": f"Klaviyo-API-Key {api_key}",
            "revision": revision,
            "Accept": JSON_API,
        },
        sleep=sleep,
    )
    return KlaviyoDestination(http, list_prefix=str(settings.get("list_prefix") or ""))


@dataclass
class KlaviyoDestination:
    """Keeps one Klaviyo list per audience equal to the segment."""

    name: ClassVar[str] = "klaviyo"
    consent: ClassVar[str] = "email"
    one_shot: ClassVar[bool] = False

    http: VendorHttp
    list_prefix: str = ""
    _tenant: str = field(default="", init=False, repr=False)
    _unavailable: str | None = field(default=None, init=False, repr=False)
    _list_ids: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def list_state(self, audience: Audience, expected: int) -> tuple[ListState, bool]:
        """The list and its ``profile_count`` (``GET /api/lists/{id}`` with
        ``additional-fields[list]=profile_count``, an exact count; rate limit XS, 1/s burst
        and 15/m steady, against one read per sync); short when it holds fewer than the log
        says. A list Klaviyo cannot be asked about now is taken as it is (the sync goes on)."""
        self._tenant = audience.tenant_id
        list_name = f"{self.list_prefix}{audience.name}"
        # Looked up again: the list this client found before may have been deleted since.
        self._list_ids.pop(list_name, None)
        try:
            list_id = self._find_list(list_name)
            if list_id is None:
                return ListState(False), expected > 0
            params = {"additional-fields[list]": "profile_count", "fields[list]": "name"}
            response = self._call("GET", f"/api/lists/{list_id}", params=params)
        except VendorUnavailable as error:
            return ListState(True, None, f"not read ({error})"), False
        if response.status == 404:  # deleted between the two reads
            self._list_ids.pop(list_name, None)
            return ListState(False), expected > 0
        count = ((response.body or {}).get("data") or {}).get("attributes", {})
        size = count.get("profile_count") if response.ok else None
        if not isinstance(size, int):
            return ListState(True, None, f"profile_count not read ({_reason(response)})"), False
        return ListState(True, size, f"profile_count {size}"), size < expected

    def sync(
        self,
        audience: Audience,
        add: Sequence[Member],
        remove: Sequence[Member],
        *,
        repair: Sequence[Member] = (),
    ) -> Iterator[Outcome]:
        """Add and remove members of the audience's list, and add again those of ``repair``
        (members the list lost); one outcome per member and action."""
        if not add and not remove and not repair:
            return
        self._tenant = audience.tenant_id
        self._unavailable = None
        list_name = f"{self.list_prefix}{audience.name}"
        try:
            list_id = self._find_list(list_name)
            if list_id is None and (add or repair):
                list_id = self._create_list(list_name)
        except VendorUnavailable as error:
            yield from _all(add, ADD, FAILED, str(error))
            yield from _all(repair, REPAIR, FAILED, str(error))
            yield from _all(remove, REMOVE, FAILED, str(error))
            return
        if add:
            yield from self._add(list_id, add, ADD)
        if repair:
            yield from self._add(list_id, repair, REPAIR)
        if remove:
            if list_id is None:
                yield from _all(remove, REMOVE, SENT, "the list does not exist yet")
            else:
                yield from self._remove(list_id, remove)

    # Lists -----------------------------------------------------------------------------------

    def _find_list(self, list_name: str) -> str | None:
        if list_name in self._list_ids:
            return self._list_ids[list_name]
        params = {
            "filter": f"equals(name,{_literal(list_name)})",
            "sort": "created",
            "fields[list]": "name",
            "page[size]": LISTS_PAGE_MAX,
        }
        for page in self._pages("/api/lists", params):
            for item in page:
                if item.get("attributes", {}).get("name") == list_name:
                    self._list_ids[list_name] = item["id"]
                    return item["id"]
        return None

    def _create_list(self, list_name: str) -> str:
        body = {"data": {"type": "list", "attributes": {"name": list_name}}}
        response = self._call("POST", "/api/lists", json_body=body)
        if not response.ok:
            raise VendorUnavailable(f"Klaviyo did not create the list: {_reason(response)}")
        self._list_ids[list_name] = response.body["data"]["id"]
        return response.body["data"]["id"]

    # Adding ----------------------------------------------------------------------------------

    def _add(self, list_id: str, members: Sequence[Member], action: str) -> Iterator[Outcome]:
        by_email: dict[str, list[Member]] = {}
        for member in members:
            email = _email(member)
            if email is None:
                yield Outcome(member.customer_id, action, REFUSED, "no e-mail address")
            else:
                by_email.setdefault(email, []).append(member)
        if len(by_email) <= SYNC_ADD_MAX:
            yield from self._add_one_by_one(list_id, by_email, action)
        else:
            for batch, profiles in _import_batches(by_email):
                yield from self._add_by_job(list_id, batch, profiles, action)

    def _add_one_by_one(
        self, list_id: str, by_email: Mapping[str, list[Member]], action: str
    ) -> Iterator[Outcome]:
        profile_ids: dict[str, str] = {}
        for email, same in by_email.items():
            if self._unavailable:
                yield from _all(same, action, FAILED, self._unavailable)
                continue
            body = {"data": {"type": "profile", "attributes": _attributes(email, same[0])}}
            response = self._guarded("POST", "/api/profile-import", json_body=body)
            if response is None:
                yield from _all(same, action, FAILED, self._unavailable or "")
            elif response.ok:
                profile_ids[email] = response.body["data"]["id"]
            else:
                status = REFUSED if response.status in (400, 409, 422) else FAILED
                yield from _all(same, action, status, _reason(response))
        emails = list(profile_ids)
        for start in range(0, len(emails), LIST_RELATIONSHIP_MAX):
            chunk = emails[start : start + LIST_RELATIONSHIP_MAX]
            data = [{"type": "profile", "id": profile_ids[email]} for email in chunk]
            path = f"/api/lists/{list_id}/relationships/profiles"
            response = self._guarded("POST", path, json_body={"data": data})
            for email in chunk:
                if response is not None and response.ok:
                    yield from _accepted(by_email[email], action, email, profile_ids[email])
                else:
                    detail = self._unavailable if response is None else _reason(response)
                    yield from _all(by_email[email], action, FAILED, detail or "")

    def _add_by_job(
        self, list_id: str, batch: Mapping[str, list[Member]], profiles: list[dict], action: str
    ) -> Iterator[Outcome]:
        if self._unavailable:
            yield from _all(_flat(batch), action, FAILED, self._unavailable)
            return
        emails = list(batch)
        body = {
            "data": {
                "type": "profile-bulk-import-job",
                "attributes": {"profiles": {"data": profiles}},
                "relationships": {"lists": {"data": [{"type": "list", "id": list_id}]}},
            }
        }
        response = self._guarded("POST", "/api/profile-bulk-import-jobs", json_body=body)
        if response is None or not response.ok:
            detail = self._unavailable if response is None else _reason(response)
            yield from _all(_flat(batch), action, FAILED, detail or "")
            return
        job_id = response.body["data"]["id"]
        job = self._wait_for_job(job_id)
        if job is None:
            detail = self._unavailable or f"import job {job_id} not finished; the next sync retries"
            yield from _all(_flat(batch), action, FAILED, detail)
            return
        refused = self._import_errors(job_id, emails) if job.get("failed_count") else {}
        if refused is None:
            # Some profiles failed and which ones is unknown: all are tried again next time
            # (an import is an upsert, and adding a member twice leaves one membership).
            detail = f"import job {job_id}: its errors could not be read; the next sync retries"
            yield from _all(_flat(batch), action, FAILED, detail)
            return
        for email in emails:
            if email in refused:
                yield from _all(batch[email], action, REFUSED, refused[email], job_id)
            elif job["status"] == "complete":
                yield from _accepted(batch[email], action, email, job_id)
            else:
                yield from _all(batch[email], action, FAILED, f"import job {job_id} cancelled")

    def _wait_for_job(self, job_id: str) -> dict | None:
        waited, polls = 0.0, 0
        while waited <= JOB_POLL_GIVE_UP_SECONDS:
            wait = JOB_POLL_WAITS[min(polls, len(JOB_POLL_WAITS) - 1)]
            self.http.sleep(wait)
            waited, polls = waited + wait, polls + 1
            response = self._guarded("GET", f"/api/profile-bulk-import-jobs/{job_id}")
            if response is None or not response.ok:
                return None
            attributes = response.body["data"]["attributes"]
            if attributes["status"] in ("complete", "cancelled"):
                return attributes
        return None

    def _import_errors(self, job_id: str, emails: Sequence[str]) -> dict[str, str] | None:
        """Refusal reasons by e-mail, from the job's per-profile errors (None: unreadable)."""
        path = f"/api/profile-bulk-import-jobs/{job_id}/import-errors"
        errors, _ = self._collect(path, {"page[size]": PROFILES_PAGE_MAX})
        if errors is None:
            return None
        refused: dict[str, str] = {}
        known = set(emails)
        for error in errors:
            attributes = error.get("attributes", {})
            email = _errored_email(attributes, emails, known)
            if email is not None:
                refused[email] = _one_line(attributes.get("title"), attributes.get("detail"))
        return refused

    # Removing --------------------------------------------------------------------------------

    def _remove(self, list_id: str, members: Sequence[Member]) -> Iterator[Outcome]:
        by_email: dict[str, list[Member]] = {}
        by_hash: dict[str, list[Member]] = {}
        for member in members:
            email, sent = _email(member), member.sent.get("email_sha256")
            if sent and (email is None or sha256_hex(email) != sent):
                # Erased from the marts, or the address changed since it was added: the list
                # holds the address that was sent, found by its hash among the list's profiles.
                by_hash.setdefault(sent, []).append(member)
            elif email is None:
                yield Outcome(member.customer_id, REMOVE, SENT, "no e-mail: not in the list")
            else:
                by_email.setdefault(email, []).append(member)
        if by_hash:
            yield from self._remove_by_hash(list_id, by_hash)
        emails = list(by_email)
        for start in range(0, len(emails), LIST_RELATIONSHIP_MAX):
            chunk = emails[start : start + LIST_RELATIONSHIP_MAX]
            in_list, why = self._profile_ids_in_list(list_id, chunk)
            if in_list is None:
                yield from _all(_flat(by_email, chunk), REMOVE, FAILED, why)
                continue
            response = None
            if in_list:
                data = [{"type": "profile", "id": pid} for pid in in_list.values()]
                path = f"/api/lists/{list_id}/relationships/profiles"
                response = self._guarded("DELETE", path, json_body={"data": data})
            for email in chunk:
                same = by_email[email]
                if email not in in_list:
                    yield from _all(same, REMOVE, SENT, "not in the list")
                elif response is not None and response.ok:
                    yield from _all(same, REMOVE, SENT, "", in_list[email])
                else:
                    detail = self._unavailable if response is None else _reason(response)
                    yield from _all(same, REMOVE, FAILED, detail or "")

    def _remove_by_hash(
        self, list_id: str, by_hash: Mapping[str, list[Member]]
    ) -> Iterator[Outcome]:
        """Remove members known only by the hash of the address they were added with: Klaviyo
        finds profiles by address, not by hash, so the list's members are read (``GET
        /api/lists/{id}/profiles``, 100 a page, e-mail only) and hashed here."""
        profiles, why = self._collect(
            f"/api/lists/{list_id}/profiles",
            {"fields[profile]": "email", "page[size]": PROFILES_PAGE_MAX},
        )
        if profiles is None:
            yield from _all(_flat(by_hash), REMOVE, FAILED, why)
            return
        in_list: dict[str, str] = {}
        for profile in profiles:
            email = (profile.get("attributes", {}).get("email") or "").strip().lower()
            if email:
                in_list[sha256_hex(email)] = profile["id"]
        found = [digest for digest in by_hash if digest in in_list]
        for digest in by_hash:
            if digest not in in_list:
                yield from _all(by_hash[digest], REMOVE, SENT, "not in the list")
        for start in range(0, len(found), LIST_RELATIONSHIP_MAX):
            chunk = found[start : start + LIST_RELATIONSHIP_MAX]
            data = [{"type": "profile", "id": in_list[digest]} for digest in chunk]
            path = f"/api/lists/{list_id}/relationships/profiles"
            response = self._guarded("DELETE", path, json_body={"data": data})
            for digest in chunk:
                if response is not None and response.ok:
                    yield from _all(by_hash[digest], REMOVE, SENT, "", in_list[digest])
                else:
                    detail = self._unavailable if response is None else _reason(response)
                    yield from _all(by_hash[digest], REMOVE, FAILED, detail or "")

    def _profile_ids_in_list(
        self, list_id: str, emails: Sequence[str]
    ) -> tuple[dict[str, str] | None, str]:
        """Profile ids by e-mail of those ``emails`` that are in the list, or None and why."""
        found: dict[str, str] = {}
        for group in _lookup_groups(emails):
            params = {
                "filter": f"any(email,{_literal(group)})",
                "fields[profile]": "email",
                "page[size]": PROFILES_PAGE_MAX,
            }
            profiles, why = self._collect(f"/api/lists/{list_id}/profiles", params)
            if profiles is None:
                return None, why
            for profile in profiles:
                email = (profile.get("attributes", {}).get("email") or "").lower()
                found[email] = profile["id"]
        return found, ""

    # HTTP ------------------------------------------------------------------------------------

    def _pages(self, path: str, params: Mapping[str, object] | None) -> Iterator[list[dict]]:
        """The ``data`` of each page, following ``links.next`` (an absolute URL with the cursor)."""
        while path:
            response = self._call("GET", path, params=params)
            if not response.ok:
                raise _Unreadable(f"Klaviyo: GET {path}: {_reason(response)}")
            yield response.body.get("data", [])
            following = (response.body.get("links") or {}).get("next")
            if not following:
                return
            parts = urllib.parse.urlsplit(following)
            path, params = parts.path, dict(urllib.parse.parse_qsl(parts.query))

    def _collect(
        self, path: str, params: Mapping[str, object] | None
    ) -> tuple[list[dict] | None, str]:
        """Every page's ``data``, or None and why; like ``_guarded`` for exhausted retries."""
        if self._unavailable:
            return None, self._unavailable
        items: list[dict] = []
        try:
            for page in self._pages(path, params):
                items.extend(page)
        except _Unreadable as error:
            return None, str(error)
        except VendorUnavailable as error:
            self._unavailable = str(error)
            return None, str(error)
        return items, ""

    def _guarded(self, method: str, path: str, **kwargs) -> VendorResponse | None:
        """A call whose exhausted retries mark Klaviyo unavailable for the rest of this sync:
        what is left is reported failed without further calls, and retried by the next sync."""
        if self._unavailable:
            return None
        try:
            return self._call(method, path, **kwargs)
        except VendorUnavailable as error:
            self._unavailable = str(error)
            return None

    def _call(self, method: str, path: str, **kwargs) -> VendorResponse:
        headers = {"Content-Type": JSON_API} if "json_body" in kwargs else None
        response = self.http.request(method, path, headers=headers, **kwargs)
        if response.status in (401, 403):
            # A key that is wrong, revoked or lacks a scope fails every call alike: stop here.
            code = _first_error(response).get("code") or f"HTTP {response.status}"
            raise DestinationError(
                f"Klaviyo refused the API key for tenant {self._tenant} ({code}): check the "
                f"KLAVIYO secret / scopes ({SCOPES})"
            )
        if response.ok and response.body is not None and not _json_api(response.body):
            # JSON, but not Klaviyo's (a proxy's or another service's at a wrong base_url):
            # read as Klaviyo's it would stop the sync on a missing key.
            raise VendorUnavailable(
                f"Klaviyo: {method} {urllib.parse.urlsplit(path).path} answered JSON without "
                "the 'data' every Klaviyo answer has: a proxy or a wrong base_url?"
            )
        return response


def _json_api(body: object) -> bool:
    """A JSON:API document as Klaviyo answers a success: an object with ``data``."""
    return isinstance(body, dict) and "data" in body


class _Unreadable(VendorUnavailable):
    """A page Klaviyo answered with a client error."""


# Helpers ---------------------------------------------------------------------------------------


def _all(
    members: Sequence[Member], action: str, status: str, detail: str, ref: str | None = None
) -> Iterator[Outcome]:
    for member in members:
        yield Outcome(member.customer_id, action, status, detail, ref)


def _accepted(
    members: Sequence[Member], action: str, email: str, ref: str | None
) -> Iterator[Outcome]:
    """Accepted adds, with the hash of the address sent: what a removal matches the list's
    profiles against once the address is gone from the marts."""
    sent = {"email_sha256": sha256_hex(email)}
    for member in members:
        yield Outcome(member.customer_id, action, SENT, "", ref, sent)


def _flat(by_email: Mapping[str, list[Member]], emails: Sequence[str] | None = None) -> list:
    return [member for email in (emails or by_email) for member in by_email[email]]


def _email(member: Member) -> str | None:
    email = (member.email or "").strip().lower()
    return email or None


def _attributes(email: str, member: Member) -> dict[str, str]:
    """A profile's attributes; absent fields left out (bulk import ignores nulls anyway)."""
    attributes = {"email": email}
    if member.phone:
        # Klaviyo wants E.164; a number that cannot be written so with certainty is left out,
        # since Klaviyo would refuse the whole profile for it, e-mail included.
        with contextlib.suppress(UnusableIdentifier):
            attributes["phone_number"] = e164_phone(member.phone, member.country_code)
    if member.first_name and member.first_name.strip():
        attributes["first_name"] = member.first_name.strip()
    if member.last_name and member.last_name.strip():
        attributes["last_name"] = member.last_name.strip()
    return attributes


def _import_batches(
    by_email: Mapping[str, list[Member]],
) -> Iterator[tuple[dict[str, list[Member]], list[dict]]]:
    """Members and their profiles in batches within the job endpoint's limits: 10,000
    profiles and 5 MB a request (sizes as ``VendorHttp`` encodes the body)."""
    batch: dict[str, list[Member]] = {}
    profiles: list[dict] = []
    size = 500  # the envelope around the profiles, generously
    for email, same in by_email.items():
        profile = {"type": "profile", "attributes": _attributes(email, same[0])}
        profile_size = len(json.dumps(profile)) + 2  # with the ", " that separates it
        if batch and (
            len(batch) == BULK_IMPORT_MAX_PROFILES or size + profile_size > BULK_IMPORT_MAX_BYTES
        ):
            yield batch, profiles
            batch, profiles, size = {}, [], 500
        batch[email] = same
        profiles.append(profile)
        size += profile_size
    if batch:
        yield batch, profiles


def _lookup_groups(emails: Sequence[str]) -> Iterator[list[str]]:
    """At most a page of e-mails per lookup, with a filter short enough for a URL."""
    group: list[str] = []
    for email in emails:
        if group and (
            len(group) == PROFILES_PAGE_MAX
            or len(_literal([*group, email])) > LOOKUP_FILTER_MAX_CHARS
        ):
            yield group
            group = []
        group.append(email)
    if group:
        yield group


def _literal(value: object) -> str:
    """A filter argument: Klaviyo's filter syntax quotes strings in double quotes and writes
    lists in brackets, which JSON does the same way (escapes included)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _errored_email(attributes: Mapping, emails: Sequence[str], known: set[str]) -> str | None:
    """The e-mail an import error is about: from the original payload, else the pointer."""
    payload = attributes.get("original_payload") or {}
    payload = payload.get("attributes", payload) if isinstance(payload, dict) else {}
    email = payload.get("email") if isinstance(payload, dict) else None
    if isinstance(email, str) and email.strip().lower() in known:
        return email.strip().lower()
    pointer = (attributes.get("source") or {}).get("pointer") or ""
    match = _JOB_POINTER.match(pointer)
    if match and int(match.group(1)) < len(emails):
        return emails[int(match.group(1))]
    return None


def _first_error(response: VendorResponse) -> dict:
    body = response.body
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0]
        return first if isinstance(first, dict) else {}
    return {}


def _reason(response: VendorResponse) -> str:
    error = _first_error(response)
    reason = _one_line(error.get("title"), error.get("detail"))
    return f"HTTP {response.status}" + (f": {reason}" if reason else "")


def _one_line(*parts: object) -> str:
    text = " — ".join(str(part) for part in parts if part)
    return " ".join(text.split())[:300]
