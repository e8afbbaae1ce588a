"""The citizen endpoints: REST webhook, /api/parse, the widget's history poll."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.fuzzing import (
    CANARY_OTP,
    CANARY_PASSWORD,
    assert_no_secret,
    big_number,
    body_of,
    check,
    huge_integer,
    json_value,
    sender,
    surrogates,
    unicode_digits,
    vietnamese,
)
from tests.support.leaks import leaks

MESSAGE = st.fixed_dictionaries(
    {"sender": sender, "message": st.one_of(vietnamese, json_value)},
    optional={
        "metadata": st.one_of(
            json_value,
            st.fixed_dictionaries(
                {},
                optional={
                    "message_id": st.one_of(json_value, surrogates),
                    "sequence": st.one_of(json_value, st.integers(), big_number, unicode_digits, huge_integer),
                    "channel": st.sampled_from(["widget", "rest", "zalo"]),
                },
            ),
        )
    },
)
_HEADER_TEXT = st.text(max_size=140).filter(lambda k: "\n" not in k and "\r" not in k)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "Idempotency-Key": st.one_of(_HEADER_TEXT, st.sampled_from(["k1", "k2", "k1"])),
        "Message-Sequence": st.one_of(
            _HEADER_TEXT,
            st.integers(min_value=-5, max_value=2**60).map(str),
            big_number,
            unicode_digits,
            huge_integer.map(str),
        ),
    },
)


def _latin1(headers):
    return {k: v for k, v in headers.items() if all(ord(c) < 256 for c in v)}


CONTENT_TYPES = st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded", ""])


@given(body=body_of(MESSAGE), headers=HEADERS, content_type=CONTENT_TYPES)
def test_rest_webhook_survives_anything(fuzz_app, logs, body, headers, content_type):
    _post_message(fuzz_app, logs, body, headers, content_type)


@given(body=body_of(MESSAGE), headers=HEADERS, content_type=CONTENT_TYPES)
def test_rest_webhook_with_the_real_bot_survives_anything(real_app, logs, body, headers, content_type):
    """The same bodies through the real Rasa server and action server: what reaches them must not break them
    (the gateway answers 200 with the bot's replies or a clear 4xx) and no secret may reach their tracker store."""
    _post_message(real_app, logs, body, headers, content_type)


def test_no_fuzzed_secret_reached_the_real_bot(real_app, bot):
    """Runs after the fuzzing above (same module): the tracker store holds none of the canaries."""
    stored = (bot.workdir / "tracker.db").read_bytes().decode("utf-8", "replace")
    assert leaks([CANARY_OTP, CANARY_PASSWORD], stored) == []


def _post_message(app, logs, body, headers, content_type) -> None:
    logs.records.clear()
    response = app.test_client().post(
        "/webhooks/rest/webhook", data=body, headers=_latin1(headers), content_type=content_type or None
    )
    check(response, {200, 400, 409, 413})  # 409: a numbered message whose predecessor has not come (retryable)
    if len(body) > 64 * 1024:
        assert response.status_code == 413
    if response.status_code != 200:
        assert response.get_json()["error"] and response.get_json()["message"]
    else:
        assert isinstance(response.get_json(), list)
        assert CANARY_OTP not in json.dumps(response.get_json())
    assert_no_secret(logs)


@given(body=body_of(st.fixed_dictionaries({"text": st.one_of(vietnamese, json_value)})))
def test_parse_survives_anything(fuzz_app, logs, body):
    logs.records.clear()
    response = fuzz_app.test_client().post("/api/parse", data=body, content_type="application/json")
    check(response, {200, 400, 413})
    if response.status_code == 200:
        out = response.get_json()
        assert set(out) == {"text", "intent", "problem", "sensitive"}
        assert "Canary#Pass2024" not in out["text"]
    assert_no_secret(logs)


def _query(pairs) -> str:
    """A query string as a client could send it: percent-encoded bytes, invalid UTF-8 included."""
    from urllib.parse import quote_from_bytes

    return "&".join(
        f"{quote_from_bytes(k.encode('utf-8', 'surrogatepass'))}={quote_from_bytes(v.encode('utf-8', 'surrogatepass'))}"
        for k, v in pairs
    )


@given(
    pairs=st.lists(
        st.tuples(
            st.sampled_from(["sender", "after", "x"]),
            st.one_of(vietnamese, st.integers().map(str), surrogates, unicode_digits, huge_integer.map(str)),
        ),
        max_size=3,
    )
)
def test_widget_poll_survives_anything(fuzz_app, logs, pairs):
    logs.records.clear()
    response = fuzz_app.test_client().get("/api/widget/messages", query_string=_query(pairs))
    check(response, {200, 400})
    assert_no_secret(logs)


@given(
    pairs=st.lists(
        st.tuples(
            st.just("after"), st.one_of(unicode_digits, huge_integer.map(str), st.integers().map(str), vietnamese)
        ),
        min_size=1,
        max_size=2,
    )
)
def test_widget_poll_of_a_real_conversation_survives_any_after(fuzz_app, logs, pairs):
    """The poll of a conversation that exists (the query reaches the database): Unicode digits, 2^64, …"""
    logs.records.clear()
    client = fuzz_app.test_client()
    client.post(
        "/webhooks/rest/webhook", json={"sender": "poll-real", "message": "xin chào", "metadata": {"channel": "widget"}}
    )
    response = client.get("/api/widget/messages", query_string=_query([("sender", "poll-real"), *pairs]))
    check(response, {200, 400})
    assert_no_secret(logs)


@given(body=body_of(st.fixed_dictionaries({"sender": sender})))
def test_widget_end_survives_anything(fuzz_app, logs, body):
    if "widget.end" not in fuzz_app.view_functions:
        pytest.skip("no POST /api/widget/end in this version")
    logs.records.clear()
    response = fuzz_app.test_client().post("/api/widget/end", data=body, content_type="application/json")
    check(response, {200, 400, 413})
    assert_no_secret(logs)
