"""The staff side's forms: login, reply, resolve, the admin's settings and accounts, the hotline call record,
the content preview. Valid CSRF tokens mostly (so the handlers run), sometimes none or a wrong one."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.services import inbound
from gateway.services.texts import Texts
from tests.support.fuzzing import (
    CANARY_PASSWORD,
    STAFF_PASSWORD,
    assert_no_secret,
    body_of,
    check,
    huge_integer,
    json_value,
    plain_text,
    unicode_digits,
    vietnamese,
)

form_value = st.one_of(
    vietnamese,
    plain_text,
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "A",
            "B",
            "08:00",
            "17:30",
            "25:99",
            "got_in",
            "needs_police",
            "other",
            "staff",
            "admin",
            "31/02/2026",
            "01/01/2026,02/09/2026",
        ]
    ),
    st.text(min_size=2000, max_size=2100),
    st.integers().map(str),
)


def _token(client, path="/auth/login"):
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    return match.group(1) if match else ""


@pytest.fixture(scope="module")
def staff(fuzz_app):
    """A logged-in admin, its CSRF token, and a conversation it is handling."""
    client = fuzz_app.test_client()
    response = client.post(
        "/auth/login", data={"username": "fuzzer", "password": STAFF_PASSWORD, "csrf_token": _token(client)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    token = _token(client, "/console/")
    svc = fuzz_app.extensions["vneid"]
    inbound.handle(svc, inbound.Inbound("rest", "fuzz-citizen", "cho tôi gặp cán bộ", "h1"))
    queue = client.get("/api/staff/queue").get_json()
    handoff_id, conv_id = queue[0]["handoff_id"], queue[0]["conversation_id"]
    assert client.post(f"/api/staff/handoffs/{handoff_id}/claim", headers={"X-CSRFToken": token}).status_code == 200
    return client, token, handoff_id, conv_id


csrf_choice = st.sampled_from(["valid", "valid", "valid", "valid", "missing", "wrong"])


def _with_csrf(form, token, choice):
    form = dict(form)
    if choice == "valid":
        form["csrf_token"] = token
    elif choice == "wrong":
        form["csrf_token"] = "x" + token[1:]
    return form


def _encode_form(form) -> bytes:
    """application/x-www-form-urlencoded as any client could send it (invalid UTF-8 included)."""
    from urllib.parse import quote_from_bytes

    pairs = []
    for key, value in form.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append(
                quote_from_bytes(str(key).encode("utf-8", "surrogatepass"))
                + "="
                + quote_from_bytes(str(item).encode("utf-8", "surrogatepass"))
            )
    return "&".join(pairs).encode("ascii")


def _post(client, path, form, logs):
    logs.records.clear()
    response = client.post(path, data=_encode_form(form), content_type="application/x-www-form-urlencoded")
    check(response)
    assert_no_secret(logs)
    return response


@given(
    form=st.fixed_dictionaries(
        {},
        optional={
            "username": st.one_of(form_value, st.just("fuzzer")),
            "password": st.one_of(form_value, st.just(CANARY_PASSWORD)),
        },
    ),
    next_=st.one_of(
        st.none(), form_value, st.sampled_from(["//evil.example", "https://evil.example/", "/console/", "/\\evil"])
    ),
    csrf=csrf_choice,
)
def test_login_form_survives_anything(fuzz_app, logs, form, next_, csrf):
    client = fuzz_app.test_client()
    token = _token(client)
    from urllib.parse import quote_from_bytes

    path = "/auth/login" + (
        "" if next_ is None else "?next=" + quote_from_bytes(next_.encode("utf-8", "surrogatepass")[:300])
    )
    response = _post(client, path, _with_csrf(form, token, csrf), logs)
    assert response.status_code in (200, 302, 400, 401, 429)
    if response.status_code == 302:  # never off-site
        assert not re.match(r"^(https?:)?//", response.headers["Location"].replace("http://localhost", ""))


@given(
    form=st.fixed_dictionaries({}, optional={"text": form_value, "action": form_value, "canned": form_value}),
    csrf=csrf_choice,
)
def test_console_reply_survives_anything(staff, logs, form, csrf):
    client, token, _handoff, conv = staff
    response = _post(client, f"/console/conversations/{conv}/reply", _with_csrf(form, token, csrf), logs)
    assert response.status_code in (200, 302, 400, 403, 404, 409)


@given(
    form=st.fixed_dictionaries({}, optional={"outcome": form_value, "note": form_value}),
    csrf=csrf_choice,
    handoff=st.one_of(st.just(None), st.integers(0, 10**12)),
)
def test_console_resolve_survives_anything(staff, logs, form, csrf, handoff):
    client, token, handoff_id, _conv = staff
    response = _post(
        client,
        f"/console/handoffs/{handoff if handoff is not None else handoff_id}/resolve",
        _with_csrf(form, token, csrf),
        logs,
    )
    assert response.status_code in (200, 302, 400, 403, 404, 409)


@given(
    form=st.fixed_dictionaries(
        {},
        optional={
            "days": st.lists(form_value, max_size=8),
            "start1": form_value,
            "end1": form_value,
            "start2": form_value,
            "end2": form_value,
            "holidays": form_value,
            "wait_minutes": form_value,
        },
    ),
    csrf=csrf_choice,
)
def test_admin_hours_form_survives_anything(staff, logs, form, csrf):
    client, token, _h, _c = staff
    response = _post(client, "/console/admin/settings/hours", _with_csrf(form, token, csrf), logs)
    assert response.status_code in (200, 302, 400)


@given(form=st.fixed_dictionaries({}, optional={"on": form_value, "text": form_value}), csrf=csrf_choice)
def test_admin_outage_form_survives_anything(staff, logs, form, csrf):
    client, token, _h, _c = staff
    response = _post(client, "/console/admin/settings/outage", _with_csrf(form, token, csrf), logs)
    assert response.status_code in (200, 302, 400)


@given(
    form=st.fixed_dictionaries(
        {},
        optional={
            "username": form_value,
            "display_name": form_value,
            "password": st.one_of(form_value, st.just(CANARY_PASSWORD)),
            "role": form_value,
        },
    ),
    csrf=csrf_choice,
    target=st.integers(0, 5),
)
def test_admin_staff_forms_survive_anything(staff, logs, form, csrf, target):
    client, token, _h, _c = staff
    path = "/console/admin/staff" if target == 0 else f"/console/admin/staff/{target}/password"
    response = _post(client, path, _with_csrf(form, token, csrf), logs)
    assert response.status_code in (200, 201, 302, 400, 403, 404, 409)


@given(
    body=st.one_of(
        st.fixed_dictionaries(
            {}, optional={"flow": form_value, "last_step": form_value, "problem": form_value, "outcome": form_value}
        ),
        json_value,
    ),
    as_json=st.booleans(),
    csrf=csrf_choice,
)
def test_hotline_call_record_survives_anything(staff, logs, body, as_json, csrf):
    client, token, _h, _c = staff
    logs.records.clear()
    headers = {"X-CSRFToken": token} if csrf == "valid" else {}
    if as_json:
        from tests.support.fuzzing import encode

        response = client.post(
            "/console/script/calls", data=encode(body), headers=headers, content_type="application/json"
        )
    else:
        form = body if isinstance(body, dict) else {"x": str(body)}
        response = client.post(
            "/console/script/calls",
            data=_encode_form(_with_csrf(form, token, csrf)),
            content_type="application/x-www-form-urlencoded",
        )
    check(response)
    assert_no_secret(logs)


@pytest.fixture(scope="module")
def content_keys(fuzz_app):
    from gateway.services import content_edit

    settings = fuzz_app.extensions["vneid"].settings
    texts = Texts(settings.content_dir)
    return [f.key for f in content_edit.fields(settings.content_dir, settings.content_overrides, texts)][:40]


@given(data=st.data(), csrf=csrf_choice)
def test_content_preview_survives_anything(staff, content_keys, logs, data, csrf):
    client, token, _h, _c = staff
    form = {
        "key": data.draw(st.one_of(st.sampled_from(content_keys), form_value)),
        "value": data.draw(form_value),
        "base": data.draw(form_value),
    }
    response = _post(client, "/console/content/preview", _with_csrf(form, token, csrf), logs)
    assert response.status_code in (200, 302, 400, 404)


def _query_of(params) -> str:
    """A query string as any client could send it (lone surrogates as their bytes)."""
    from urllib.parse import quote_from_bytes

    return "&".join(f"{k}={quote_from_bytes(v.encode('utf-8', 'surrogatepass'))}" for k, v in params.items())


STAFF_API_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "text": st.one_of(vietnamese, json_value, unicode_digits),
        "outcome": st.one_of(form_value, json_value),
        "note": st.one_of(form_value, json_value),
        "reason": st.one_of(form_value, json_value, unicode_digits),
    },
)


@given(body=body_of(STAFF_API_FIELDS), action=st.sampled_from(["reply", "resolve", "return", "claim", "calls"]))
def test_staff_json_api_survives_anything(staff, logs, body, action):
    """The staff side's JSON bodies (the API and the hotline call record): 10,000-deep nesting, 2^64, 1e999, NaN,
    Unicode digits, broken bytes."""
    client, token, handoff_id, conv = staff
    path = {
        "reply": f"/api/staff/conversations/{conv}/reply",
        "resolve": f"/api/staff/handoffs/{handoff_id}/resolve",
        "return": f"/api/staff/conversations/{conv}/return",
        "claim": f"/api/staff/handoffs/{handoff_id}/claim",
        "calls": "/console/script/calls",
    }[action]
    logs.records.clear()
    response = client.post(path, data=body, headers={"X-CSRFToken": token}, content_type="application/json")
    check(response, {200, 201, 400, 403, 404, 409, 413})
    assert_no_secret(logs)


@given(
    after=st.one_of(unicode_digits, huge_integer.map(str), st.integers().map(str), vietnamese),
    conv_id=st.one_of(st.just(None), st.integers(0, 2**70)),
    step=st.one_of(st.none(), unicode_digits, huge_integer.map(str), st.integers().map(str)),
)
def test_staff_api_listings_survive_any_number(staff, logs, after, conv_id, step):
    """`after=` on a conversation's messages, ids in the path, the search's step: Unicode digits, 2^64, …"""
    client, _token, _h, conv = staff
    logs.records.clear()
    listed = client.get(
        f"/api/staff/conversations/{conv if conv_id is None else conv_id}/messages",
        query_string=_query_of({"after": after}),
    )
    check(listed, {200, 400, 404})
    if conv_id is None and after in ("²", "٣", str(2**64)):
        assert listed.status_code == 400
    found = client.get("/api/staff/search", query_string="" if step is None else _query_of({"step": step}))
    check(found, {200, 400})
    assert_no_secret(logs)
