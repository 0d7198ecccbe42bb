"""An in-process imitation of the Marketing API's customer-list custom audiences.

It keeps, per ad account, audiences (``GET``/``POST /act_{id}/customaudiences``, listed in
pages chained by ``paging.next`` with an ``after`` cursor) and their members, and behaves as
the documentation describes the ``users`` and ``usersreplace`` edges: a multi-key ``payload``
(``schema`` and ``data`` rows, an unknown key left blank, every other value SHA-256 hex), at
most 10,000 rows a request (more is refused with code 100), an answer with ``num_received``,
``num_invalid_entries`` and a few ``invalid_entry_samples`` (entry -> reason), and replace
sessions (``session_id``, ``batch_seq`` from 1, ``last_batch_flag``) that swap the membership
when the last batch arrives; while one is open, ``users`` answers code 2650. A person is
matched by the row's e-mail hash, else its phone hash. Errors are Graph's
``{"error": {...}}``: an unknown token is code 190, throttling code 80003 with the
``X-Business-Use-Case-Usage`` header of the ``custom_audience`` use case. Faults queued by the
test are served, in order, to the next requests (``None`` lets one through); every request is
logged.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from werkzeug import Request, Response

VERSION = "v25.0"
KEYS = ("EXTERN_ID", "EMAIL", "PHONE", "GEN", "DOBY", "DOBM", "DOBD", "LN", "FN", "FI", "CT",
        "ST", "ZIP", "MADID", "COUNTRY")  # fmt: skip
MAX_ROWS = 10_000
SAMPLE_LIMIT = 5
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass
class Fault:
    status: int
    body: dict
    headers: dict = field(default_factory=dict)


def graph_error(
    code: int, message: str, *, subcode=None, status=400, transient=False, headers=None
):
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Fk3"}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient:
        error["is_transient"] = True
    return Fault(status, {"error": error}, headers or {})


def expired_token(status: int = 400) -> Fault:
    return graph_error(190, "Error validating access token: Session has expired.", subcode=463,
                       status=status)  # fmt: skip


def missing_permission() -> Fault:
    return graph_error(200, "(#200) Requires ads_management permission to manage the object")


def throttled(*, regain_minutes: int | None = 2) -> Fault:
    """Code 80003, the custom-audience business use case, with Meta's usage header."""
    headers = {}
    if regain_minutes is not None:
        usage = {"type": "custom_audience", "call_count": 100, "total_cputime": 20,
                 "total_time": 30, "estimated_time_to_regain_access": regain_minutes}  # fmt: skip
        headers["x-business-use-case-usage"] = json.dumps({"1234567890": [usage]})
    message = "There have been too many calls to this ad-account. Wait a bit and try again."
    return graph_error(80003, message, subcode=2446079, transient=True, headers=headers)


def server_error() -> Fault:
    return graph_error(1, "An unknown error occurred", status=500, transient=True)


@dataclass
class FakeAudience:
    id: str
    name: str
    subtype: str = "CUSTOM"
    customer_file_source: str | None = "USER_PROVIDED_ONLY"
    description: str = ""
    members: dict[str, dict[str, str]] = field(default_factory=dict)
    replacing: dict | None = None  # session_id, next batch_seq, staged members
    replaced: int = 0

    # Meta's size estimate: people matched (here every valid row), given as a range whose
    # ends are the count rounded down and up to two significant digits, as Ads Manager shows
    # audience sizes; 0-0 for an audience with nobody matched.
    @property
    def approximate_count_lower_bound(self) -> int:
        return _round_to_two_digits(len(self.members), up=False)

    @property
    def approximate_count_upper_bound(self) -> int:
        return _round_to_two_digits(len(self.members), up=True)


