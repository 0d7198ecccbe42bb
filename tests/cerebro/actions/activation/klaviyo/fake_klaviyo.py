"""A local stand-in for Klaviyo's JSON:API, for the Klaviyo destination's tests and benchmark.

Built from Klaviyo's API reference and OpenAPI spec (facts only): the routes the destination
uses, with Klaviyo's shapes, limits and errors, and state kept between calls:

- auth: ``Authorization: Klaviyo-API-Key <key>``, else 401 ``not_authenticated``; a key without
  the route's scope answers 403 ``permission_denied``; the ``revision`` header (a date) is
  required (400 without it);
- lists: ``GET /api/lists`` (``filter=equals(name,"…")``, ``sort=created``, at most 10 a page,
  opaque ``page[cursor]`` in ``links.next``), ``GET /api/lists/{id}`` (``profile_count`` only
  when asked with ``additional-fields[list]=profile_count``, 404 for a deleted list) and
  ``POST /api/lists`` (names need not be unique);
- profiles: ``POST /api/profile-import`` (upsert by e-mail, 201 created / 200 updated, 400 for
  an invalid e-mail or a phone not in E.164);
- membership: ``POST``/``DELETE /api/lists/{id}/relationships/profiles`` (at most 1000 ids,
  204) and ``GET /api/lists/{id}/profiles`` (``any(email,[…])``, at most 100 a page);
- bulk import: ``POST /api/profile-bulk-import-jobs`` (at most 10,000 profiles and 5 MB, 202),
  ``GET …/{id}`` (queued → processing → complete after one or two polls, alternately), and
  ``GET …/{id}/import-errors`` (one error per refused profile, with ``source.pointer`` and
  ``original_payload``, 100 a page);
- metrics and events, what the Klaviyo tap reads (revision 2026-07-15's OpenAPI spec):
  ``GET /api/metrics`` (cursor pages, ``fields[metric]``) and ``GET /api/events`` (``filter``
  of ``equals(metric_id|profile_id,"…")`` and ``greater-or-equal|greater-than|less-or-equal|
  less-than(datetime,<unquoted ISO date-time>)`` joined by ``and(…)``; ``sort`` by
  ``[-]datetime``; ``include`` of ``metric``/``profile`` with sparse ``fields[…]``;
  ``page[size]`` 1 to 1000, 200 by default); a quoted date-time, an operator or field the
  endpoint does not list, or an unknown parameter is a 400 ``invalid``;
- errors as ``{"errors": [{id, status, code, title, detail, source}]}``; rate-limit headers on
  every answer but a 429, which carries ``Retry-After``; 429 and 5xx on demand.

Klaviyo's docs do not say whether ``equals(name,…)`` on lists is case-sensitive; this fake
matches case-insensitively, the reading under which a client that trusts the filter goes wrong.
Every request is recorded (method, route, items in the body, bytes) so that tests can check
batch limits; a request over a limit is refused as Klaviyo does.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import http.server
import itertools
import json
import re
import threading
import urllib.parse
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

LISTS_PAGE_MAX = 10
PAGE_MAX = 100
RELATIONSHIPS_MAX = 1_000
BULK_PROFILES_MAX = 10_000
BULK_BYTES_MAX = 5_000_000
ALL_SCOPES = frozenset(
    {"lists:read", "lists:write", "profiles:read", "profiles:write", "events:read", "metrics:read"}
)
EVENTS_PAGE_MAX = 1_000
EVENTS_PAGE_DEFAULT = 200
_EMAIL = re.compile(r"^[^@\s\"]+@[^@\s\"]+\.[A-Za-z]{2,}$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_REVISION = re.compile(r"^\d{4}-\d{2}-\d{2}(\.pre)?$")
_FILTER = re.compile(r"^(equals|any)\((\w+),(.*)\)$", re.S)

_LIST = r"/api/lists/(?P<id>[^/]+)"
_JOB = r"/api/profile-bulk-import-jobs/(?P<id>[^/]+)"
_READ, _WRITE = {"lists:read", "profiles:read"}, {"lists:write", "profiles:write"}
#: (method, path pattern, handler, scopes the API reference lists for the endpoint)
ROUTES = [
    ("GET", r"/api/lists", "get_lists", {"lists:read"}),
    ("POST", r"/api/lists", "create_list", {"lists:write"}),
    ("GET", _LIST, "get_list", {"lists:read"}),
    ("POST", r"/api/profile-import", "import_profile", {"profiles:write"}),
    ("POST", _LIST + "/relationships/profiles", "add_to_list", _WRITE),
    ("DELETE", _LIST + "/relationships/profiles", "remove_from_list", _WRITE),
    ("GET", _LIST + "/profiles", "get_list_profiles", _READ),
    ("POST", r"/api/profile-bulk-import-jobs", "spawn_job", _WRITE),
    ("GET", _JOB, "get_job", _READ),
    ("GET", _JOB + "/import-errors", "get_import_errors", {"profiles:read"}),
    ("GET", r"/api/metrics", "get_metrics", {"metrics:read"}),
    ("GET", r"/api/events", "get_events", {"events:read"}),
]


class KlaviyoError(Exception):
    def __init__(self, status: int, code: str, title: str, detail: str, **source):
        self.status, self.code, self.title, self.detail = status, code, title, detail
        self.source = source or {"pointer": "/data/"}
        self.headers: dict[str, str] = {}

    def body(self) -> dict:
        """Klaviyo's error document."""
        fields = {
            "id": str(uuid.uuid4()),
            "status": self.status,
            "code": self.code,
            "title": self.title,
            "detail": self.detail,
            "source": self.source,
        }
        return {"errors": [fields]}


