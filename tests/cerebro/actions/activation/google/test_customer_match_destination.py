"""Google Ads Customer Match destination against a local imitation of the Google Ads API
(fake_customer_match) and of Google's OAuth token endpoint (tests/taps/fake_google_oauth): the
list's members after two syncs are the requested ones, by the SHA-256 of Google's
normalisation (the warehouse seed's digests); removal and addition in separate jobs, each run
and followed until done; at most 100,000 identifiers a request; partial failures refused per
row with Google's message, the rest sent; rejected credentials stop in one line with nothing
sent after; quota errors wait Google's retryDelay."""

from __future__ import annotations

import hashlib

import pytest

from cerebro.actions.activation.destination import (
    ADD,
    FAILED,
    REFUSED,
    REMOVE,
    SENT,
    Audience,
    DestinationError,
    Member,
)
from cerebro.actions.activation.destinations.google_customer_match import from_config
from tests.cerebro.actions.activation.google.fake_customer_match import (
    VERSION,
    FakeCustomerMatch,
    permission_denied,
    quota_exhausted,
    unavailable,
)
from tests.taps.fake_google_oauth import FakeGoogleTokenEndpoint

CUSTOMER = "1234567890"
DEVELOPER_TOKEN = "google-developer-token-123"
AUDIENCE = Audience("casafacil_cl", "en_riesgo", "Cerebro · casafacil_cl · Frecuentes alejados")
#: The warehouse's digests of ana.perez@example.cl and +56912345678 (dbt seed pii_hash_cases).
ANA_EMAIL_SHA256 = "f5b2f778fe0cfe7c1cdbb45eb2b25a33a508bdf6a9153069011a5a25bf71f66c"
CHILEAN_MOBILE_SHA256 = "74c04c5d07d225f08df28b3165671597f3fb5adc99e6bde000775ac8103d9d5f"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def member(i: int, **fields) -> Member:
    contact = {"email": f" Cliente.{i}@Ejemplo.CL ", "phone": f"9{i:08d}"}
    return Member(f"c{i}", **{**contact, **fields})


def email_hash(i: int) -> str:
    return sha(f"cliente.{i}@ejemplo.cl")


@pytest.fixture
def tokens(httpserver) -> FakeGoogleTokenEndpoint:
    endpoint = FakeGoogleTokenEndpoint()
    endpoint.register(httpserver)
    return endpoint


@pytest.fixture
def google(httpserver, tokens) -> FakeCustomerMatch:
    fake = FakeCustomerMatch(tokens, DEVELOPER_TOKEN, CUSTOMER)
    fake.register(httpserver)
    return fake


def destination(tokens, waits: list | None = None, secrets: dict | None = None, **settings):
    secrets = {
        "developer_token": DEVELOPER_TOKEN,
        "client_id": tokens.client_id,
        "client_secret": tokens.client_secret,
        "refresh_token": tokens.refresh_token,
        **(secrets or {}),
    }
    settings = {
        "base_url": tokens.url.removesuffix("/token"),
        "api_version": VERSION,
        "customer_id": "123-456-7890",
        "token_url": tokens.url,
        **settings,
    }
    sleep = waits.append if waits is not None else (lambda seconds: None)
    return from_config(settings, secrets, sleep=sleep)


def test_two_syncs_leave_the_list_equal_to_the_requested_members_by_hash(google, tokens):
    waits: list[float] = []
    first = list(destination(tokens, waits).sync(AUDIENCE, [member(i) for i in range(30)], []))
    second = list(
        destination(tokens, waits).sync(
            AUDIENCE, [member(i) for i in range(30, 40)], [member(i) for i in range(10)]
        )
    )

    assert google.member_hashes(AUDIENCE.name) == {email_hash(i) for i in range(10, 40)}
    assert google.member_hashes(AUDIENCE.name, "hashedPhoneNumber") == {
        sha(f"+569{i:08d}") for i in range(10, 40)
    }
    user_list = google.user_list_named(AUDIENCE.name)
    assert (user_list.upload_key_type, user_list.membership_life_span) == ("CONTACT_INFO", 540)
    assert len(google.calls("userLists:mutate")) == 1  # found by name the second time
    # One job for the first sync; a removal job then an addition job for the second.
    assert [r["kinds"] for r in google.calls(":addOperations")] == [
        ["create"], ["remove"], ["create"],
    ]  # fmt: skip
    assert [job.status for job in google.jobs.values()] == ["SUCCESS"] * 3
    assert all(job.consent is None for job in google.jobs.values())  # not asserted for Chile
    assert waits == [5.0, 5.0, 5.0]  # each job: one look while running, one once done
    assert {o.status for o in first + second} == {SENT} and len(first + second) == 50
    assert {o.vendor_ref for o in second if o.action == REMOVE} == {list(google.jobs)[1]}


