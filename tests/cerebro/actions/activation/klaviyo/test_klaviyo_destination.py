"""The Klaviyo destination against a local fake of Klaviyo's API (``fake_klaviyo``), whose
state is the oracle: the list's members after each sync, the requests it saw and their sizes
against Klaviyo's documented limits, the waits asked for against the ``Retry-After`` it sent."""

from __future__ import annotations

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
from cerebro.actions.activation.destinations import klaviyo
from cerebro.actions.activation.destinations.klaviyo import KlaviyoDestination, from_config
from tests.cerebro.actions.activation.klaviyo.fake_klaviyo import (
    BULK_PROFILES_MAX,
    RELATIONSHIPS_MAX,
    FakeKlaviyo,
    serving,
)

AUDIENCE = Audience(
    "casafacil_cl", "Frecuentes alejados", "Cerebro · casafacil_cl · Frecuentes alejados"
)
API_KEY = "pk_test_cerebro"


def people(start: int, stop: int, **extra) -> list[Member]:
    return [
        Member(f"c{i}", email=f"Cliente{i}@Example.cl", first_name="Ana", **extra)
        for i in range(start, stop)
    ]


def emails(members) -> set[str]:
    return {member.email.lower() for member in members}


@pytest.fixture
def fake():
    return FakeKlaviyo(api_key=API_KEY)


@pytest.fixture
def waits():
    return []


@pytest.fixture
def destination(fake, waits):
    with serving(fake) as base_url:
        yield from_config({"base_url": base_url}, {"api_key": API_KEY}, sleep=waits.append)


def statuses(outcomes) -> dict[tuple[str, str], str]:
    return {(o.customer_id, o.action): o.status for o in outcomes}


def test_list_membership_after_two_syncs_equals_the_requested_members(destination, fake, waits):
    first = people(0, 60)  # above SYNC_ADD_MAX: one bulk import job
    outcomes = list(destination.sync(AUDIENCE, first, []))
    assert {o.status for o in outcomes} == {SENT} and len(outcomes) == 60
    assert waits == [1.0] and fake.calls("get_job") == 1  # polled once, a second apart
    [list_id] = fake.list_named(AUDIENCE.name)
    assert fake.member_emails(list_id) == emails(first)
    assert fake.calls("spawn_job") == 1 and fake.calls("import_profile") == 0

    second = first[10:] + people(60, 72)  # 10 leave, 12 join: few, so one by one
    outcomes = list(destination.sync(AUDIENCE, people(60, 72), first[:10]))
    assert statuses(outcomes) == {
        **{(f"c{i}", ADD): SENT for i in range(60, 72)},
        **{(f"c{i}", REMOVE): SENT for i in range(10)},
    }
    assert fake.member_emails(list_id) == emails(second)
    assert fake.list_named(AUDIENCE.name) == [list_id]  # found again, not created twice
    assert fake.calls("import_profile") == 12 and fake.calls("remove_from_list") == 1

    before = fake.calls()
    assert list(destination.sync(AUDIENCE, [], [])) == []
    assert fake.calls() == before  # nothing to change: nothing asked


def test_removals_of_members_not_in_the_list_or_without_a_list(destination, fake):
    list(destination.sync(AUDIENCE, people(0, 3), []))
    outcomes = list(destination.sync(AUDIENCE, [], [*people(0, 1), *people(50, 52)]))
    assert [(o.customer_id, o.status, o.detail) for o in outcomes] == [
        ("c0", SENT, ""),
        ("c50", SENT, "not in the list"),
        ("c51", SENT, "not in the list"),
    ]
    other = Audience("casafacil_cl", "Habituales", "Cerebro · casafacil_cl · Habituales")
    outcomes = list(destination.sync(other, [], people(0, 2)))
    assert {o.status for o in outcomes} == {SENT} and fake.list_named(other.name) == []


