"""Isolation between communes (the province edition, gateway/services/scope.py): a staff member or admin of one
commune cannot see or touch another commune's conversations, handoffs, messages, search results, content, audit
entries, transcript openings, sessions, staff accounts, call-back requests or exports, by any staff route.

Two communes (quang-yen, made by the migrations, and hoang-hoa), each with an admin and a staff member, and a
province admin. Each commune gets conversations through the real REST webhook (channels rest and widget, with
`metadata.commune`), a waiting and a claimed handoff, a staff reply, a call-back request, a hotline call, a content
edit, an outage notice, audit entries and transcript openings, all carrying a word only that commune uses.

Then every staff route of the URL map is walked (a route added later is walked too: a staff route that is neither
in ROUTES nor marked commune-free fails the test), logged in as one commune's admin and staff member, with the
OTHER commune's ids: routes by id answer 404 (or the role's own refusal), no answer (HTML, JSON, CSV) holds a marker
of the other commune, and nothing of it changed. Lists show the own commune's marker and not the other's; the
province admin sees both. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List

import pytest
import yaml
from sqlalchemy import select

import content
from gateway.models import CallbackRequest, Conversation, Handoff, Message, Setting, Staff, StaffSession
from gateway.services import communes, runtime_settings
from tests.support.gateway import ALWAYS_OPEN, PASSWORD, build_app, csrf_header, login, make_settings, province_admin
from tests.support.fake_rasa import FakeRasa
from tests.support.gateway import PUBLIC_PREFIXES
from tests.support.content_edit import STEP1, edit_through_pages

# What each staff route is, for the walk: by the kind of id in its URL (`conv`, `handoff`, `callback`, `staff`),
# a list or page (`page`), a form acting on the actor's own commune (`own`), or a route with no commune data at
# all (`free`). Analytics (gateway/blueprints/analytics.py) is another part's: walked for markers only.
ROUTES: Dict[str, str] = {
    "console.root": "free",
    "console.queue": "page",
    "console.conversation": "conv",
    "console.claim": "handoff",
    "console.reply": "conv",
    "console.return_to_bot": "conv",
    "console.resolve": "handoff",
    "console.callback_done": "callback",
    "console.search": "page",
    "staff_api.get_queue": "page",
    "staff_api.get_conversation": "conv",
    "staff_api.get_messages": "conv",
    "staff_api.claim": "handoff",
    "staff_api.reply": "conv",
    "staff_api.return_to_bot": "conv",
    "staff_api.resolve": "handoff",
    "staff_api.callback_done": "callback",
    "staff_api.search": "page",
    "staff_api.canned": "page",
    "admin.index": "free",
    "admin.staff": "page",
    "admin.create_staff": "own",
    "admin.set_active": "staff",
    "admin.reset_password": "staff",
    "admin.set_role": "staff",
    "admin.settings": "page",
    "admin.save_hours": "own",
    "admin.save_outage": "own",
    "admin.access": "page",
    "admin.audit_log": "page",
    "admin_sessions.page": "page",
    "admin_sessions.end_one": "own",
    "admin_sessions.end_account": "staff",
    "admin_sessions.unlock": "staff",
    "content_admin.index": "page",
    "content_admin.edit": "page",
    "content_admin.edit_again": "own",
    "content_admin.preview": "own",
    "content_admin.save": "own",
    "script_aid.page": "page",
    "script_aid.record": "own",
    "auth.logout": "free",  # ends the caller's own sessions
}
OTHER_PARTS = ("analytics.", "communes_admin.")  # other parts: walked for markers only (their rules: their tests)
SLUGS = ("quang-yen", "hoang-hoa")


@dataclass
class Commune:
    """One commune's people and data, and what only it says."""

    slug: str
    id: int = 0
    marker: str = ""  # letters only (the redactor leaves them)
    phone: str = ""
    staff: Dict[str, int] = field(default_factory=dict)  # username → id
    names: List[str] = field(default_factory=list)  # display names
    conversations: List[int] = field(default_factory=list)
    handoffs: List[int] = field(default_factory=list)
    callbacks: List[int] = field(default_factory=list)
    sessions: List[int] = field(default_factory=list)
    admin: str = ""
    member: str = ""

    def leaks(self, body: str) -> List[str]:
        """Which of this commune's markers a response body holds."""
        found = [m for m in [self.marker, self.phone, *self.names] if m and m in body]
        found += [u for u in self.staff if re.search(rf"(?<![\w.]){re.escape(u)}(?![\w.])", body)]
        for conv in self.conversations:
            for pattern in (
                rf"/conversations/{conv}\b",
                rf'"conversation_id":\s*{conv}\b',
                rf"conversation:{conv}\b",
                rf"#{conv}\b",
                rf"conversation={conv}\b",
            ):
                if re.search(pattern, body):
                    found.append(pattern)
        for handoff in self.handoffs:
            for pattern in (rf"/handoffs/{handoff}/", rf'"handoff_id":\s*{handoff}\b', rf"handoff:{handoff}\b"):
                if re.search(pattern, body):
                    found.append(pattern)
        for staff_id in self.staff.values():
            for pattern in (rf"/staff/{staff_id}/", rf"staff={staff_id}\b"):
                if re.search(pattern, body):
                    found.append(pattern)
        for record in self.sessions:
            if re.search(rf'name="session" value="{record}"', body):
                found.append(f"session {record}")
        return found