def test_identifiers_are_googles_normalisation_of_a_hand_worked_member(google, tokens):
    ana = Member("c1", email="  Ana.Perez@Example.CL ", phone="9 1234 5678",
                 first_name="Ana", last_name="Pérez")  # fmt: skip
    list(destination(tokens).sync(AUDIENCE, [ana], []))

    (stored,) = google.user_list_named(AUDIENCE.name).members.values()
    assert stored == {"hashedEmail": ANA_EMAIL_SHA256, "hashedPhoneNumber": CHILEAN_MOBILE_SHA256}
    assert sha("+56912345678") == CHILEAN_MOBILE_SHA256  # E.164 with '+', names not sent


def test_requests_hold_at_most_100000_identifiers_which_the_fake_enforces(google, tokens):
    members = [member(i) for i in range(50_001)]  # e-mail and phone: 100,002 identifiers
    outcomes = list(destination(tokens).sync(AUDIENCE, members, []))

    assert [r["operations"] for r in google.calls(":addOperations")] == [50_000, 1]
    assert len(google.jobs) == 1 and len(google.member_hashes(AUDIENCE.name)) == 50_001
    assert {o.status for o in outcomes} == {SENT}

    oversize = destination(tokens)
    oversize.identifiers_per_request = 100_002
    with pytest.raises(DestinationError, match="TOO_MANY_USER_IDENTIFIERS"):
        list(oversize.sync(Audience("t", "s", "Otra lista"), members, []))


def test_a_list_kept_beyond_540_days_is_refused_as_google_has_since_2025(
    google, tokens, monkeypatch
):
    """The former "no expiry" (10000) made every first sync fail against the real API."""
    from cerebro.actions.activation.destinations import google_customer_match

    monkeypatch.setattr(google_customer_match, "MAX_LIFE_SPAN_DAYS", "10000")
    with pytest.raises(DestinationError, match="TOO_HIGH"):
        list(destination(tokens).sync(AUDIENCE, [member(1)], []))
    assert google.user_lists == {}


def test_partial_failures_are_refused_per_row_and_the_rest_sent(google, tokens):
    google.refused_hashes = {
        email_hash(3): ("INVALID_SHA256_FORMAT", "The SHA256 encoded value is malformed."),
        sha("+56900000007"): ("INVALID_SHA256_FORMAT", "The SHA256 encoded value is malformed."),
    }
    nobody = Member("c99", email="sin correo", phone="12345")
    outcomes = list(
        destination(tokens).sync(AUDIENCE, [member(i) for i in range(10)] + [nobody], [])
    )

    by_id = {o.customer_id: o for o in outcomes}
    assert {cid for cid, o in by_id.items() if o.status == REFUSED} == {"c3", "c7", "c99"}
    assert by_id["c3"].detail == (
        "Google refused it: INVALID_SHA256_FORMAT: The SHA256 encoded value is malformed."
    )
    assert by_id["c99"].detail.startswith("no e-mail or phone Google can match:")
    assert {o.status for cid, o in by_id.items() if cid not in ("c3", "c7", "c99")} == {SENT}
    assert google.member_hashes(AUDIENCE.name) == {email_hash(i) for i in range(10)} - {
        email_hash(3), email_hash(7),
    }  # fmt: skip
    assert google.calls(":addOperations")[0]["operations"] == 10  # c99 never sent


def test_an_expired_token_is_refreshed_once_and_the_sync_goes_on(google, tokens):
    syncing = destination(tokens)
    list(syncing.sync(AUDIENCE, [member(1)], []))
    tokens.expire_all()  # rotated server-side
    outcomes = list(syncing.sync(AUDIENCE, [member(2)], []))

    assert len(tokens.issued) == 2
    assert {o.status for o in outcomes} == {SENT}


def test_a_token_rejected_after_refreshing_stops_in_one_line_with_nothing_after(google, tokens):
    tokens.dead_on_arrival = True
    with pytest.raises(DestinationError) as error:
        list(destination(tokens).sync(AUDIENCE, [member(1)], [member(2)]))

    message = str(error.value)
    assert "freshly refreshed access token" in message and "UNAUTHENTICATED" in message
    assert "\n" not in message and tokens.client_secret not in message
    assert len(google.requests) == 2 and len(tokens.issued) == 2


