"""Meta Custom Audiences destination against a local imitation of the Marketing API
(fake_meta_audiences): the audience's members after two syncs are the requested ones, by the
SHA-256 of Meta's normalisation worked out by hand here; batches of at most 10,000 rows;
a replace session when more members leave than stay; named invalid entries refused and the
rest sent; a rejected token stops in one line with nothing sent after it; throttling waits
what Meta's usage header says."""

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
from cerebro.actions.activation.destinations.meta_audiences import from_config, replaces
from tests.cerebro.actions.activation.meta.fake_meta_audiences import (
    VERSION,
    FakeMetaAudiences,
    expired_token,
    graph_error,
    missing_permission,
    server_error,
    throttled,
)

TOKEN = "EAAB-meta-system-user-token"
ACCOUNT = "1234567890"
AUDIENCE = Audience("casafacil_cl", "en_riesgo", "Cerebro · casafacil_cl · Frecuentes alejados")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def member(i: int, **fields) -> Member:
    """Customer i: an e-mail typed with capitals and spaces, a Chilean mobile without +56."""
    contact = {"email": f" Cliente.{i}@Ejemplo.CL ", "phone": f"9{i:08d}"}
    return Member(f"c{i}", **{**contact, **fields})


def email_hash(i: int) -> str:
    return sha(f"cliente.{i}@ejemplo.cl")  # trimmed and lower-cased by hand


@pytest.fixture
def meta(httpserver) -> FakeMetaAudiences:
    fake = FakeMetaAudiences(TOKEN, ACCOUNT)
    fake.register(httpserver)
    return fake


def destination(fake: FakeMetaAudiences, waits: list | None = None, token: str = TOKEN):
    settings = {
        "base_url": fake.base_url,
        "api_version": VERSION,
        "ad_account_id": f"act_{ACCOUNT}",
    }
    sleep = waits.append if waits is not None else (lambda seconds: None)
    return from_config(settings, {"access_token": token}, sleep=sleep)


def statuses(outcomes) -> dict[tuple[str, str], str]:
    return {(o.customer_id, o.action): o.status for o in outcomes}


def test_two_syncs_leave_the_audience_equal_to_the_requested_members_by_hash(meta):
    for i in range(600):  # other audiences: the lookup pages through them (500 a page)
        meta.add_audience(f"Otra audiencia {i}")
    first = list(destination(meta).sync(AUDIENCE, [member(i) for i in range(30)], []))
    second = list(
        destination(meta).sync(
            AUDIENCE, [member(i) for i in range(30, 40)], [member(i) for i in range(10)]
        )
    )

    assert meta.member_hashes(AUDIENCE.name) == {email_hash(i) for i in range(10, 40)}
    assert {o.status for o in first + second} == {SENT} and len(first + second) == 50
    created = meta.audience_named(AUDIENCE.name)
    assert (created.subtype, created.customer_file_source) == ("CUSTOM", "USER_PROVIDED_ONLY")
    assert len(meta.calls("/customaudiences", "POST")) == 1  # found by name the second time
    assert [r["args"].get("after") is not None for r in meta.calls("/customaudiences", "GET")] == [
        False, True, False, True,
    ]  # fmt: skip
    assert [r["rows"] for r in meta.calls("/users")] == [30, 10, 10]  # DELETE before POST


def test_rows_are_metas_normalisation_of_a_hand_worked_member(meta):
    ana = Member("c1", email="  Ana.Perez@Example.CL ", phone="9 1234 5678",
                 first_name="María José", last_name="Pérez-Cotapos", country_code="CL")  # fmt: skip
    list(destination(meta).sync(AUDIENCE, [ana], []))

    (row,) = meta.audience_named(AUDIENCE.name).members.values()
    assert [row[key] for key in ("EMAIL", "PHONE", "FN", "LN", "COUNTRY")] == [
        sha("ana.perez@example.cl"),
        sha("56912345678"),  # digits with the country code, no '+'
        sha("maríajosé"),  # lower-case letters, accents kept, no space
        sha("pérezcotapos"),
        sha("cl"),
    ]
    # The warehouse's email_sha256 of the same address (dbt seed pii_hash_cases).
    assert row["EMAIL"] == "f5b2f778fe0cfe7c1cdbb45eb2b25a33a508bdf6a9153069011a5a25bf71f66c"
    assert meta.requests[-1]["rows"] == 1