def say(client, sender, text, commune, channel="rest"):
    metadata = {"commune": commune}
    if channel == "widget":
        metadata["channel"] = "widget"
    response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text, "metadata": metadata})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def logged_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302, username
    return client


def form_token(client) -> str:
    return csrf_header(client)["X-CSRFToken"]


@pytest.fixture
def world(tmp_path, gateway_database):
    """The app with two communes' data, on SQLite and PostgreSQL; (app, {slug: Commune}, {username: client})."""
    settings = make_settings(tmp_path)
    settings.database_url = gateway_database
    app = build_app(settings)  # canbo and quantri: quang-yen's
    svc = app.extensions["vneid"]
    svc.rasa = FakeRasa()
    with svc.db.session() as session:
        communes.add(session, "hoang-hoa", "Xã Hoằng Hóa")
        runtime_settings.put(session, "working_hours", ALWAYS_OPEN)
    svc.communes.changed()
    with svc.db.session() as session:
        hoang_hoa_id = svc.communes.by_slug("hoang-hoa").id
        from gateway.services import staff_accounts

        staff_accounts.create(session, "canbo.hh", "Phạm Thị Hoằng", PASSWORD, "staff", commune_id=hoang_hoa_id)
        staff_accounts.create(session, "quantri.hh", "Đỗ Văn Hóa", PASSWORD, "admin", commune_id=hoang_hoa_id)
    province_admin(app)  # tinh
    places = {
        "quang-yen": Commune(
            "quang-yen",
            marker="chimcanhcutquangyen",
            phone="0912345671",
            names=["Nguyễn Văn Cán", "Lê Thị Quản"],
            admin="quantri",
            member="canbo",
        ),
        "hoang-hoa": Commune(
            "hoang-hoa",
            marker="conhacmahoanghoa",
            phone="0987654329",
            names=["Phạm Thị Hoằng", "Đỗ Văn Hóa"],
            admin="quantri.hh",
            member="canbo.hh",
        ),
    }
    clients = {}
    citizen = app.test_client()
    for place in places.values():
        place.id = svc.communes.by_slug(place.slug).id
        with svc.db.session() as session:
            place.staff = {s.username: s.id for s in session.scalars(select(Staff).where(Staff.commune_id == place.id))}
        for username in (place.admin, place.member):
            clients[username] = logged_in(app, username)
        # a waiting handoff on REST, a claimed one on the widget; the citizen's words carry the marker
        for channel in ("rest", "widget"):
            sender = f"{place.slug}-{channel}"
            say(citizen, sender, f"xin chào, tôi tên {place.marker}", place.slug, channel)
            say(citizen, sender, f"tôi muốn gặp cán bộ, {place.marker}", place.slug, channel)
        with svc.db.session() as session:
            convs = list(
                session.scalars(
                    select(Conversation).where(Conversation.commune_id == place.id).order_by(Conversation.id)
                )
            )
            assert len(convs) == 2 and all(c.state == "waiting" for c in convs)
            place.conversations = [c.id for c in convs]
            place.handoffs = [session.scalar(select(Handoff.id).where(Handoff.conversation_id == c.id)) for c in convs]
            request_row = CallbackRequest(conversation_id=convs[0].id, phone=place.phone, consent_text="Đồng ý")
            session.add(request_row)
            session.flush()
            place.callbacks = [request_row.id]
        member = clients[place.member]
        header = csrf_header(member)
        assert member.post(f"/api/staff/handoffs/{place.handoffs[1]}/claim", headers=header).status_code == 200
        assert (
            member.post(
                f"/api/staff/conversations/{place.conversations[1]}/reply",
                headers=header,
                json={"text": f"Cán bộ xã trả lời {place.marker}"},
            ).status_code
            == 200
        )
        assert member.get(f"/console/conversations/{place.conversations[0]}").status_code == 200  # an opening
        recorded = member.post(
            "/console/script/calls", headers=header, json={"flow": "A", "last_step": 2, "outcome": "got_in"}
        )
        assert recorded.status_code == 201
        admin = clients[place.admin]
        saved = edit_through_pages(admin, STEP1, f"Mở trang dịch vụ công, bấm [Đăng nhập] {place.marker}.")[1]
        assert saved.status_code == 302
        assert (
            admin.post(
                "/console/admin/settings/outage",
                data={"csrf_token": form_token(admin), "on": "1", "text": f"Bảo trì cổng {place.marker}"},
            ).status_code
            == 302
        )
        with svc.db.session() as session:
            place.sessions = list(
                session.scalars(
                    select(StaffSession.id).where(
                        StaffSession.staff_id.in_(list(place.staff.values())), StaffSession.ended_at.is_(None)
                    )
                )
            )
        assert place.sessions
    clients["tinh"] = logged_in(app, "tinh")
    return app, places, clients