@pytest.mark.parametrize("size", [5, 40], ids=["one-by-one", "bulk-job"])
def test_bad_emails_are_refused_per_member_while_the_rest_go_through(destination, fake, size):
    members = people(0, size)
    members[1] = Member("c1", email="no-arroba.example.cl")
    members[3] = Member("c3", email="ana@@example")
    members.append(Member("c-none", phone="+56911112222"))  # no e-mail at all
    outcomes = {o.customer_id: o for o in destination.sync(AUDIENCE, members, [])}
    refused = {cid for cid, o in outcomes.items() if o.status == REFUSED}
    assert refused == {"c1", "c3", "c-none"}
    assert "Invalid email address" in outcomes["c1"].detail
    assert outcomes["c-none"].detail == "no e-mail address"
    good = [m for m in members if m.customer_id not in refused]
    assert all(outcomes[m.customer_id].status == SENT for m in good)
    [list_id] = fake.list_named(AUDIENCE.name)
    assert fake.member_emails(list_id) == emails(good)


def test_a_rejected_key_stops_with_one_line_and_nothing_is_sent_after_it(fake, waits):
    with serving(fake) as base_url:
        wrong = from_config({"base_url": base_url}, {"api_key": "pk_wrong_s3cret"})
        with pytest.raises(DestinationError) as error:
            list(wrong.sync(AUDIENCE, people(0, 5), []))
    message = str(error.value)
    assert message.startswith("Klaviyo refused the API key for tenant casafacil_cl")
    assert "KLAVIYO secret / scopes" in message and "\n" not in message
    assert "pk_wrong_s3cret" not in message
    assert fake.calls() == 1


def test_a_key_revoked_mid_sync_keeps_what_was_sent_and_calls_nothing_more(destination, fake):
    fake.revoke_after(3)  # the list search, the list creation, the first profile
    seen = []
    with pytest.raises(DestinationError):
        for outcome in destination.sync(AUDIENCE, people(0, 5), []):
            seen.append(outcome)
    assert seen == []  # the profile was not yet in the list: nothing reported as sent
    assert fake.calls() == 4 and fake.seen[-1].status == 401


def test_a_key_without_the_scopes_is_refused_alike():
    fake = FakeKlaviyo(api_key=API_KEY, scopes={"lists:read", "profiles:read"})
    with serving(fake) as base_url:
        destination = from_config({"base_url": base_url}, {"api_key": API_KEY})
        with pytest.raises(DestinationError, match=r"\(permission_denied\).*lists:write"):
            list(destination.sync(AUDIENCE, people(0, 2), []))
    assert fake.calls() == 2  # the search was allowed, the creation was not


def test_throttling_is_retried_after_the_wait_klaviyo_asks(destination, fake, waits):
    fake.throttle(2, retry_after="7")
    outcomes = list(destination.sync(AUDIENCE, people(0, 3), []))
    assert {o.status for o in outcomes} == {SENT}
    assert waits == [7.0, 7.0]
    assert [s.status for s in fake.seen[:3]] == [429, 429, 200]


def test_klaviyo_down_fails_the_members_without_more_calls_then_the_next_sync_sends(
    destination, fake
):
    fake.fail(5, status=503)  # every attempt of the first request
    outcomes = list(destination.sync(AUDIENCE, people(0, 30), people(90, 92)))
    assert {o.status for o in outcomes} == {FAILED} and len(outcomes) == 32
    assert "failed 5 times (HTTP 503)" in outcomes[0].detail
    assert fake.calls() == 5
    outcomes = list(destination.sync(AUDIENCE, people(0, 30), []))
    assert {o.status for o in outcomes} == {SENT}