def test_requests_hold_at_most_10000_rows_which_the_fake_enforces(meta):
    outcomes = list(destination(meta).sync(AUDIENCE, [member(i) for i in range(20_001)], []))

    assert [r["rows"] for r in meta.calls("/users")] == [10_000, 10_000, 1]
    assert len(meta.member_hashes(AUDIENCE.name)) == 20_001
    assert {o.status for o in outcomes} == {SENT}


def test_the_fake_refuses_a_request_of_10001_rows(meta):
    oversize = destination(meta)
    oversize.rows_per_request = 10_001
    with pytest.raises(DestinationError, match=r"code 100.*at most 10000"):
        list(oversize.sync(AUDIENCE, [member(i) for i in range(10_001)], []))


def test_more_members_leaving_than_staying_replace_the_audience_in_one_session(meta):
    list(destination(meta).sync(AUDIENCE, [member(i) for i in range(30)], []))
    replacing = destination(meta)
    replacing.rows_per_request = 4
    outcomes = list(
        replacing.sync(
            AUDIENCE,
            add=[member(i) for i in range(30, 35)],
            remove=[member(i) for i in range(5, 30)],
            keep=[member(i) for i in range(5)],
        )
    )

    assert meta.member_hashes(AUDIENCE.name) == {email_hash(i) for i in [*range(5), *range(30, 35)]}
    sessions = [r["session"] for r in meta.calls("/usersreplace")]
    assert [(s["batch_seq"], s["last_batch_flag"]) for s in sessions] == [
        (1, False), (2, False), (3, True),
    ]  # fmt: skip
    assert len({s["session_id"] for s in sessions}) == 1 and sessions[0]["session_id"] > 0
    assert {s["estimated_num_total"] for s in sessions} == {10}
    assert not meta.calls("/users", "DELETE")
    assert statuses(outcomes) == {
        **{(f"c{i}", ADD): SENT for i in range(30, 35)},
        **{(f"c{i}", REMOVE): SENT for i in range(5, 30)},
    }
    assert meta.audience_named(AUDIENCE.name).replaced == 1


def test_the_replace_rule_sends_the_smaller_upload():
    assert replaces(kept=5, added=5, removed=25)  # 10 rows instead of 30
    assert not replaces(kept=25, added=5, removed=5)  # 10 rows instead of 30, the other way
    assert not replaces(kept=0, added=0, removed=3)  # nobody to upload: plain removals
    assert not replaces(kept=4, added=9, removed=4)


def test_fewer_leaving_than_staying_are_plain_removals(meta):
    list(destination(meta).sync(AUDIENCE, [member(i) for i in range(10)], []))
    list(destination(meta).sync(AUDIENCE, [], [member(0)], keep=[member(i) for i in range(1, 10)]))

    assert not meta.calls("/usersreplace")
    assert meta.member_hashes(AUDIENCE.name) == {email_hash(i) for i in range(1, 10)}


def test_named_invalid_entries_are_refused_and_the_rest_sent(meta):
    meta.refused_hashes = {email_hash(i): "Invalid email" for i in range(7)}  # Meta names 5
    nobody = Member("c99", email="sin correo", phone="12")
    outcomes = list(destination(meta).sync(AUDIENCE, [member(i) for i in range(20)] + [nobody], []))

    by_id = {o.customer_id: o for o in outcomes}
    refused = {cid for cid, o in by_id.items() if o.status == REFUSED}
    assert refused == {"c0", "c1", "c2", "c3", "c4", "c99"}
    assert by_id["c0"].detail == "Meta found the entry invalid: Invalid email"
    assert by_id["c99"].detail.startswith("no e-mail or phone Meta can match: e-mail is not an")
    assert "2 invalid entries" in by_id["c10"].detail and by_id["c10"].status == SENT
    assert meta.member_hashes(AUDIENCE.name) == {email_hash(i) for i in range(7, 20)}
    assert meta.calls("/users")[0]["rows"] == 20  # the member with nothing to match not sent