def staff_rules(app):
    """(endpoint, rule, methods) of every staff route: what is not public (tests/gateway/test_auth_csrf.py)."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.rule in ("/", "/demo") or rule.rule.startswith(PUBLIC_PREFIXES):
            continue
        if rule.endpoint in ("static",) or rule.rule.startswith("/webhooks"):
            continue
        out.append((rule.endpoint, rule, sorted(rule.methods - {"HEAD", "OPTIONS"})))
    return out


def url_for_rule(rule, ids: Dict[str, int]) -> str:
    url = rule.rule
    for arg in rule.arguments:
        value = ids.get(arg, "x")
        url = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(value), url)
    return url


def snapshot(app, place: Commune):
    """What could change of a commune's data through a staff route."""
    svc = app.extensions["vneid"]
    with svc.db.session() as session:
        return {
            "handoffs": [
                (h.id, h.status, h.claimed_by_id, h.outcome)
                for h in session.scalars(select(Handoff).where(Handoff.id.in_(place.handoffs)).order_by(Handoff.id))
            ],
            "messages": session.scalar(
                select(Message.id)
                .where(Message.conversation_id.in_(place.conversations))
                .order_by(Message.id.desc())
                .limit(1)
            ),
            "convs": [
                (c.id, c.state, c.assigned_staff_id)
                for c in session.scalars(
                    select(Conversation).where(Conversation.id.in_(place.conversations)).order_by(Conversation.id)
                )
            ],
            "callbacks": [
                (c.phone, c.status)
                for c in session.scalars(select(CallbackRequest).where(CallbackRequest.id.in_(place.callbacks)))
            ],
            "staff": [
                (s.id, s.active, s.role, s.password_hash)
                for s in session.scalars(
                    select(Staff).where(Staff.id.in_(list(place.staff.values()))).order_by(Staff.id)
                )
            ],
            "sessions": sorted(
                session.scalars(
                    select(StaffSession.id).where(StaffSession.id.in_(place.sessions), StaffSession.ended_at.is_(None))
                )
            ),
            "settings": sorted(
                (s.key, str(s.value)) for s in session.scalars(select(Setting).where(Setting.key.like(f"%@{place.id}")))
            ),
            "content": content.commune_overrides_path(svc.settings.content_overrides, place.slug).read_text(
                encoding="utf-8"
            ),
            "accounts": session.scalar(
                select(Staff.id).where(Staff.commune_id == place.id).order_by(Staff.id.desc()).limit(1)
            ),
        }