def _invalid_input(detail: str, **source) -> KlaviyoError:
    return KlaviyoError(400, "invalid", "Invalid input.", detail, **source)


@dataclass
class Seen:
    """One request as the fake saw it."""

    method: str
    route: str  # the handler name, or the path when no route matched
    items: int  # resources in the body's data (profiles for a bulk import job)
    bytes: int
    status: int = 0


@dataclass
class Job:
    id: str
    profiles: list[dict]
    list_ids: list[str]
    polls_to_complete: int
    polls: int = 0
    status: str = "queued"
    errors: list[dict] = field(default_factory=list)
    completed: int = 0


class FakeKlaviyo:
    """One Klaviyo account: lists, profiles, memberships and import jobs, behind one API key."""

    def __init__(self, api_key: str = "pk_test_cerebro", scopes=ALL_SCOPES):
        self.api_key: str | None = api_key
        self.scopes = set(scopes)
        self.lists: dict[str, dict] = {}
        self.profiles: dict[str, dict] = {}
        self.profile_by_email: dict[str, str] = {}
        self.members: dict[str, dict[str, None]] = {}  # list id → profile ids, in joining order
        self.jobs: dict[str, Job] = {}
        self.metrics: dict[str, str] = {}  # metric id → name
        self.events: list[dict] = []
        self.event_queries: list[dict] = []  # the query of each GET /api/events answered
        self.seen: list[Seen] = []
        self._faults: deque[tuple[int, dict]] = deque()
        self._revoke_in: int | None = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # What tests arrange and read --------------------------------------------------------------

    def add_list(self, name: str) -> str:
        with self._lock:
            return self._new_list(name)

    def member_emails(self, list_id: str) -> set[str]:
        return {self.profiles[pid]["email"] for pid in self.members.get(list_id, {})}

    def delete_list(self, list_id: str) -> None:
        """As a user deleting the list in Klaviyo's UI: the list and its memberships go, the
        profiles stay."""
        self.lists.pop(list_id)
        self.members.pop(list_id)

    def list_named(self, name: str) -> list[str]:
        return [lid for lid, item in self.lists.items() if item["name"] == name]

    def throttle(self, times: int = 1, retry_after: str = "3") -> None:
        """The next ``times`` requests answer 429 with ``Retry-After``."""
        self._faults.extend([(429, {"Retry-After": retry_after})] * times)

    def fail(self, times: int = 1, status: int = 503) -> None:
        self._faults.extend([(status, {})] * times)

    def revoke_after(self, requests: int) -> None:
        """The key is revoked after the next ``requests`` requests (as a user would, mid-sync)."""
        self._revoke_in = requests

    def add_metric(self, name: str) -> str:
        """A metric (as an integration or Klaviyo itself creates it with its first event)."""
        with self._lock:
            metric_id = f"M{next(self._ids):05d}"
            self.metrics[metric_id] = name
            return metric_id

    def add_event(
        self, metric_id: str, email: str, when: dt.datetime, properties: dict | None = None
    ) -> str:
        """An event of ``metric_id`` for the profile of ``email`` (created if new) at ``when``."""
        with self._lock:
            profile_id = self._upsert({"email": email})
            event_id = f"EV{next(self._ids):010d}"
            self.events.append(
                {
                    "id": event_id,
                    "metric_id": metric_id,
                    "profile_id": profile_id,
                    "datetime": when.astimezone(dt.UTC),
                    "properties": dict(properties or {}),
                }
            )
            return event_id

    def largest(self, route: str) -> int:
        return max((s.items for s in self.seen if s.route == route), default=0)

    def calls(self, route: str | None = None) -> int:
        return sum(1 for s in self.seen if route is None or s.route == route)

    # The HTTP surface ----------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers, body: bytes, host: str):
        """Answer one request: (status, headers, JSON body or None)."""
        parts = urllib.parse.urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        seen = Seen(method, path, 0, len(body))
        # Every answer but a 429 tells the state of the steady window.
        extra = {"RateLimit-Limit": "750", "RateLimit-Remaining": "749", "RateLimit-Reset": "59"}
        with self._lock:
            self.seen.append(seen)
            if self._revoke_in is not None:
                self._revoke_in -= 1
                if self._revoke_in < 0:
                    self.api_key, self._revoke_in = None, None
            try:
                status, payload = self._dispatch(method, path, query, headers, body, seen, host)
            except KlaviyoError as error:
                status, payload = error.status, error.body()
                if status == 429:
                    extra = error.headers
        seen.status = status
        return status, extra, payload

    def _dispatch(self, method, path, query, headers, body, seen, host):
        if self._faults:
            status, fault_headers = self._faults.popleft()
            if status == 429:
                error = KlaviyoError(status, "throttled", "Request was throttled.", "Try later.")
            else:
                error = KlaviyoError(status, "error", "A server error occurred.", "Try again.")
            error.headers = fault_headers
            raise error
        self._authenticate(headers.get("Authorization"))
        if not _REVISION.match(headers.get("revision") or ""):
            raise _invalid_input("A valid revision header is required.", parameter="revision")
        allowed = False
        for route_method, pattern, name, scopes in ROUTES:
            match = re.fullmatch(pattern, path)
            if not match:
                continue
            allowed = True
            if route_method != method:
                continue
            seen.route = name
            if not scopes <= self.scopes:
                raise KlaviyoError(
                    403,
                    "permission_denied",
                    "You do not have permission to perform this action.",
                    "This API key is missing required scopes.",
                )
            document = self._document(method, headers, body)
            context = {"query": query, "host": host, "path": path, "seen": seen}
            return getattr(self, name)(document, context, **match.groupdict())
        if allowed:
            raise KlaviyoError(405, "method_not_allowed", "Method not allowed.", method)
        raise KlaviyoError(404, "not_found", "Not found.", f"No route for {path}.")

    def _authenticate(self, authorization: str | None) -> None:
        scheme, _, key = (authorization or "").partition(" ")
        if scheme != "Klaviyo-API-Key" or not key:
            raise KlaviyoError(
                401,
                "not_authenticated",
                "Authentication credentials were not provided.",
                "Missing or invalid authorization scheme. Please use Klaviyo-API-Key.",
            )
        if key != self.api_key:
            raise KlaviyoError(
                401,
                "not_authenticated",
                "Incorrect authentication credentials.",
                "Incorrect authentication credentials.",
            )

    @staticmethod
    def _document(method, headers, body):
        if method not in ("POST", "DELETE", "PATCH"):
            return None
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip()
        if content_type not in ("application/vnd.api+json", "application/json"):
            raise KlaviyoError(
                415,
                "unsupported_media_type",
                "Unsupported media type.",
                f"Unsupported media type {content_type!r}.",
            )
        try:
            return json.loads(body)
        except ValueError as error:
            raise KlaviyoError(400, "parse_error", "Malformed request.", str(error)) from None

    # Lists ---------------------------------------------------------------------------------------

    def get_lists(self, _, context):
        query = context["query"]
        found = list(self.lists.values())
        field_name, value = _filter(query.get("filter"), {"name": "equals", "id": "equals"})
        if field_name == "name":
            found = [item for item in found if item["name"].casefold() == value.casefold()]
        elif field_name == "id":
            found = [item for item in found if item["id"] == value]
        resources = [_list_resource(item) for item in found]
        return 200, self._page(resources, context, LISTS_PAGE_MAX, default=10)

    def get_list(self, _, context, id):
        self._known_list(id)
        resource = _list_resource(self.lists[id])
        additional = context["query"].get("additional-fields[list]")
        if additional is not None:
            if additional != "profile_count":
                raise _invalid_input(
                    f"Invalid additional-fields[list]: {additional}",
                    parameter="additional-fields[list]",
                )
            resource["attributes"]["profile_count"] = len(self.members[id])
        return 200, {"data": resource}

    def create_list(self, document, context):
        name = _required(document, "list")["attributes"].get("name")
        if not isinstance(name, str) or not name.strip():
            raise _invalid_input("A list needs a name.", pointer="/data/attributes/name")
        return 201, {"data": _list_resource(self.lists[self._new_list(name)])}

    def _new_list(self, name: str) -> str:
        list_id = f"L{next(self._ids):05d}"
        self.lists[list_id] = {"id": list_id, "name": name, "created": next(self._ids)}
        self.members[list_id] = {}
        return list_id

    # Profiles and membership ---------------------------------------------------------------------

    def import_profile(self, document, context):
        attributes = _required(document, "profile")["attributes"]
        problem = _invalid(attributes)
        if problem:
            raise _invalid_input(problem[1], pointer=problem[0])
        created = attributes["email"].strip().lower() not in self.profile_by_email
        profile_id = self._upsert(attributes)
        return (201 if created else 200), {"data": self._profile_resource(profile_id)}

    def add_to_list(self, document, context, id):
        profile_ids = self._relationship_ids(document, context["seen"], id)
        for profile_id in profile_ids:
            self.members[id].setdefault(profile_id, None)
        return 204, None

    def remove_from_list(self, document, context, id):
        for profile_id in self._relationship_ids(document, context["seen"], id):
            self.members[id].pop(profile_id, None)
        return 204, None

    def get_list_profiles(self, _, context, id):
        self._known_list(id)
        field_name, value = _filter(context["query"].get("filter"), {"email": "any|equals"})
        members = list(self.members[id])
        if field_name == "email":
            wanted = [value] if isinstance(value, str) else value
            ids = {self.profile_by_email.get(email.lower()) for email in wanted}
            members = [pid for pid in ids if pid in self.members[id]]
        fields = context["query"].get("fields[profile]")
        page = self._page(members, context, PAGE_MAX, default=20)
        # Resources built for the page only: a 100,000-member list is read in 1,000 pages.
        page["data"] = [self._profile_resource(pid, fields) for pid in page["data"]]
        return 200, page

    def _relationship_ids(self, document, seen, list_id):
        self._known_list(list_id)
        data = document.get("data") if isinstance(document, dict) else None
        if not isinstance(data, list):
            raise _invalid_input("data must be a list.")
        seen.items = len(data)
        if len(data) > RELATIONSHIPS_MAX:
            raise _invalid_input(f"At most {RELATIONSHIPS_MAX} profiles per call.", pointer="/data")
        ids = []
        for index, item in enumerate(data):
            if item.get("type") != "profile" or item.get("id") not in self.profiles:
                raise _invalid_input("Unknown profile.", pointer=f"/data/{index}")
            ids.append(item["id"])
        return ids

    def _known_list(self, list_id):
        if list_id not in self.lists:
            raise KlaviyoError(404, "not_found", "Not found.", f"No list with id {list_id}.")

    def _upsert(self, attributes: dict) -> str:
        email = attributes["email"].strip().lower()
        profile_id = self.profile_by_email.get(email)
        if profile_id is None:
            profile_id = f"01FAKEPROFILE{next(self._ids):013d}"
            self.profile_by_email[email] = profile_id
            self.profiles[profile_id] = {"email": email}
        kept = ("phone_number", "first_name", "last_name")
        self.profiles[profile_id].update({k: attributes[k] for k in kept if attributes.get(k)})
        return profile_id

    def _profile_resource(self, profile_id: str, fields: str | None = None) -> dict:
        attributes = dict(self.profiles[profile_id])
        if fields:
            attributes = {k: v for k, v in attributes.items() if k in fields.split(",")}
        return {
            "type": "profile",
            "id": profile_id,
            "attributes": attributes,
            "links": {"self": f"/api/profiles/{profile_id}/"},
        }

    # Bulk import jobs ----------------------------------------------------------------------------

    def spawn_job(self, document, context):
        data = _required(document, "profile-bulk-import-job")
        profiles = (data["attributes"].get("profiles") or {}).get("data")
        if not isinstance(profiles, list) or not profiles:
            raise _invalid_input(
                "profiles.data is required.", pointer="/data/attributes/profiles/data"
            )
        context["seen"].items = len(profiles)
        if len(profiles) > BULK_PROFILES_MAX:
            raise _invalid_input(
                f"At most {BULK_PROFILES_MAX} profiles per job.",
                pointer="/data/attributes/profiles/data",
            )
        if context["seen"].bytes > BULK_BYTES_MAX:
            raise KlaviyoError(
                413, "payload_too_large", "Payload too large.", "The maximum payload size is 5MB."
            )
        lists = ((data.get("relationships") or {}).get("lists") or {}).get("data") or []
        for item in lists:
            self._known_list(item.get("id"))
        job_id = f"01FAKEJOB{next(self._ids):017d}"
        polls = 1 + len(self.jobs) % 2  # complete after one poll, then two, alternately
        self.jobs[job_id] = Job(job_id, profiles, [item["id"] for item in lists], polls)
        return 202, {"data": self._job_resource(self.jobs[job_id])}

    def get_job(self, _, context, id):
        job = self._known_job(id)
        job.polls += 1
        if job.status == "queued":
            job.status = "processing"
        if job.polls >= job.polls_to_complete and job.status == "processing":
            self._run(job)
        return 200, {"data": self._job_resource(job)}

    def get_import_errors(self, _, context, id):
        job = self._known_job(id)
        return 200, self._page(job.errors, context, PAGE_MAX, default=20)

    def _run(self, job: Job) -> None:
        for index, profile in enumerate(job.profiles):
            attributes = profile.get("attributes") or {}
            problem = _invalid(attributes)
            if problem:
                pointer = f"/data/attributes/profiles/data/{index}{problem[0][5:]}"
                job.errors.append(
                    {
                        "type": "import-error",
                        "id": str(uuid.uuid4()),
                        "attributes": {
                            "code": "invalid",
                            "title": "Invalid input.",
                            "detail": problem[1],
                            "source": {"pointer": pointer},
                            "original_payload": attributes,
                        },
                    }
                )
                continue
            profile_id = self._upsert(attributes)
            for list_id in job.list_ids:
                self.members[list_id].setdefault(profile_id, None)
            job.completed += 1
        job.status = "complete"

    def _known_job(self, job_id):
        if job_id not in self.jobs:
            raise KlaviyoError(404, "not_found", "Not found.", f"No job with id {job_id}.")
        return self.jobs[job_id]

    @staticmethod
    def _job_resource(job: Job) -> dict:
        return {
            "type": "profile-bulk-import-job",
            "id": job.id,
            "attributes": {
                "status": job.status,
                "created_at": "2026-11-01T00:00:00+00:00",
                "total_count": len(job.profiles),
                "completed_count": job.completed,
                "failed_count": len(job.errors),
            },
            "links": {"self": f"/api/profile-bulk-import-jobs/{job.id}/"},
        }

    # Metrics and events --------------------------------------------------------------------------

    def get_metrics(self, _, context):
        query = context["query"]
        _known_parameters(query, {"fields[metric]", "filter", "page[cursor]"})
        if query.get("filter"):
            raise _invalid_input("This fake answers metrics unfiltered.", parameter="filter")
        fields = _sparse(query, "metric", {"name", "created", "updated", "integration"})
        resources = [
            {
                "type": "metric",
                "id": metric_id,
                "attributes": _only({"name": name, "integration": {"name": "Klaviyo"}}, fields),
                "links": {"self": f"/api/metrics/{metric_id}/"},
            }
            for metric_id, name in self.metrics.items()
        ]
        # Get Metrics takes no page[size]; its pages are the server's (fixed here at 200).
        return 200, self._page(resources, {**context, "query": {**query, "page[size]": "200"}},
                               200, default=200, echo=query)  # fmt: skip

    def get_events(self, _, context):
        query = context["query"]
        _known_parameters(
            query,
            {"filter", "sort", "include", "page[size]", "page[cursor]", "fields[event]",
             "fields[profile]", "fields[metric]", "fields[attribution]"},
        )  # fmt: skip
        self.event_queries.append(dict(query))
        tests = _event_filter(query.get("filter"))
        found = [event for event in self.events if all(test(event) for test in tests)]
        sort = query.get("sort")
        if sort is not None:
            if sort.lstrip("-") not in ("datetime", "timestamp"):
                raise _invalid_input(f"Invalid sort: {sort}", parameter="sort")
            found.sort(key=lambda event: (event["datetime"], event["id"]),
                       reverse=sort.startswith("-"))  # fmt: skip
        include = [part for part in (query.get("include") or "").split(",") if part]
        if set(include) - {"attributions", "metric", "profile"}:
            raise _invalid_input(f"Invalid include: {query['include']}", parameter="include")
        event_fields = _sparse(query, "event", {"datetime", "event_properties", "id",
                                                "timestamp", "uuid"})  # fmt: skip
        profile_fields = query.get("fields[profile]")
        page = self._page(found, context, EVENTS_PAGE_MAX, default=EVENTS_PAGE_DEFAULT)
        events, page["data"], included = page["data"], [], {}
        for event in events:
            attributes = {
                "timestamp": int(event["datetime"].timestamp()),
                "event_properties": event["properties"],
                "datetime": event["datetime"].isoformat(),
                "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, event["id"])),
            }
            page["data"].append(
                {
                    "type": "event",
                    "id": event["id"],
                    "attributes": _only(attributes, event_fields),
                    "relationships": {
                        "profile": {"data": {"type": "profile", "id": event["profile_id"]}},
                        "metric": {"data": {"type": "metric", "id": event["metric_id"]}},
                    },
                    "links": {"self": f"/api/events/{event['id']}/"},
                }
            )
            if "profile" in include:
                included[("profile", event["profile_id"])] = self._profile_resource(
                    event["profile_id"], profile_fields
                )
        if include:
            page["included"] = list(included.values())
        return 200, page

    # Pagination ----------------------------------------------------------------------------------

    def _page(
        self, resources: list, context, maximum: int, *, default: int, echo: dict | None = None
    ) -> dict:
        query = context["query"]
        try:
            size = int(query.get("page[size]", default))
        except ValueError:
            size = -1
        if not 1 <= size <= maximum:
            raise _invalid_input(
                f"page[size] must be between 1 and {maximum}.", parameter="page[size]"
            )
        start = _offset(query.get("page[cursor]"))
        body = {"data": resources[start : start + size], "links": {"self": context["path"]}}
        if start + size < len(resources):
            following = {**(query if echo is None else echo), "page[cursor]": _cursor(start + size)}
            body["links"]["next"] = (
                f"http://{context['host']}{context['path']}?{urllib.parse.urlencode(following)}"
            )
        return body


