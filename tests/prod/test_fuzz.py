"""Bad input through nginx on the REST and socket.io channels, and the limits.

No input may give a 5xx; every well-formed message gets a reply from the bot's Danish repertoire
(a domain.yml response or an answer with its source) that shows nothing of the internals; a malformed
request gets a 400 with a Danish explanation; Rasa's ``/intent{"slot": …}`` syntax typed by a user
triggers no action and sets no slot."""

from __future__ import annotations

import os
import queue
import re
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest
import socketio
import websocket

from bot.rasa.channels.guard import is_button_payload
from tests.prod.conftest import NGINX_PORT, ORIGIN, RATE_LIMIT, Stack, texts

pytestmark = pytest.mark.prod

UNIT = "kalundborg.drift.oekonomistyring.niveau-1"
MESSAGES = [
    "", "   ", "\n\t \r\n", None, "a" * 20_000, "ledelse " * 2_500, "Hvad er ledelse? " + "😀" * 300,
    "👩‍💼🚀✨", "🇩🇰 Hvad er KL's værdier? 👍", "Hvad\x00\x07 er\x1b[2J ledelse?\x7f", "\u202eHvad er ledelse?\u202c",
    "ما هي مبادئ القيادة في كالوندبورغ؟", "שאלה על הנהגה", "Лидерство 领导 ledelse Ἀρχή リーダー",
    "<script>alert('x')</script>", "<img src=x onerror=alert(1)>Hvad er ledelse?", "</div><iframe src=//x>",
    "'; DROP TABLE units; --", "1' OR '1'='1", "SELECT * FROM events WHERE 1=1", '{"sender": "x", "message": "y"}',
    '[1, 2, {"a": null}]', "{{7*7}} ${jndi:ldap://127.0.0.1/a} %s%s%n", "\\u0000 \\x00", "ledelse\ud800?",
    "/restart", "/session_start", "/action_warm_up", "/nlu_fallback", "/out_of_scope@1.0",
    '/ask_level{"level": "2"}',
    f'/show_unit{{"unit_id": "{UNIT}", "last_unit": "hacked"}}', '/feedback_positive{"knowledge_version": "hacked"}',
    '/greet{"organisation": "hacked"}', '/show_unit{"unit_id": "hacked"}', "///", "/", "/ask_principle",
    12345, 3.5, True, ["liste"], {"tekst": "objekt"},
]
LEAKS = re.compile(r"Traceback|Exception|sqlalchemy|psycopg|rasa\.|File \"|/work/|/usr/|Error:|KeyError|NoneType",
                   re.IGNORECASE)


def repertoire(stack: Stack) -> list[str]:
    """The fixed start of every domain response (up to its first {placeholder})."""
    starts = []
    for variants in stack.domain.responses.values():
        for variant in variants:
            start = str(variant.get("text") or "").split("{")[0].strip()
            if start:
                starts.append(start)
    return starts


def check_reply(stack: Stack, replies: list[str], what: Any) -> None:
    assert replies, f"no reply to {what!r}"
    starts = repertoire(stack)
    for text in replies:
        assert text.strip(), f"empty message in the reply to {what!r}"
        assert not LEAKS.search(text), f"internals in the reply to {what!r}: {text[:200]!r}"
    first = replies[0]
    assert "Kilde:" in first or any(first.startswith(s) for s in starts), f"{what!r} -> {first[:200]!r}"


def test_rest_well_formed_messages_get_a_danish_reply(stack: Stack) -> None:
    for message in MESSAGES:
        status, body = stack.post(f"fuzz-{uuid.uuid4().hex[:8]}", message)
        if isinstance(message, (str, type(None))):
            assert status == 200, f"{message!r}: HTTP {status} {body}"
            check_reply(stack, texts(body), message)
        else:  # a JSON number, list or object is not a message: a 400 that says so
            assert status == 400 and "Beskeden kunne ikke læses" in body["error"], (message, status, body)