def _round_to_two_digits(count: int, *, up: bool) -> int:
    if count < 100:
        return count
    step = 10 ** (len(str(count)) - 2)
    return -(-count // step) * step if up else count // step * step


class FakeMetaAudiences:
    """The custom audiences of one ad account, with their members by hash."""

    def __init__(self, token: str, ad_account_id: str) -> None:
        self.token = token
        self.ad_account_id = ad_account_id
        self.audiences: dict[str, FakeAudience] = {}
        self.faults: list[Fault] = []
        #: Hashes Meta finds invalid, with the reason it gives.
        self.refused_hashes: dict[str, str] = {}
        self.requests: list[dict] = []
        self.base_url = ""
        self._ids = itertools.count(23850000000001)

    def register(self, httpserver) -> None:
        self.base_url = httpserver.url_for("").rstrip("/")
        routes = {
            rf"^/{VERSION}/act_\d+/customaudiences$": self.customaudiences,
            rf"^/{VERSION}/\d+/users$": self.users,
            rf"^/{VERSION}/\d+/usersreplace$": self.usersreplace,
        }
        for pattern, handler in routes.items():
            httpserver.expect_request(re.compile(pattern)).respond_with_handler(handler)

    # Test helpers
    def add_audience(self, name: str, **fields) -> FakeAudience:
        audience = FakeAudience(str(next(self._ids)), name, **fields)
        self.audiences[audience.id] = audience
        return audience

    def delete_audience(self, name: str) -> None:
        """As a user deleting the audience in Ads Manager: it is gone from the listing."""
        del self.audiences[self.audience_named(name).id]

    def audience_named(self, name: str) -> FakeAudience:
        matches = [a for a in self.audiences.values() if a.name == name and a.subtype == "CUSTOM"]
        assert len(matches) == 1, f"{len(matches)} audiences named {name!r}"
        return matches[0]

    def member_hashes(self, name: str, key: str = "EMAIL") -> set[str]:
        """The ``key`` hashes of the audience's members (blank ones left out)."""
        members = self.audience_named(name).members.values()
        return {row[key] for row in members if row[key]}

    def calls(self, path_suffix: str = "", method: str | None = None) -> list[dict]:
        return [
            r
            for r in self.requests
            if r["path"].endswith(path_suffix) and (method is None or r["method"] == method)
        ]

    # Endpoints
    def customaudiences(self, request: Request) -> Response:
        body = self._body(request)
        self._log(request, body)
        refusal = self._refusal(request)
        if refusal:
            return refusal
        account = request.path.split("act_")[1].split("/")[0]
        if account != self.ad_account_id:
            return _json(graph_error(100, f"Unsupported get request. Object with ID "
                                     f"'act_{account}' does not exist", subcode=33))  # fmt: skip
        if request.method == "POST":
            if body.get("subtype") != "CUSTOM" or not body.get("name"):
                return _json(graph_error(100, "(#100) name and subtype=CUSTOM are required"))
            if body.get("customer_file_source") not in (
                "USER_PROVIDED_ONLY", "PARTNER_PROVIDED_ONLY", "BOTH_USER_AND_PARTNER_PROVIDED"
            ):  # fmt: skip
                return _json(graph_error(100, "(#100) customer_file_source is required"))
            audience = self.add_audience(
                body["name"],
                customer_file_source=body["customer_file_source"],
                description=body.get("description", ""),
            )
            return _ok({"id": audience.id})
        limit = int(request.args.get("limit", 25))
        offset = int(base64.b64decode(request.args["after"])) if "after" in request.args else 0
        fields = request.args.get("fields", "id").split(",")
        listed = list(self.audiences.values())
        page = [
            {name: getattr(a, name) for name in fields if hasattr(a, name)}
            for a in listed[offset : offset + limit]
        ]
        after = base64.b64encode(str(offset + len(page)).encode()).decode()
        paging: dict = {"cursors": {"before": "MA==", "after": after}}
        if offset + limit < len(listed):
            query = {**request.args.to_dict(), "after": after}
            paging["next"] = f"{self.base_url}{request.path}?{urlencode(query)}"
        return _ok({"data": page, "paging": paging})

    def users(self, request: Request) -> Response:
        body = self._body(request)
        self._log(request, body)
        refusal = self._refusal(request)
        if refusal:
            return refusal
        audience = self.audiences.get(request.path.split("/")[2])
        if audience is None:
            return _json(graph_error(100, "Unsupported post request", subcode=33))
        if audience.replacing is not None:
            return _json(graph_error(2650, "Failed to update the custom audience: a replace "
                                     "session is in progress"))  # fmt: skip
        rows, answer = self._rows(body)
        if rows is None:
            return answer
        for key, row in rows:
            if request.method == "POST":
                audience.members[key] = row
            else:
                audience.members.pop(key, None)
        return _ok({"audience_id": audience.id, **answer})

    def usersreplace(self, request: Request) -> Response:
        body = self._body(request)
        self._log(request, body)
        refusal = self._refusal(request)
        if refusal:
            return refusal
        audience = self.audiences.get(request.path.split("/")[2])
        if audience is None:
            return _json(graph_error(100, "Unsupported post request", subcode=33))
        session = body.get("session") or {}
        session_id, seq = session.get("session_id"), session.get("batch_seq")
        if not isinstance(session_id, int) or session_id <= 0 or not isinstance(seq, int):
            return _json(graph_error(100, "(#100) session_id and batch_seq are required"))
        current = audience.replacing
        if current is None and seq != 1:
            return _json(graph_error(100, "(#100) a replace session starts with batch_seq 1"))
        if current is not None and (current["session_id"], current["next"]) != (session_id, seq):
            return _json(graph_error(100, "(#100) Invalid batch_seq for this session"))
        rows, answer = self._rows(body)
        if rows is None:
            return answer
        current = current or {"session_id": session_id, "next": 1, "staged": {}}
        current["staged"].update(dict(rows))
        current["next"] += 1
        audience.replacing = current
        if session.get("last_batch_flag"):
            audience.members, audience.replacing = current["staged"], None
            audience.replaced += 1
        return _ok({"audience_id": audience.id, **answer, "session_id": str(session_id)})

    # Helpers
    def _rows(self, body: dict):
        """(match key, row as {key: hash}) of the valid rows and the answer's counts, or
        (None, an error response)."""
        payload = body.get("payload")
        if isinstance(payload, str):
            payload = json.loads(payload)
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
            return None, _json(graph_error(100, "(#100) param payload must be an object"))
        schema, data = payload.get("schema"), payload["data"]
        if not isinstance(schema, list) or not schema or set(schema) - set(KEYS):
            return None, _json(graph_error(100, "(#100) Invalid schema"))
        if len(data) > MAX_ROWS:
            return None, _json(graph_error(100, f"(#100) Too many users in one request: "
                                           f"{len(data)} (at most {MAX_ROWS})"))  # fmt: skip
        valid, samples, invalid = [], {}, 0
        for values in data:
            if not isinstance(values, list) or len(values) != len(schema):
                return None, _json(graph_error(100, "(#100) every row must match the schema"))
            reason = self._invalid(schema, values)
            if reason:
                invalid += 1
                if len(samples) < SAMPLE_LIMIT:
                    samples[reason[0]] = reason[1]
                continue
            row = dict.fromkeys(KEYS, "") | dict(zip(schema, values, strict=True))
            valid.append((row["EMAIL"] or row["PHONE"], row))
        answer = {
            "session_id": str((body.get("session") or {}).get("session_id", 0)),
            "num_received": len(data),
            "num_invalid_entries": invalid,
            "invalid_entry_samples": samples,
        }
        return valid, answer

    def _invalid(self, schema: list, values: list) -> tuple[str, str] | None:
        """(the entry, the reason) when Meta would not use this row."""
        for key, value in zip(schema, values, strict=True):
            if key != "EXTERN_ID" and value and not SHA256_HEX.fullmatch(str(value)):
                return str(value)[:64], f"{key} is not a SHA-256 hash"
            if value in self.refused_hashes:
                return value, self.refused_hashes[value]
        if not any(values):
            return "", "no identifier"
        return None

    def _refusal(self, request: Request) -> Response | None:
        fault = self.faults.pop(0) if self.faults else None  # None: this request goes through
        if fault is not None:
            return _json(fault)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json(expired_token())
        return None

    def _body(self, request: Request) -> dict:
        if request.is_json:
            return request.get_json(silent=True) or {}
        return request.form.to_dict()

    def _log(self, request: Request, body: dict) -> None:
        payload = body.get("payload") if isinstance(body, dict) else None
        self.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "args": request.args.to_dict(),
                "rows": len(payload.get("data", [])) if isinstance(payload, dict) else None,
                "session": body.get("session"),
            }
        )


def _ok(body: dict) -> Response:
    return Response(json.dumps(body), content_type="application/json")


def _json(fault: Fault) -> Response:
    return Response(json.dumps(fault.body), status=fault.status, headers=fault.headers,
                    content_type="application/json")  # fmt: skip