def test_a_revoked_refresh_token_stops_before_any_api_call(google, tokens):
    tokens.revoked = True
    with pytest.raises(DestinationError, match=r"invalid_grant.*refresh_token"):
        list(destination(tokens).sync(AUDIENCE, [member(1)], []))
    assert google.requests == []


def test_permission_denied_is_one_line_naming_what_to_check(google, tokens):
    with pytest.raises(DestinationError) as error:
        list(destination(tokens, customer_id="999-999-9999").sync(AUDIENCE, [member(1)], []))
    assert "USER_PERMISSION_DENIED" in str(error.value)
    assert "developer token" in str(error.value) and "login_customer_id" in str(error.value)
    assert len(google.requests) == 1


def test_access_through_a_manager_sends_login_customer_id(google, tokens):
    google.login_customer_id = "9876543210"
    with pytest.raises(DestinationError, match="USER_PERMISSION_DENIED"):
        list(destination(tokens).sync(AUDIENCE, [member(1)], []))
    outcomes = list(
        destination(tokens, login_customer_id="987-654-3210").sync(AUDIENCE, [member(1)], [])
    )
    assert [o.status for o in outcomes] == [SENT]


def test_quota_errors_wait_googles_retry_delay(google, tokens):
    google.faults = [quota_exhausted("17s"), unavailable()]
    waits: list[float] = []
    outcomes = list(destination(tokens, waits).sync(AUDIENCE, [member(1)], []))

    assert waits == [17.0, 2.0, 5.0]  # retryDelay, HTTP backoff, then the job poll
    assert [o.status for o in outcomes] == [SENT]


def test_exhausted_retries_fail_the_rest_without_more_calls(google, tokens):
    google.faults = [None, None, None, *[unavailable()] * 5]  # search, create list, create job
    waits: list[float] = []
    outcomes = list(destination(tokens, waits).sync(AUDIENCE, [member(1), member(2)], [member(3)]))

    assert {(o.customer_id, o.action): o.status for o in outcomes} == {
        ("c3", REMOVE): FAILED, ("c1", ADD): FAILED, ("c2", ADD): FAILED,
    }  # fmt: skip
    assert "failed 5 times (HTTP 503)" in outcomes[0].detail
    assert waits == [1.0, 2.0, 4.0, 8.0]
    assert len(google.requests) == 8 and google.member_hashes(AUDIENCE.name) == set()


def test_a_failed_job_fails_its_members(google, tokens):
    google.job_failure_reason = "UNKNOWN"
    (outcome,) = destination(tokens).sync(AUDIENCE, [member(1)], [])
    assert (outcome.status, outcome.detail) == (FAILED, f"job {outcome.vendor_ref} failed: UNKNOWN")


def test_a_job_still_running_is_reported_sent_and_the_next_job_waits_its_turn(google, tokens):
    google.polls_until_done = 100
    waits: list[float] = []
    (added,) = destination(tokens, waits, job_wait_seconds=20).sync(AUDIENCE, [member(1)], [])
    (removed,) = destination(tokens, job_wait_seconds=20).sync(AUDIENCE, [], [member(1)])

    assert waits == [5.0, 10.0, 5.0]
    assert (added.status, added.detail) == (
        SENT, "job RUNNING after 20 s; Google finishes it on its own",
    )  # fmt: skip
    assert removed.status == FAILED and "still running" in removed.detail


def test_a_list_of_that_name_that_is_not_customer_match_stops(google, tokens):
    list(destination(tokens).sync(AUDIENCE, [member(1)], []))
    google.user_list_named(AUDIENCE.name).type = "RULE_BASED"
    with pytest.raises(DestinationError, match="RULE_BASED user list named"):
        list(destination(tokens).sync(AUDIENCE, [member(2)], []))


def test_no_change_makes_no_call(google, tokens):
    assert list(destination(tokens).sync(AUDIENCE, [], [])) == []
    assert google.requests == [] and tokens.issued == []


def test_missing_secrets_or_customer_are_refused_before_any_call(tokens):
    with pytest.raises(DestinationError, match="secrets developer_token, refresh_token"):
        destination(tokens, secrets={"developer_token": "", "refresh_token": ""})
    with pytest.raises(DestinationError, match="10-digit"):
        destination(tokens, customer_id="mi cuenta")


def test_permission_faults_from_the_api_stop_the_sync(google, tokens):
    google.faults = [permission_denied()]
    with pytest.raises(DestinationError, match="refused access to customer 1234567890"):
        list(destination(tokens).sync(AUDIENCE, [member(1)], []))