def _list_resource(item: dict) -> dict:
    return {
        "type": "list",
        "id": item["id"],
        "attributes": {"name": item["name"], "opt_in_process": "single_opt_in"},
        "links": {"self": f"/api/lists/{item['id']}/"},
    }


def _required(document, resource_type: str) -> dict:
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict) or data.get("type") != resource_type:
        raise _invalid_input(f"data.type must be {resource_type!r}.", pointer="/data/type")
    if not isinstance(data.get("attributes"), dict):
        raise _invalid_input("data.attributes is required.", pointer="/data/attributes")
    return data


def _invalid(attributes: dict) -> tuple[str, str] | None:
    """(pointer, detail) of the first problem of a profile's attributes, else None."""
    email = attributes.get("email")
    if not isinstance(email, str) or not _EMAIL.match(email.strip()):
        return "/data/attributes/email", f"Invalid email address: {email!r}."
    phone = attributes.get("phone_number")
    if phone is not None and not _E164.match(str(phone)):
        return "/data/attributes/phone_number", f"Invalid phone number: {phone!r}."
    return None


def _filter(expression: str | None, allowed: dict[str, str]):
    """(field, value) of a ``equals(field,"v")`` or ``any(field,["v", …])`` filter."""
    if not expression:
        return None, None
    match = _FILTER.match(expression.strip())
    if match and match.group(2) in allowed and match.group(1) in allowed[match.group(2)]:
        try:
            value = json.loads(match.group(3))
        except ValueError:
            value = None
        if isinstance(value, str) or (
            match.group(1) == "any"
            and isinstance(value, list)
            and all(isinstance(v, str) for v in value)
        ):
            return match.group(2), value
    raise _invalid_input(f"Invalid filter: {expression}", parameter="filter")