def test_a_member_with_a_bad_phone_is_sent_by_email_with_the_reason(meta):
    (outcome,) = destination(meta).sync(AUDIENCE, [member(1, phone="+56 9 1234")], [])

    assert (outcome.status, outcome.detail) == (SENT, "phone has 5 digits after +56; numbers "
                                                "there have 9 digits")  # fmt: skip
    (row,) = meta.audience_named(AUDIENCE.name).members.values()
    assert row["PHONE"] == "" and row["EMAIL"] == email_hash(1)


@pytest.mark.parametrize("status", [400, 401])
def test_a_rejected_token_stops_in_one_line_with_nothing_sent_after(meta, status):
    meta.faults = [None, expired_token(status)]  # the lookup passes, the first batch does not
    sync = destination(meta).sync(AUDIENCE, [member(i) for i in range(5)], [member(9)])
    with pytest.raises(DestinationError) as error:
        list(sync)

    message = str(error.value)
    assert "code 190" in message and "access_token" in message
    assert "\n" not in message and TOKEN not in message
    assert len(meta.requests) == 2


def test_a_wrong_token_is_refused_on_the_first_call(meta):
    with pytest.raises(DestinationError, match="code 190"):
        list(destination(meta, token="EAAB-revoked").sync(AUDIENCE, [member(1)], []))
    assert len(meta.requests) == 1


def test_missing_permission_and_unknown_account_are_one_line(meta):
    meta.faults = [missing_permission()]
    with pytest.raises(DestinationError, match=r"code 200: .*needs ads_management on ad account"):
        list(destination(meta).sync(AUDIENCE, [member(1)], []))
    meta.ad_account_id = "999"
    with pytest.raises(DestinationError, match=r"cannot find act_1234567890.*ad_account_id"):
        list(destination(meta).sync(AUDIENCE, [member(1)], []))


def test_throttling_waits_the_usage_headers_hint_then_goes_on(meta):
    meta.faults = [
        None,
        throttled(regain_minutes=2),
        throttled(regain_minutes=None),
        server_error(),
    ]
    waits: list[float] = []
    outcomes = list(destination(meta, waits).sync(AUDIENCE, [member(i) for i in range(3)], []))

    assert waits == [120.0, 60.0, 1.0]  # the header's minutes, Meta's "a bit", HTTP backoff
    assert {o.status for o in outcomes} == {SENT}
    assert len(meta.member_hashes(AUDIENCE.name)) == 3


def test_throttling_longer_than_the_limit_fails_the_rest_without_more_calls(meta):
    meta.faults = [None, None, None, None, throttled(regain_minutes=60)]
    syncing = destination(meta)
    syncing.rows_per_request = 5
    outcomes = list(syncing.sync(AUDIENCE, [member(i) for i in range(12)], [member(50)]))

    assert statuses(outcomes) == {
        ("c50", REMOVE): SENT,
        **{(f"c{i}", ADD): SENT for i in range(5)},
        **{(f"c{i}", ADD): FAILED for i in range(5, 12)},
    }
    assert "60 more minutes" in outcomes[-1].detail
    assert len(meta.requests) == 5  # lookup, create, delete, two adds: nothing after


def test_no_change_makes_no_call(meta):
    assert list(destination(meta).sync(AUDIENCE, [], [])) == []
    assert meta.requests == []


def test_missing_secret_or_account_is_refused_before_any_call(meta):
    with pytest.raises(DestinationError, match="access_token"):
        from_config({"ad_account_id": ACCOUNT}, {})
    with pytest.raises(DestinationError, match="ad_account_id"):
        from_config({"ad_account_id": "mi cuenta"}, {"access_token": TOKEN})


def test_other_client_errors_stop_with_metas_message(meta):
    meta.faults = [graph_error(100, "(#100) Invalid parameter", subcode=1713230)]
    with pytest.raises(DestinationError, match=r"code 100, subcode 1713230: \(#100\) Invalid"):
        list(destination(meta).sync(AUDIENCE, [member(1)], []))


def test_an_application_without_permission_is_one_line(meta):
    meta.faults = [graph_error(10, "(#10) Application does not have permission for this action")]
    with pytest.raises(DestinationError, match=r"code 10: .*ads_management"):
        list(destination(meta).sync(AUDIENCE, [member(1)], []))
    assert len(meta.requests) == 1