def test_batches_stay_within_klaviyo_limits(destination, fake):
    members = people(0, BULK_PROFILES_MAX + 2_000)
    outcomes = list(destination.sync(AUDIENCE, members, []))
    assert sum(o.status == SENT for o in outcomes) == len(members)
    assert fake.calls("spawn_job") == 2 and fake.largest("spawn_job") == BULK_PROFILES_MAX

    leaving = members[:2_500]
    outcomes = list(destination.sync(AUDIENCE, [], leaving))
    assert sum(o.status == SENT and o.detail == "" for o in outcomes) == 2_500
    assert fake.calls("remove_from_list") == 3
    assert fake.largest("remove_from_list") == RELATIONSHIPS_MAX
    assert fake.calls("get_list_profiles") == 25  # 100 e-mails a lookup, one page each
    assert all(s.status < 400 for s in fake.seen)  # nothing over a limit was refused
    [list_id] = fake.list_named(AUDIENCE.name)
    assert fake.member_emails(list_id) == emails(members[2_500:])


def test_an_import_over_five_megabytes_is_split(destination, fake):
    heavy = [Member(f"c{i}", email=f"c{i}@example.cl", first_name="A" * 700) for i in range(8000)]
    outcomes = list(destination.sync(AUDIENCE, heavy, []))
    assert {o.status for o in outcomes} == {SENT}
    assert fake.calls("spawn_job") == 2
    largest = max(s.bytes for s in fake.seen if s.route == "spawn_job")
    assert 4_000_000 < largest <= klaviyo.BULK_IMPORT_MAX_BYTES


def test_the_list_search_follows_pages_and_matches_the_name_exactly(destination, fake):
    for i in range(25):  # the fake's name filter ignores case, as Klaviyo's may
        fake.add_list(AUDIENCE.name.upper() if i % 2 else AUDIENCE.name.lower())
    wanted = fake.add_list(AUDIENCE.name)
    list(destination.sync(AUDIENCE, people(0, 2), []))
    assert fake.calls("get_lists") == 3  # 26 matches, 10 a page
    assert fake.calls("create_list") == 0
    assert fake.member_emails(wanted) == emails(people(0, 2))


def test_a_missing_list_is_created_once_after_every_page(destination, fake):
    for _ in range(12):
        fake.add_list(AUDIENCE.name.upper())
    list(destination.sync(AUDIENCE, people(0, 2), []))
    assert fake.calls("get_lists") == 2 and fake.calls("create_list") == 1
    assert len(fake.list_named(AUDIENCE.name)) == 1


def test_profiles_carry_phone_in_e164_and_names_and_a_bad_phone_is_left_out(destination, fake):
    members = [
        Member("c1", email="ana@example.cl", phone="9 8765 4321", first_name="Ana",
               last_name="Pérez"),
        Member("c2", email="luis@example.cl", phone="123"),
    ]  # fmt: skip
    outcomes = list(destination.sync(AUDIENCE, members, []))
    assert {o.status for o in outcomes} == {SENT}
    by_email = {p["email"]: p for p in fake.profiles.values()}
    assert by_email["ana@example.cl"] == {
        "email": "ana@example.cl",
        "phone_number": "+56987654321",
        "first_name": "Ana",
        "last_name": "Pérez",
    }
    assert by_email["luis@example.cl"] == {"email": "luis@example.cl"}


def test_settings_and_secrets():
    destination = from_config({"revision": "2025-10-15", "list_prefix": "[QA] "}, {"api_key": "k"})
    assert isinstance(destination, KlaviyoDestination) and destination.list_prefix == "[QA] "
    assert destination.http.base_url == "https://a.klaviyo.com"
    assert destination.http.headers["revision"] == "2025-10-15"
    assert destination.http.headers["Authorization"] == "Klaviyo-API-Key k"
    assert from_config({}, {"api_key": "k"}).http.headers["revision"] == klaviyo.DEFAULT_REVISION
    assert (KlaviyoDestination.name, KlaviyoDestination.consent) == ("klaviyo", "email")
    assert KlaviyoDestination.one_shot is False
    with pytest.raises(DestinationError, match="api_key secret"):
        from_config({}, {})