_DATETIME_OPERATORS = {
    "greater-or-equal": lambda left, right: left >= right,
    "greater-than": lambda left, right: left > right,
    "less-or-equal": lambda left, right: left <= right,
    "less-than": lambda left, right: left < right,
}
_EXPRESSION = re.compile(r"([a-z-]+)\(([a-z_]+),([^()]*)\)")


def _event_filter(expression: str | None) -> list:
    """Tests on an event for Get Events' filter, refusing what its spec does not list."""
    if not expression:
        return []
    text = expression.strip()
    if text.startswith("and(") and text.endswith(")"):
        text = text[4:-1]
    tests, position = [], 0
    for match in _EXPRESSION.finditer(text):
        if text[position : match.start()].strip(", ") or match.start() < position:
            break
        position = match.end()
        operator, field_name, argument = match.groups()
        if field_name in ("metric_id", "profile_id") and operator == "equals":
            try:
                value = json.loads(argument)
            except ValueError:
                value = None
            if not isinstance(value, str):
                break
            tests.append(lambda event, f=field_name, v=value: event[f] == v)
        elif field_name == "datetime" and operator in _DATETIME_OPERATORS:
            # Date-times are written unquoted; a quoted one is an invalid filter.
            try:
                bound = dt.datetime.fromisoformat(argument)
            except ValueError:
                break
            if bound.tzinfo is None:
                bound = bound.replace(tzinfo=dt.UTC)
            compare = _DATETIME_OPERATORS[operator]
            tests.append(lambda event, c=compare, b=bound: c(event["datetime"], b))
        else:
            break
    else:
        if not text[position:].strip(", ") and tests:
            return tests
    raise _invalid_input(f"Invalid filter provided: {expression}", parameter="filter")


def _known_parameters(query: dict, known: set[str]) -> None:
    for name in query:
        if name not in known:
            raise _invalid_input(f"'{name}' is not a valid parameter.", parameter=name)


def _sparse(query: dict, resource: str, allowed: set[str]) -> set[str] | None:
    value = query.get(f"fields[{resource}]")
    if value is None:
        return None
    fields = set(value.split(","))
    if fields - allowed:
        raise _invalid_input(
            f"Invalid fields[{resource}]: {value}", parameter=f"fields[{resource}]"
        )
    return fields


def _only(attributes: dict, fields: set[str] | None) -> dict:
    return attributes if fields is None else {k: v for k, v in attributes.items() if k in fields}


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":")[1])
    except (ValueError, IndexError):
        raise _invalid_input("Invalid page cursor.", parameter="page[cursor]") from None


# Serving -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def serving(fake: FakeKlaviyo) -> Iterator[str]:
    """Serve ``fake`` on a free local port; yields its base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, headers, payload = fake.handle(
                self.command, self.path, self.headers, body, self.headers.get("Host", "")
            )
            raw = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/vnd.api+json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_DELETE = do_PATCH = _answer

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