def test_long_messages_get_the_length_reply(stack: Stack) -> None:
    for message in ("a" * 20_000, "ledelse " * 200):
        status, body = stack.post(f"fuzz-{uuid.uuid4().hex[:8]}", message)
        assert status == 200 and texts(body) == [stack.text("utter_message_too_long")]
    status, body = stack.post(f"fuzz-{uuid.uuid4().hex[:8]}", "   \x00 ")
    assert texts(body) == [stack.text("utter_empty_message")]


@pytest.mark.parametrize("raw", [
    b"\xff\xfe\xfd", b'{"sender": "a", "message": "\xe6\xf8\xe5"}', b'{"sender": "a", "message": ', b"", b"null",
    b"[]", b'"tekst"', b'{"message": "Hvad er ledelse?"}', b'{"sender": {"id": 1}, "message": "x"}',
    b'{"sender": "' + b"s" * 500 + b'", "message": "x"}', b'{"sender": "a", "message": "x", "metadata": [1]}',
    b"sender=a&message=hej", b'{"sender": "a", "message": "x"}}}',
])
def test_malformed_requests_get_a_400_in_danish(stack: Stack, raw: bytes) -> None:
    status, body = stack.post("", None, raw=raw)
    assert status == 400, (raw, status, body)
    assert isinstance(body, dict) and "Beskeden kunne ikke læses" in body["error"]


def test_oversized_request_body_is_refused_without_a_server_error(stack: Stack) -> None:
    status, _ = stack.post("", None, raw=b'{"sender": "a", "message": "' + b"x" * 300_000 + b'"}')
    assert status == 413


def test_typed_intent_syntax_triggers_no_action_and_sets_no_slot(stack: Stack) -> None:
    injections = [m for m in MESSAGES if isinstance(m, str) and m.startswith("/")]
    for message in injections:
        who = f"inject-{uuid.uuid4().hex[:8]}"
        status, _ = stack.post(who, "Hvad forventes af en niveau 1 leder om økonomistyring?")
        assert status == 200
        status, _ = stack.post(who, message)
        assert status == 200
        events = stack.tracker(who)["events"]
        user = [e for e in events if e["event"] == "user"][-1]
        intent = (user.get("parse_data") or {}).get("intent") or {}
        if not is_button_payload(message):  # a payload of the bot's own buttons goes through as such
            assert not str(user.get("text") or "").startswith("/"), (message, user.get("text"))
            # The /intent syntax gives one intent at confidence 1.0 and no ranking; the NLU ranks every intent
            # (DIET itself may reach 1.0 on a nonsense text, so the confidence alone proves nothing).
            ranking = (user.get("parse_data") or {}).get("intent_ranking") or []
            assert len(ranking) > 1, (message, intent, ranking)
        assert not [e for e in events if e["event"] == "slot" and e.get("value") == "hacked"], message
        assert not [e for e in events if e["event"] in ("restart", "rewind", "pause")], message
        names = [e.get("name") for e in events if e["event"] == "action"]
        assert "action_warm_up" not in names and "action_restart" not in names, message
        assert names.count("action_session_start") == 1, message
    # The bot's own button payload still works.
    who = f"button-{uuid.uuid4().hex[:8]}"
    status, body = stack.post(who, f'/show_unit{{"unit_id": "{UNIT}"}}')
    assert status == 200 and "Niveau 1" in texts(body)[0]