def request_for(client, endpoint: str, method: str, url: str, other: Commune):
    """One request of the walk: JSON for the staff API, a form with the CSRF token for pages."""
    token = form_token(client)
    if method == "GET":
        query = {}
        if endpoint == "content_admin.edit":
            query = {"key": STEP1}
        if endpoint in (
            "console.search",
            "staff_api.get_queue",
            "staff_api.search",
            "console.queue",
            "admin.audit_log",
            "admin.access",
        ):
            query = {"commune": str(other.id)}  # asking for the other commune changes nothing for a commune
        return client.get(url, query_string=query)
    if url.startswith("/api/"):
        body = {"text": "thử", "outcome": "got_in", "reason": "thử", "note": "ghi chú"}
        return client.post(url, json=body, headers={"X-CSRFToken": token})
    form = {
        "csrf_token": token,
        "text": "thử nội dung",
        "outcome": "got_in",
        "reason": "thử lý do",
        "active": "0",
        "role": "admin",
        "password": "mat-khau-moi-rat-dai-1",
        "key": STEP1,
        "value": "Mở trang dịch vụ công, bấm [Đăng nhập] rồi chờ.",
        "base": "x",
        "signature": "x",
        "session": str(other.sessions[0]),
        "commune": str(other.id),
        "username": "moi.tao",
        "display_name": "Người Mới",
        "on": "0",
        "days": "0",
        "start1": "08:00",
        "end1": "11:00",
        "wait_minutes": "5",
        "flow": "A",
        "last_step": "1",
    }
    return client.post(url, data=form)


def walk(app, client, me: Commune, other: Commune, as_admin: bool) -> int:
    """Every staff route with the other commune's ids; returns how many requests were made."""
    ids = {
        "conv_id": other.conversations[1],
        "handoff_id": other.handoffs[1],
        "callback_id": other.callbacks[0],
        "staff_id": other.staff[other.admin if as_admin else other.member],
        "report": "funnel",
    }
    before = snapshot(app, other)
    made = 0
    unknown = []
    for endpoint, rule, methods in staff_rules(app):
        kind = ROUTES.get(endpoint)
        if kind is None and not endpoint.startswith(OTHER_PARTS):
            unknown.append(endpoint)
            continue
        if endpoint == "auth.logout":
            continue  # would end the walk's own session; it touches only the caller's sessions
        for method in methods:
            url = url_for_rule(rule, ids)
            response = request_for(client, endpoint, method, url, other)
            made += 1
            body = response.get_data(as_text=True) + " " + response.headers.get("Location", "")
            if response.status_code in (301, 302, 303) and method == "POST":
                body += client.get(response.headers["Location"]).get_data(as_text=True)  # the flashed answer
            leaks = other.leaks(body)
            assert not leaks, (endpoint, method, url, response.status_code, leaks)
            if kind in ("conv", "handoff", "callback", "staff"):
                allowed = (404,) if as_admin or kind != "staff" else (403, 404)
                assert response.status_code in allowed, (endpoint, method, url, response.status_code)
    assert not unknown, f"staff routes neither in ROUTES nor marked commune-free: {unknown}"
    after = snapshot(app, other)
    assert after == before, (before, after)
    return made


