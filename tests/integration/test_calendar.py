"""The calendar over a real node: events with attendees and a conversation's event card, answers
and edits that replace the card (``message.card``) and tell everyone (``calendar.event``),
cancellation, who may see and change what, idempotent creation, refused input, .ics files, the
secret feed and a reminder over the WebSocket (``calendar.reminder``)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import icalendar
import pytest

from tests.integration.test_key_rotation import FAST_KEYS, axon_cli
from tests.integration.test_realtime import Raw
from tests.support.at_rest import key_ids_in_use, run_sql
from tests.support.people import PASSWORD, Person, admin_rest, eventually, new_person
from tests.support.server import ServerProcess

_n = itertools.count()


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("calendar"), env={"AXON_CALENDAR_REMINDER_INTERVAL": "0.2"}).start()
    yield proc
    proc.stop()


async def call(node: ServerProcess, person: Person | None, method: str, path: str, body: Any = None,
               headers: dict[str, str] | None = None) -> httpx.Response:
    auth = {"Authorization": f"Bearer {person.token}"} if person is not None else {}
    async with httpx.AsyncClient(base_url=node.url + "/api/v1") as http:
        return await http.request(method, path, json=body, headers={**auth, **(headers or {})})


async def ok(node: ServerProcess, person: Person, method: str, path: str, body: Any = None,
             status: int = 200) -> Any:
    answer = await call(node, person, method, path, body)
    assert answer.status_code == status, answer.text
    return answer.json() if answer.content else None


def planned(title: str = "Design review", **extra: Any) -> dict[str, Any]:
    return {"title": title, "start": "2030-03-04T09:00:00.000Z", "end": "2030-03-04T10:00:00.000Z",
            "time_zone": "Europe/Berlin", **extra}


async def until_user_event(raw: Raw, type_: str, event_id: str) -> dict[str, Any]:
    while True:
        frame = await raw.until("user_event")
        if frame["type"] == type_ and frame["data"]["event"]["id"] == event_id:
            return dict(frame["data"])


async def until_card(raw: Raw, message_id: str) -> dict[str, Any]:
    while True:
        frame = await raw.until("event")
        if frame["type"] == "message.card" and frame["data"]["message_id"] == message_id:
            return dict(frame["data"]["card"])


async def _found_by_search(http: httpx.AsyncClient, person: Person, conv: str, message_id: str) -> bool:
    answer = await http.get("/search", params={"q": "Design", "mode": "keyword"},
                            headers={"Authorization": f"Bearer {person.token}"})
    return any(h["message"]["id"] == message_id for h in answer.json()["items"])


async def team(node: ServerProcess) -> tuple[Person, Person, Person, str]:
    admin = await admin_rest(node.url)
    ann, bob, carol = [await new_person(node.url, admin) for _ in range(3)]
    conv = (await ann.rest.create_conversation("group", f"Plans {next(_n)}", [bob.id]))["id"]
    return ann, bob, carol, conv


async def test_an_event_with_a_card_is_answered_moved_and_cancelled_and_everyone_hears(node: ServerProcess) -> None:
    ann, bob, carol, conv = await team(node)
    bob_ws, _ = await Raw.open(node, bob.token)
    event = await ok(node, ann, "POST", "/calendar/events",
                     planned(attendees=[bob.id, carol.id], conversation_id=conv, location="Room 4",
                             reminders_minutes=[10, 60]), status=201)
    assert event["id"].startswith("ev_") and event["organizer_id"] == ann.id and event["version"] == 1
    assert event["attendees"] == [{"user_id": ann.id, "response": "accepted"},
                                  *sorted([{"user_id": bob.id, "response": "needs_action"},
                                           {"user_id": carol.id, "response": "needs_action"}],
                                          key=lambda a: a["user_id"])]
    assert (event["status"], event["reminders_minutes"], event["start"]) == ("confirmed", [60, 10],
                                                                               "2030-03-04T09:00:00.000Z")
    assert (await until_user_event(bob_ws, "calendar.event", event["id"]))["event"] == event
    card_id = event["card_message_id"]
    history = await ok(node, bob, "GET", f"/conversations/{conv}/messages")
    message = next(m for m in history["items"] if m["id"] == card_id)
    assert message["text"] == "📅 Design review · 2030-03-04 10:00 (Europe/Berlin)"
    assert message["card"] == {"type": "event", "event": {
        "id": event["id"], "title": "Design review", "start": event["start"], "end": event["end"],
        "time_zone": "Europe/Berlin", "status": "confirmed", "organizer_id": ann.id,
        "responses": {"accepted": 1, "declined": 0, "tentative": 0, "needs_action": 2}}}
    assert all(m["card"] is None for m in history["items"] if m["id"] != card_id)

    answered = await ok(node, bob, "POST", f"/calendar/events/{event['id']}/response", {"response": "accepted"})
    assert answered["version"] == 2
    card = await until_card(bob_ws, card_id)
    assert card["event"]["responses"] == {"accepted": 2, "declined": 0, "tentative": 0, "needs_action": 1}
    await ok(node, carol, "POST", f"/calendar/events/{event['id']}/response", {"response": "declined"})
    assert (await until_card(bob_ws, card_id))["event"]["responses"]["declined"] == 1

    moved = await ok(node, ann, "PATCH", f"/calendar/events/{event['id']}",
                     {"start": "2030-03-04T11:00:00+01:00", "end": "2030-03-04T12:30:00+01:00"})
    assert moved["start"] == "2030-03-04T10:00:00.000Z" and moved["version"] == 4
    assert {a["user_id"]: a["response"] for a in moved["attendees"]} == {
        ann.id: "accepted", bob.id: "needs_action", carol.id: "needs_action"}
    assert (await until_user_event(bob_ws, "calendar.event", event["id"]))["event"]["version"] >= 2
    renamed = await ok(node, ann, "PATCH", f"/calendar/events/{event['id']}", {"title": "Review, again"})
    assert {a["response"] for a in renamed["attendees"] if a["user_id"] != ann.id} == {"needs_action"}
    assert (await until_card(bob_ws, card_id))["event"]["start"] == "2030-03-04T10:00:00.000Z"

    cancelled = await ok(node, ann, "POST", f"/calendar/events/{event['id']}/cancel")
    assert cancelled["status"] == "cancelled"
    while (card := await until_card(bob_ws, card_id))["event"]["status"] != "cancelled":
        pass
    thread = await ok(node, bob, "GET", f"/conversations/{conv}/messages/{card_id}/thread")
    assert thread["root"]["card"] == card and thread["root"]["card"]["event"]["title"] == "Review, again"
    await ok(node, bob, "PUT", f"/conversations/{conv}/messages/{card_id}/pin", status=204)
    assert [m["card"] for m in await ok(node, bob, "GET", f"/conversations/{conv}/pins")] == [card]
    async with httpx.AsyncClient(base_url=node.url + "/api/v1") as http:  # the search index is built after commit
        await eventually(lambda: _found_by_search(http, bob, conv, card_id))
        hits = (await http.get("/search", params={"q": "Design", "mode": "keyword"},
                               headers={"Authorization": f"Bearer {bob.token}"})).json()["items"]
    assert [h["message"]["card"] for h in hits if h["message"]["id"] == card_id] == [card]
    refused = await call(node, bob, "POST", f"/calendar/events/{event['id']}/response", {"response": "accepted"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "event_cancelled")
    listed = await ok(node, carol, "GET", "/calendar/events?start=2030-03-04T00:00:00Z&end=2030-03-05T00:00:00Z")
    assert [(e["id"], e["status"]) for e in listed["events"]] == [(event["id"], "cancelled")]
    await bob_ws.close()


async def test_strangers_see_nothing_and_only_the_organiser_changes_the_event(node: ServerProcess) -> None:
    ann, bob, carol, conv = await team(node)
    event = await ok(node, ann, "POST", "/calendar/events", planned(attendees=[bob.id]), status=201)
    path = f"/calendar/events/{event['id']}"
    for method, suffix, body in (("GET", "", None), ("GET", "/ics", None), ("PATCH", "", {"title": "Mine"}),
                                 ("POST", "/cancel", None), ("POST", "/response", {"response": "accepted"})):
        answer = await call(node, carol, method, path + suffix, body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found"), (method, suffix)
    assert (await ok(node, carol, "GET", "/calendar/events"))["events"] == []
    for method, suffix, body in (("PATCH", "", {"title": "Mine"}), ("POST", "/cancel", None)):
        answer = await call(node, bob, method, path + suffix, body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (403, "forbidden")
    assert (await ok(node, bob, "GET", path))["title"] == "Design review"
    # A card goes only where the organiser may post: carol is not in the group.
    answer = await call(node, carol, "POST", "/calendar/events", planned(conversation_id=conv))
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found")
    assert (await ok(node, carol, "GET", "/calendar/events"))["events"] == []  # nothing half made


async def test_a_guest_invites_only_people_of_their_conversations(node: ServerProcess) -> None:
    admin = await admin_rest(node.url)
    ann, dave = await new_person(node.url, admin), await new_person(node.url, admin)
    project = await ann.rest.create_conversation("group", f"Guest project {next(_n)}", [(await admin.me())["id"]])
    invite = await admin.request("POST", "/guest-invites", {"conversation_ids": [project["id"]], "max_uses": 1})
    rest = type(admin)(node.url)
    session = await rest.signup(invite_token=invite["token"], username=f"guest{uuid.uuid4().hex[:6]}",
                                display_name="Gus Guest", password=PASSWORD)
    guest = Person(session["user"], rest, session["token"])
    answer = await call(node, guest, "POST", "/calendar/events", planned(attendees=[dave.id]))
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found")
    assert answer.json()["error"]["details"] == {"field": "attendees", "user_id": dave.id}
    event = await ok(node, guest, "POST", "/calendar/events",
                     planned(attendees=[ann.id], conversation_id=project["id"]), status=201)
    assert event["card_message_id"] is not None
    assert (await ok(node, ann, "GET", f"/calendar/events/{event['id']}"))["organizer_id"] == guest.id
    # A member may invite the guest (members see the whole organisation, guests included).
    assert (await call(node, ann, "POST", "/calendar/events", planned(attendees=[guest.id]))).status_code == 201


async def test_a_retry_with_the_same_idempotency_key_returns_the_same_event(node: ServerProcess) -> None:
    ann, bob, _, conv = await team(node)
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = await call(node, ann, "POST", "/calendar/events", planned(conversation_id=conv), key)
    again = await call(node, ann, "POST", "/calendar/events", planned(conversation_id=conv), key)
    assert (first.status_code, again.status_code) == (201, 200) and first.json() == again.json()
    cards = [m for m in (await ok(node, ann, "GET", f"/conversations/{conv}/messages"))["items"] if m["card"]]
    assert [m["id"] for m in cards] == [first.json()["card_message_id"]]
    other = await call(node, bob, "POST", "/calendar/events", planned(), key)  # keys are the organiser's own
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


@pytest.mark.parametrize(("change", "field"), [
    ({"title": "  "}, "title"), ({"title": "x" * 201}, "title"), ({"end": "2030-03-04T08:00:00Z"}, "end"),
    ({"end": "2030-03-12T09:00:01Z"}, "end"), ({"start": "tomorrow"}, "start"),
    ({"start": "2030-03-04T09:00:00"}, "start"), ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"time_zone": "../etc/passwd"}, "time_zone"), ({"reminders_minutes": [10081]}, "reminders_minutes"),
    ({"reminders_minutes": [1, 2, 3, 4, 5, 6]}, "reminders_minutes"), ({"location": "x" * 501}, "location"),
    ({"attendees": [f"u_{i}" for i in range(201)]}, "attendees"),
    ({"source_message_id": "m_nothing"}, "source_message_id"),
])
async def test_bad_input_is_400_naming_its_field(node: ServerProcess, change: dict[str, Any], field: str) -> None:
    admin = await admin_rest(node.url)
    ann = await new_person(node.url, admin)
    answer = await call(node, ann, "POST", "/calendar/events", {**planned(), **change})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "validation_failed" and answer.json()["error"]["details"]["field"] == field


async def test_malformed_bodies_and_answers_are_refused(node: ServerProcess) -> None:
    ann, bob, _, _ = await team(node)
    assert (await call(node, ann, "POST", "/calendar/events", {**planned(), "colour": "red"})).status_code == 422
    assert (await call(node, ann, "POST", "/calendar/events", {**planned(), "reminders_minutes": ["10"]})
            ).status_code == 422
    event = await ok(node, ann, "POST", "/calendar/events", planned(attendees=[bob.id]), status=201)
    answer = await call(node, bob, "POST", f"/calendar/events/{event['id']}/response", {"response": "maybe"})
    assert (answer.status_code, answer.json()["error"]["details"]["field"]) == (400, "response")
    answer = await call(node, ann, "PATCH", f"/calendar/events/{event['id']}", {"end": "2030-03-04T08:00:00Z"})
    assert (answer.status_code, answer.json()["error"]["details"]["field"]) == (400, "end")
    assert (await call(node, ann, "PATCH", f"/calendar/events/{event['id']}", {"conversation_id": "c_x"})
            ).status_code == 422
    assert (await call(node, None, "GET", "/calendar/events")).status_code == 401
    assert (await call(node, ann, "GET", "/calendar/events?start=soon")).status_code == 400


async def test_ics_and_the_secret_feed(node: ServerProcess) -> None:
    ann, bob, carol, _ = await team(node)
    mine = await ok(node, ann, "POST", "/calendar/events", planned("Ann's", attendees=[bob.id]), status=201)
    theirs = await ok(node, carol, "POST", "/calendar/events", planned("Carol's"), status=201)
    one = await call(node, bob, "GET", f"/calendar/events/{mine['id']}/ics")
    assert one.status_code == 200 and one.headers["content-type"].startswith("text/calendar")
    [vevent] = icalendar.Calendar.from_ical(one.content).walk("VEVENT")
    assert (str(vevent["uid"]), str(vevent["summary"])) == (f"{mine['id']}@axon", "Ann's")

    assert await ok(node, bob, "GET", "/calendar/feed") == {"url": None, "created_at": None}
    made = await ok(node, bob, "POST", "/calendar/feed")
    url = made["url"]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert url == f"{node.url}/api/v1/calendar/feed/{token}.ics" and len(token) >= 43  # 256 random bits
    assert await ok(node, bob, "GET", "/calendar/feed") == made
    async with httpx.AsyncClient() as http:
        feed = await http.get(url)  # no sign-in: the URL is the key
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
        uids = {str(v["uid"]) for v in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")}
        assert uids == {f"{mine['id']}@axon"} and f"{theirs['id']}@axon" not in uids
        for guess in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 43, "a"):
            assert (await http.get(f"{node.url}/api/v1/calendar/feed/{guess}.ics")).status_code == 404
        replaced = await ok(node, bob, "POST", "/calendar/feed")
        assert replaced["url"] != url and (await http.get(url)).status_code == 404
        assert (await http.get(replaced["url"])).status_code == 200
        assert await ok(node, bob, "DELETE", "/calendar/feed") == {"url": None, "created_at": None}
        assert (await http.get(replaced["url"])).status_code == 404
        assert await ok(node, bob, "GET", "/calendar/feed") == {"url": None, "created_at": None}


async def test_a_due_reminder_arrives_once_over_the_websocket(node: ServerProcess) -> None:
    ann, bob, _, _ = await team(node)
    bob_ws, _ = await Raw.open(node, bob.token)
    now = datetime.now(UTC)

    def starting_in(minutes: int, title: str) -> dict[str, Any]:
        start = now + timedelta(minutes=minutes)
        return planned(title, attendees=[bob.id], start=start.isoformat(),
                       end=(start + timedelta(minutes=30)).isoformat(), reminders_minutes=[5])

    first = await ok(node, ann, "POST", "/calendar/events", starting_in(3, "First"), status=201)
    got = await until_user_event(bob_ws, "calendar.reminder", first["id"])
    assert got["minutes_before"] == 5 and got["event"]["title"] == "First"
    second = await ok(node, ann, "POST", "/calendar/events", starting_in(4, "Second"), status=201)
    while (frame := await bob_ws.until("user_event"))["type"] != "calendar.reminder":
        pass
    assert frame["data"]["event"]["id"] == second["id"]  # rounds went by: the first was not sent again
    await bob_ws.close()


async def test_a_key_rotation_re_seals_events_cards_and_feed_tokens(tmp_path: Path) -> None:
    node = ServerProcess(tmp_path / "node", env=FAST_KEYS).start()
    try:
        ann, bob, _, conv = await team(node)
        event = await ok(node, ann, "POST", "/calendar/events",
                         planned("QZX planning", attendees=[bob.id], conversation_id=conv, location="QZX room"),
                         status=201)
        feed = await ok(node, bob, "POST", "/calendar/feed")
        slug = (await run_sql(node, "SELECT slug FROM orgs"))[0][0]
        old = await key_ids_in_use(node)
        code, out = await axon_cli(node, "keys", "rotate", "--org", slug, "--reencrypt")
        assert code == 0, out
        new = await key_ids_in_use(node)
        assert len(new) == 1 and None not in new and new != old  # every sealed value, the calendar's included
        assert "QZX" not in str(await run_sql(node, "SELECT title, location FROM calendar_events"))
        assert (await ok(node, bob, "GET", f"/calendar/events/{event['id']}"))["location"] == "QZX room"
        assert await ok(node, bob, "GET", "/calendar/feed") == feed
        card = (await ok(node, bob, "GET", f"/conversations/{conv}/messages/{event['card_message_id']}"))["card"]
        assert card["event"]["title"] == "QZX planning"
    finally:
        node.kill()