def socketio_replies(client: socketio.Client, inbox: queue.Queue[dict[str, Any]], message: Any) -> list[str]:
    """One message in a new conversation (session) on the same connection."""
    session = uuid.uuid4().hex
    client.emit("session_request", {"session_id": session})
    client.emit("user_uttered", {"message": message, "session_id": session})
    replies = [inbox.get(timeout=60)]
    while True:
        try:
            replies.append(inbox.get(timeout=0.8))
        except queue.Empty:
            return [str(r.get("text") or "") for r in replies]


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_socketio_messages_get_a_danish_reply(stack: Stack, transport: str) -> None:
    """Through nginx; long-polling only works if nginx keeps a client on one Rasa server."""
    inbox: queue.Queue[dict[str, Any]] = queue.Queue()
    client = socketio.Client(reconnection=False, websocket_extra_options={"origin": ORIGIN})
    client.on("bot_uttered", inbox.put)
    client.connect(stack.base_url, transports=[transport],
                   headers={"Origin": ORIGIN} if transport == "polling" else {})
    try:
        sample = MESSAGES if transport == "websocket" else MESSAGES[:4] + ["Hvad er KL's værdier?"] * 3
        for message in sample:
            if isinstance(message, (str, type(None))):
                check_reply(stack, socketio_replies(client, inbox, message), message)
        for junk in ("bare tekst", ["liste"], 42, None):  # not a message object: ignored, connection stays
            client.emit("user_uttered", junk)
        check_reply(stack, socketio_replies(client, inbox, "Hvad er KL's værdier?"), "after junk")
    finally:
        client.disconnect()


def test_rate_limit_holds_across_both_rasa_servers(stack: Stack) -> None:
    if time.time() % 60 > 40:  # the limit counts per minute: start early in a minute
        time.sleep(61 - time.time() % 60)
    who = f"ivrig-{uuid.uuid4().hex[:8]}"
    replies = [texts(stack.post(who, "Hvad er KL's værdier?")[1])[0] for _ in range(RATE_LIMIT + 2)]
    limited = stack.text("utter_rate_limited")
    assert limited not in replies[:RATE_LIMIT]
    assert replies[RATE_LIMIT:] == [limited, limited]
    assert texts(stack.post(f"rolig-{uuid.uuid4().hex[:8]}", "Hvad er KL's værdier?")[1])[0] != limited


def test_socketio_protocol_garbage_breaks_nothing(stack: Stack) -> None:
    """Broken engine.io/socket.io packets, invalid UTF-8 over WebSocket and long-polling: no 5xx, both Rasa
    servers stay up, and the next visitor is answered."""
    ws = websocket.create_connection(f"ws://127.0.0.1:{NGINX_PORT}/socket.io/?EIO=4&transport=websocket",
                                     origin=ORIGIN, timeout=10)
    try:
        assert str(ws.recv()).startswith("0{")  # engine.io open
        ws.send("40")
        assert str(ws.recv()).startswith("40")  # socket.io connect
        for junk in ['42[', '42["user_uttered"', '42["user_uttered", "tekst"]', "4x", "9", '42["ukendt", {}]',
                     "42" + "[" * 2000, '42["user_uttered", {"message": {"a": 1}, "session_id": 7}]']:
            ws.send(junk)
        ws.send_binary(b"\xff\xfe\x00\x80")
    except (websocket.WebSocketException, OSError):
        pass  # the server may close a connection that sends garbage
    finally:
        ws.close()

    sid = stack.polling_session()
    for body in (b"\xff\xfe\xfd", b"42[", b"", b"40" + b"\xc3\x28"):
        post = urllib.request.Request(f"{stack.base_url}/socket.io/?EIO=4&transport=polling&sid={sid}", body,
                                      {"Origin": ORIGIN, "Content-Type": "text/plain;charset=UTF-8"})
        try:
            with urllib.request.urlopen(post, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        assert status < 500, (body, status)

    for server, pid in stack.pids().items():
        if server.startswith("rasa-"):
            os.kill(pid, 0)  # still running
    inbox: queue.Queue[dict[str, Any]] = queue.Queue()
    client = socketio.Client(reconnection=False, websocket_extra_options={"origin": ORIGIN})
    client.on("bot_uttered", inbox.put)
    client.connect(stack.base_url, transports=["websocket"])
    try:
        check_reply(stack, socketio_replies(client, inbox, "Hvad er KL's værdier?"), "after garbage")
    finally:
        client.disconnect()