def test_the_route_table_covers_every_staff_route(tmp_path):
    app = build_app(make_settings(tmp_path))
    endpoints = {endpoint for endpoint, _, _ in staff_rules(app)}
    missing = sorted(e for e in endpoints if e not in ROUTES and not e.startswith(OTHER_PARTS))
    assert not missing, f"add these staff routes to ROUTES in {__file__}: {missing}"
    assert not sorted(set(ROUTES) - endpoints), "ROUTES names routes that are gone"


@pytest.mark.parametrize("mine,theirs", [SLUGS, tuple(reversed(SLUGS))])
def test_a_commune_sees_nothing_of_another_by_any_route(world, mine, theirs):
    app, places, clients = world
    me, other = places[mine], places[theirs]
    made = 0
    for username, as_admin in ((me.member, False), (me.admin, True)):
        made += walk(app, clients[username], me, other, as_admin)
    assert made >= 2 * len(ROUTES) - 4


@pytest.mark.parametrize("mine,theirs", [SLUGS, tuple(reversed(SLUGS))])
def test_lists_show_the_own_commune_and_never_the_other(world, mine, theirs):
    app, places, clients = world
    me, other = places[mine], places[theirs]
    admin, member = clients[me.admin], clients[me.member]
    own_conversation = rf"/conversations/{me.conversations[0]}\b"
    for client in (admin, member):
        for url, mark in (
            ("/console/", own_conversation),
            (
                "/api/staff/queue",
                rf'"conversation_id":\s*'
                rf"{me.conversations[0]}\b",
            ),
            ("/console/search", own_conversation),
            (f"/console/search?commune={other.id}", own_conversation),
            ("/api/staff/search", rf'"handoff_id":\s*{me.handoffs[0]}\b'),
            (f"/console/conversations/{me.conversations[0]}", re.escape(me.marker)),
            ("/console/script/", ""),
        ):
            body = client.get(url).get_data(as_text=True)
            assert re.search(mark, body), (url, mark)
            assert not other.leaks(body), (url, other.leaks(body))
    for url, mark in (
        ("/console/admin/audit", me.names[0]),
        ("/console/admin/access", me.names[0]),
        ("/console/admin/staff", me.names[0]),
        ("/console/admin/sessions", me.member),
        ("/console/content/", me.marker),
        ("/console/admin/settings", me.marker),
        (f"/console/admin/audit?commune={other.id}", me.names[0]),
    ):
        body = admin.get(url).get_data(as_text=True)
        assert mark in body, (url, mark)
        assert not other.leaks(body), (url, other.leaks(body))
    # the header names the commune
    assert app.extensions["vneid"].communes.by_slug(me.slug).name in admin.get("/console/").get_data(as_text=True)


def test_the_province_admin_sees_every_commune_and_can_pick_one(world):
    app, places, clients = world
    province = clients["tinh"]
    first, second = places["quang-yen"], places["hoang-hoa"]
    for url in (
        "/console/",
        "/api/staff/queue",
        "/console/search",
        "/api/staff/search",
        "/console/admin/audit",
        "/console/admin/staff",
        "/console/admin/access",
        "/console/admin/sessions",
    ):
        body = province.get(url).get_data(as_text=True)
        assert first.leaks(body) and second.leaks(body), url
    for place, other in ((first, second), (second, first)):
        assert province.get(f"/console/conversations/{place.conversations[0]}").status_code == 200
        assert place.phone in province.get(f"/console/conversations/{place.conversations[0]}").get_data(as_text=True)
        for url in (
            f"/console/?commune={place.id}",
            f"/api/staff/queue?commune={place.id}",
            f"/console/search?commune={place.id}",
            f"/console/admin/audit?commune={place.id}",
        ):
            body = province.get(url).get_data(as_text=True)
            assert place.leaks(body) and not other.leaks(body), url
    # a province admin's action on a commune's conversation speaks for that commune and is in its audit log
    header = csrf_header(province)
    assert province.post(f"/api/staff/handoffs/{second.handoffs[0]}/claim", headers=header).status_code == 200
    assert "Trần Văn Tỉnh" in clients[second.admin].get("/console/admin/audit").get_data(as_text=True)
    assert "Trần Văn Tỉnh" not in clients[first.admin].get("/console/admin/audit").get_data(as_text=True)


