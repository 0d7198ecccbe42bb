"""An in-process imitation of the Google Ads API's Customer Match surface (REST).

It keeps user lists and their members (by hashed e-mail, else hashed phone) for one customer,
and offline user data jobs with their documented lifecycle: created ``PENDING`` for a
``CRM_BASED`` list, operations added while pending (``JOB_ALREADY_STARTED`` after), at most
100,000 identifiers a request and 20 an operation (``TOO_MANY_USER_IDENTIFIERS``), create and
remove never mixed in one job (``CONFLICTING_OPERATION``), identifiers that must be SHA-256 hex
(``INVALID_SHA256_FORMAT``), partial failures reported as a ``partialFailureError`` whose
``GoogleAdsFailure`` errors point at ``operations[i]``; ``:run`` makes the job ``RUNNING``
(``CONCURRENT_MODIFICATION`` while another job of the list runs), and after
``polls_until_done`` searches it is ``SUCCESS`` and its operations applied (or ``FAILED`` with
``failure_reason``). GAQL is read only as far as the client's queries need. It insists on the
``developer-token`` header, on ``login-customer-id`` when configured and on a live access token
from the fake token endpoint (401 ``UNAUTHENTICATED`` otherwise); another customer is 403
``USER_PERMISSION_DENIED``. Faults queued by the test are served to the next requests
(``None`` lets one through); every request is logged.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field

from werkzeug import Request, Response

VERSION = "v24"
FAILURE_TYPE = f"type.googleapis.com/google.ads.googleads.{VERSION}.errors.GoogleAdsFailure"
MAX_IDENTIFIERS_PER_REQUEST = 100_000
MAX_IDENTIFIERS_PER_OPERATION = 20
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
QUOTED = r"'((?:[^'\\]|\\.)*)'"


@dataclass
class Fault:
    status: int
    body: object
    headers: dict = field(default_factory=dict)


def google_error(status: int, code: str, kind: str, value: str, message: str) -> Fault:
    failure = {
        "@type": FAILURE_TYPE,
        "errors": [{"errorCode": {kind: value}, "message": message}],
        "requestId": "fake-request",
    }
    error = {"code": status, "message": message, "status": code, "details": [failure]}
    return Fault(status, {"error": error})


def unauthenticated() -> Fault:
    message = "Request had invalid authentication credentials."
    return Fault(401, {"error": {"code": 401, "status": "UNAUTHENTICATED", "message": message}})


def permission_denied() -> Fault:
    return google_error(
        403,
        "PERMISSION_DENIED",
        "authorizationError",
        "USER_PERMISSION_DENIED",
        "User doesn't have permission to access customer.",
    )


def quota_exhausted(retry_delay: str = "17s") -> Fault:
    fault = google_error(
        429, "RESOURCE_EXHAUSTED", "quotaError", "RESOURCE_EXHAUSTED", "Too many requests."
    )
    fault.body["error"]["details"][0]["errors"][0]["details"] = {
        "quotaErrorDetails": {"rateScope": "ACCOUNT", "retryDelay": retry_delay}
    }
    return fault


def unavailable() -> Fault:
    message = "The service is currently unavailable."
    return Fault(503, {"error": {"code": 503, "status": "UNAVAILABLE", "message": message}})


def invalid_argument(kind: str, value: str, message: str) -> Fault:
    return google_error(400, "INVALID_ARGUMENT", kind, value, message)


@dataclass
class UserList:
    resource_name: str
    name: str
    type: str = "CRM_BASED"
    upload_key_type: str = "CONTACT_INFO"
    membership_life_span: int = 540
    members: dict[str, dict] = field(default_factory=dict)


@dataclass
class Job:
    resource_name: str
    user_list: str
    status: str = "PENDING"
    kind: str | None = None  # "create" or "remove", once operations arrive
    operations: list[dict] = field(default_factory=list)
    polls: int = 0
    failure_reason: str | None = None
    consent: dict | None = None


class FakeCustomerMatch:
    """Customer Match user lists and offline user data jobs of one customer."""

    def __init__(self, tokens, developer_token: str, customer_id: str) -> None:
        self.tokens = tokens
        self.developer_token = developer_token
        self.customer_id = customer_id
        self.login_customer_id: str | None = None
        self.user_lists: dict[str, UserList] = {}
        self.jobs: dict[str, Job] = {}
        self.polls_until_done = 2
        #: Hashes Google refuses, with the error code and message it gives.
        self.refused_hashes: dict[str, tuple[str, str]] = {}
        #: When set, jobs end FAILED with this reason instead of SUCCESS.
        self.job_failure_reason: str | None = None
        self.faults: list[Fault | None] = []
        self.requests: list[dict] = []
        self._ids = itertools.count(9000001)

    def register(self, httpserver) -> None:
        customer = rf"^/{VERSION}/customers/(\d+)"
        routes = {
            rf"{customer}/googleAds:search$": self.search,
            rf"{customer}/userLists:mutate$": self.mutate_user_lists,
            rf"{customer}/offlineUserDataJobs:create$": self.create_job,
            rf"{customer}/offlineUserDataJobs/\d+:addOperations$": self.add_operations,
            rf"{customer}/offlineUserDataJobs/\d+:run$": self.run_job,
        }
        for pattern, handler in routes.items():
            httpserver.expect_request(re.compile(pattern), method="POST").respond_with_handler(
                handler
            )

    # Test helpers
    def remove_user_list(self, name: str) -> None:
        """As a user removing the list in the Google Ads UI."""
        del self.user_lists[self.user_list_named(name).resource_name]

    def user_list_named(self, name: str) -> UserList:
        (found,) = [u for u in self.user_lists.values() if u.name == name]
        return found

    def member_hashes(self, name: str, key: str = "hashedEmail") -> set[str]:
        members = self.user_list_named(name).members.values()
        return {member[key] for member in members if key in member}

    def calls(self, suffix: str) -> list[dict]:
        return [r for r in self.requests if r["path"].endswith(suffix)]

    # Endpoints
    def search(self, request: Request) -> Response:
        body, refusal = self._accept(request)
        if refusal:
            return refusal
        query = body.get("query", "")
        by_name = re.search(rf"FROM user_list WHERE user_list\.name = {QUOTED}", query)
        by_job = re.search(
            rf"FROM offline_user_data_job WHERE offline_user_data_job\.resource_name = {QUOTED}",
            query,
        )
        if by_name:
            name = re.sub(r"\\(.)", r"\1", by_name.group(1))
            rows = [
                {"userList": {"resourceName": u.resource_name, "name": u.name, "type": u.type,
                              **self._sizes(u, query)}}
                for u in self.user_lists.values()
                if u.name == name
            ]  # fmt: skip
        elif by_job and by_job.group(1) in self.jobs:
            job = self._advance(self.jobs[by_job.group(1)])
            found = {"resourceName": job.resource_name, "status": job.status}
            if job.failure_reason:
                found["failureReason"] = job.failure_reason
            rows = [{"offlineUserDataJob": found}]
        elif by_job:
            rows = []
        else:
            return _json(
                invalid_argument("queryError", "UNEXPECTED_INPUT", f"Error in query: {query[:60]}")
            )
        return _ok({"results": rows} if rows else {})

    def mutate_user_lists(self, request: Request) -> Response:
        body, refusal = self._accept(request)
        if refusal:
            return refusal
        (operation,) = body["operations"]
        create = operation["create"]
        crm = create.get("crmBasedUserList") or {}
        if crm.get("uploadKeyType") not in ("CONTACT_INFO", "CRM_ID", "MOBILE_ADVERTISING_ID"):
            return _json(
                invalid_argument(
                    "userListError", "UPLOAD_KEY_TYPE_REQUIRED", "An upload key type is required."
                )
            )
        # Since April 2025 at most 540 days, also the value of an unset field; the former
        # 10000 ("no expiry") is refused like any value above 540.
        life_span = int(create.get("membershipLifeSpan", 540))
        if not 0 <= life_span <= 540:
            return _json(
                invalid_argument("rangeError", "TOO_HIGH", "membership_life_span out of range")
            )
        if any(u.name == create.get("name") for u in self.user_lists.values()):
            return _json(
                invalid_argument(
                    "userListError",
                    "NAME_ALREADY_USED",
                    "Name is already being used for another user list.",
                )
            )
        resource = f"customers/{self.customer_id}/userLists/{next(self._ids)}"
        self.user_lists[resource] = UserList(
            resource,
            create["name"],
            upload_key_type=crm["uploadKeyType"],
            membership_life_span=life_span,
        )
        return _ok({"results": [{"resourceName": resource}]})

    def create_job(self, request: Request) -> Response:
        body, refusal = self._accept(request)
        if refusal:
            return refusal
        job = body.get("job") or {}
        metadata = job.get("customerMatchUserListMetadata") or {}
        user_list = self.user_lists.get(metadata.get("userList", ""))
        if job.get("type") != "CUSTOMER_MATCH_USER_LIST" or user_list is None:
            return _json(
                invalid_argument(
                    "offlineUserDataJobError",
                    "INVALID_USER_LIST_ID",
                    "The user list ID provided for the job is invalid.",
                )
            )
        if user_list.type != "CRM_BASED":
            return _json(
                invalid_argument(
                    "offlineUserDataJobError",
                    "INVALID_USER_LIST_TYPE",
                    "Type of the user list is not applicable.",
                )
            )
        resource = f"customers/{self.customer_id}/offlineUserDataJobs/{next(self._ids)}"
        self.jobs[resource] = Job(
            resource, user_list.resource_name, consent=metadata.get("consent")
        )
        return _ok({"resourceName": resource})

    def add_operations(self, request: Request) -> Response:
        body, refusal = self._accept(request)
        if refusal:
            return refusal
        job = self.jobs.get(request.path.split(":")[0].split(f"/{VERSION}/")[1])
        if job is None:
            return _json(
                google_error(
                    404,
                    "NOT_FOUND",
                    "requestError",
                    "RESOURCE_NAME_MISSING",
                    "Resource was not found.",
                )
            )
        if job.status != "PENDING":
            return _json(
                invalid_argument(
                    "offlineUserDataJobError",
                    "JOB_ALREADY_STARTED",
                    "Once the upload job is started, new operations cannot be added.",
                )
            )
        operations = body.get("operations") or []
        counts = [len(next(iter(op.values())).get("userIdentifiers", [])) for op in operations]
        if sum(counts) > MAX_IDENTIFIERS_PER_REQUEST or max(counts, default=0) > 20:
            return _json(
                invalid_argument(
                    "offlineUserDataJobError",
                    "TOO_MANY_USER_IDENTIFIERS",
                    "Maximum number of user identifiers allowed per "
                    "request is 100,000 and per operation is 20.",
                )
            )
        unknown = {kind for op in operations for kind in op} - {"create", "remove"}
        if unknown:
            return _json(
                invalid_argument("fieldError", "REQUIRED", f"Unknown operation {sorted(unknown)}")
            )
        kinds = {next(iter(op)) for op in operations} | ({job.kind} if job.kind else set())
        if len(kinds) > 1:
            return _json(
                invalid_argument(
                    "offlineUserDataJobError",
                    "CONFLICTING_OPERATION",
                    "Mixing creation and removal of offline data in the same job is not allowed.",
                )
            )
        errors, accepted = [], []
        for index, operation in enumerate(operations):
            ((kind, data),) = operation.items()
            problem = self._problem(data)
            if problem:
                errors.append(_operation_error(index, kind, *problem))
            else:
                accepted.append(operation)
        if errors and not body.get("enablePartialFailure"):
            status = {
                "code": 400,
                "status": "INVALID_ARGUMENT",
                "message": "Request contains an invalid argument.",
                "details": [{"@type": FAILURE_TYPE, "errors": errors}],
            }
            return _json(Fault(400, {"error": status}))
        job.operations += accepted
        job.kind = job.kind or next(iter(kinds), None)
        if not errors:
            return _ok({})
        status = {
            "code": 3,
            "message": "Multiple errors in 'details'.",
            "details": [{"@type": FAILURE_TYPE, "errors": errors}],
        }
        return _ok({"partialFailureError": status})

    def run_job(self, request: Request) -> Response:
        _, refusal = self._accept(request)
        if refusal:
            return refusal
        job = self.jobs.get(request.path.split(":")[0].split(f"/{VERSION}/")[1])
        if job is None or job.status != "PENDING":
            return _json(
                invalid_argument(
                    "offlineUserDataJobError", "JOB_ALREADY_STARTED", "The job was already started."
                )
            )
        if any(
            other.user_list == job.user_list and other.status == "RUNNING"
            for other in self.jobs.values()
        ):
            return _json(
                google_error(
                    409,
                    "ABORTED",
                    "databaseError",
                    "CONCURRENT_MODIFICATION",
                    "Multiple requests were attempting to modify the same "
                    "resource at once. Retry the request.",
                )
            )
        job.status = "RUNNING"
        return _ok({"name": f"customers/{self.customer_id}/operations/{next(self._ids)}"})

    # Helpers
    @staticmethod
    def _sizes(user_list: UserList, query: str) -> dict:
        """The size fields the query selects: matched users (here every member), as int64
        strings, the REST encoding of the proto's int64."""
        selected = {"user_list.size_for_search": "sizeForSearch",
                    "user_list.size_for_display": "sizeForDisplay"}  # fmt: skip
        return {
            key: str(len(user_list.members)) for field, key in selected.items() if field in query
        }

    def _advance(self, job: Job) -> Job:
        """A running job finishes after a few looks at it."""
        if job.status != "RUNNING":
            return job
        job.polls += 1
        if job.polls < self.polls_until_done:
            return job
        if self.job_failure_reason:
            job.status, job.failure_reason = "FAILED", self.job_failure_reason
            return job
        members = self.user_lists[job.user_list].members
        for operation in job.operations:
            kind, data = next(iter(operation.items()))
            identifiers = {k: v for item in data["userIdentifiers"] for k, v in item.items()}
            key = identifiers.get("hashedEmail") or identifiers.get("hashedPhoneNumber")
            if kind == "create":
                members[key] = identifiers
            else:
                members.pop(key, None)
        job.status = "SUCCESS"
        return job

    def _problem(self, data: dict) -> tuple[str, str, list] | None:
        identifiers = data.get("userIdentifiers") or []
        if not identifiers:
            return "MISSING_USER_IDENTIFIER", "The user identifier is missing valid data.", []
        for position, identifier in enumerate(identifiers):
            ((key, value),) = identifier.items()
            where = [
                {"fieldName": "user_identifiers", "index": position},
                {"fieldName": "hashed_email" if key == "hashedEmail" else "hashed_phone_number"},
            ]
            if not SHA256_HEX.fullmatch(value):
                return "INVALID_SHA256_FORMAT", "The SHA256 encoded value is malformed.", where
            if value in self.refused_hashes:
                code, message = self.refused_hashes[value]
                return code, message, where
        return None

    def _accept(self, request: Request) -> tuple[dict, Response | None]:
        body = request.get_json(silent=True) or {}
        operations = body.get("operations") if isinstance(body, dict) else None
        self.requests.append(
            {
                "path": request.path,
                "operations": len(operations) if isinstance(operations, list) else None,
                "kinds": sorted({next(iter(op)) for op in operations})
                if isinstance(operations, list) and request.path.endswith(":addOperations")
                else None,
                "query": body.get("query"),
            }
        )
        fault = self.faults.pop(0) if self.faults else None
        if fault is not None:
            return body, _json(fault)
        if request.headers.get("developer-token") != self.developer_token:
            return body, _json(permission_denied())
        if self.login_customer_id and request.headers.get("login-customer-id") != (
            self.login_customer_id
        ):
            return body, _json(permission_denied())
        if not self.tokens.accepts(request.headers.get("Authorization")):
            return body, _json(unauthenticated())
        if request.path.split("/customers/")[1].split("/")[0] != self.customer_id:
            return body, _json(permission_denied())
        return body, None


def _operation_error(index: int, kind: str, code: str, message: str, position: list) -> dict:
    return {
        "errorCode": {"offlineUserDataJobError": code},
        "message": message,
        "location": {
            "fieldPathElements": [
                {"fieldName": "operations", "index": index},
                {"fieldName": kind},
                *position,
            ]
        },
    }


def _ok(body: object) -> Response:
    return Response(json.dumps(body), content_type="application/json")


def _json(fault: Fault) -> Response:
    return Response(
        json.dumps(fault.body),
        status=fault.status,
        headers=fault.headers,
        content_type="application/json",
    )