def test_accounts_are_created_in_the_admins_own_commune(world):
    app, places, clients = world
    me, other = places["quang-yen"], places["hoang-hoa"]
    admin = clients[me.admin]
    created = admin.post(
        "/console/admin/staff",
        data={
            "csrf_token": form_token(admin),
            "username": "canbo.moi",
            "display_name": "Cán Bộ Mới",
            "password": PASSWORD,
            "role": "staff",
            "commune": str(other.id),
        },
    )
    assert created.status_code == 302
    province = clients["tinh"]
    assert (
        province.post(
            "/console/admin/staff",
            data={
                "csrf_token": form_token(province),
                "username": "canbo.hh2",
                "display_name": "Cán Bộ Hai",
                "password": PASSWORD,
                "role": "staff",
                "commune": str(other.id),
            },
        ).status_code
        == 302
    )
    refused = province.post(
        "/console/admin/staff",
        data={
            "csrf_token": form_token(province),
            "username": "canbo.tinh",
            "display_name": "Không Xã",
            "password": PASSWORD,
            "role": "staff",
            "commune": "",
        },
    )
    assert refused.status_code == 400  # a staff account needs a commune; only admins are the province's
    with app.extensions["vneid"].db.session() as session:
        made = dict(
            session.execute(
                select(Staff.username, Staff.commune_id).where(
                    Staff.username.in_(["canbo.moi", "canbo.hh2", "canbo.tinh"])
                )
            ).all()
        )
    assert made == {"canbo.moi": me.id, "canbo.hh2": other.id}
    assert "Cán Bộ Hai" not in admin.get("/console/admin/staff").get_data(as_text=True)
    assert "Cán Bộ Hai" in clients[other.admin].get("/console/admin/staff").get_data(as_text=True)


def test_settings_and_content_are_the_communes_own(world):
    app, places, clients = world
    svc = app.extensions["vneid"]
    first, second = places["quang-yen"], places["hoang-hoa"]
    with svc.db.session() as session:
        for place in (first, second):
            assert place.marker in runtime_settings.get(session, "outage_notice", place.id)["text"]
        assert runtime_settings.get(session, "outage_notice") == {"on": False, "text": ""}  # the province's
    for place, other in ((first, second), (second, first)):
        own = content.commune_overrides_path(svc.settings.content_overrides, place.slug)
        edits = yaml.safe_load(own.read_text(encoding="utf-8"))["guide"]
        assert place.marker in edits["flows.A.steps.0.text"] and other.marker not in own.read_text(encoding="utf-8")
        guide = svc.texts.guide_for(svc.communes.by_slug(place.slug))
        assert place.marker in guide.step("A", 1)["text"]
    assert not svc.settings.content_overrides.exists()
    with svc.db.session() as session:
        from gateway.models import HotlineCall

        calls = sorted((c.commune_id for c in session.scalars(select(HotlineCall))), key=str)
    assert calls == sorted([first.id, second.id], key=str)


def test_a_staff_request_speaks_for_its_commune_and_leaves_nothing_behind(tmp_path):
    """The commune a staff request speaks for is set before the view and reset at teardown: threads are reused
    (gunicorn), so a request that set it without resetting would lend its commune to the next one."""
    from flask import after_this_request

    from gateway.services import tenant

    app = build_app(make_settings(tmp_path))
    seen = []

    @app.before_request
    def note():
        @after_this_request
        def after(response):
            seen.append(tenant.current())
            return response

    client = logged_in(app, "quantri")
    assert client.get("/console/").status_code == 200
    assert seen[-1] is not None and seen[-1].slug == "quang-yen"
    assert tenant.current() is None  # after the request: nothing left in this thread
    assert "Xã Quảng Yên" in client.get("/console/").get_data(as_text=True)  # the header names it
    province_admin(app)
    province = logged_in(app, "tinh")
    assert province.get("/console/").status_code == 200 and seen[-1] is None
    assert tenant.current() is None
