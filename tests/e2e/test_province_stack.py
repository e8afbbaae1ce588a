"""The province edition checked from outside, with the interfaces a commune's IT types: on the real stack (Rasa +
action server, the gateway under gunicorn, SQLite), `flask commune import`, `flask commune add`,
`flask create-admin --commune`, the REST webhook with `metadata.commune`, the staff queue API.

Two communes, two commune admins, a handoff in each: each admin's `/api/staff/queue` shows its own and never the
other's; the greetings name the right commune; an unknown commune is a clear 400; a conversation keeps its commune.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from typing import List

import pytest
import requests

from tests.support.gateway import PASSWORD
from tests.support.servers import APP_BIN, ROOT, Bot, GatewayServer, open_hours


class Province:
    """The running stack and a way to run its `flask` commands."""

    def __init__(self, bot: Bot, gateway: GatewayServer) -> None:
        self.bot, self.gateway = bot, gateway

    def flask(self, *args: str) -> str:
        """Run `flask --app gateway <args>` as an operator would; its output."""
        done = subprocess.run(
            [str(APP_BIN / "python"), "-m", "flask", "--app", "gateway", *args],
            cwd=ROOT,
            env={**self.gateway.env(), "ADMIN_PASSWORD": PASSWORD},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def say(self, sender: str, text: str, commune=None, status: int = 200):
        body = {"sender": sender, "message": text}
        if commune is not None:
            body["metadata"] = {"commune": commune}
        response = requests.post(
            f"{self.gateway.url}/webhooks/rest/webhook",
            json=body,
            timeout=90,
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code == status, response.text[:500]
        return response.json()


def login(province: Province, username: str) -> requests.Session:
    http = requests.Session()
    url = f"{province.gateway.url}/auth/login"
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', http.get(url, timeout=30).text).group(1)
    response = http.post(
        url, data={"username": username, "password": PASSWORD, "csrf_token": csrf}, allow_redirects=False, timeout=30
    )
    assert response.status_code in (302, 303), response.text[:300]
    return http


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("province")
    (workdir / "bot").mkdir()
    bot = Bot(workdir=workdir / "bot")
    gateway = None
    try:
        bot.start_actions()
        bot.start_rasa()
        gateway = GatewayServer.for_bots(workdir, [bot], extra_env={"RATE_LIMITS": "off"})
        gateway.migrate()
        open_hours(gateway.db_url)
        bot.wait_ready()
        gateway.start()
        gateway.wait_ready(180)
        yield Province(bot, gateway)
    finally:
        if gateway is not None:
            gateway.stop()
        bot.stop()


def texts(replies: List[dict]) -> List[str]:
    return [r.get("text") or "" for r in replies]


def test_two_communes_side_by_side(province):
    out = province.flask("commune", "import")
    assert "165 communes added, 1 already there (166 in the file)" in out  # quang-yen came with the database
    out = province.flask("commune", "add", "xa-thu-nghiem", "--name", "Xã Thử Nghiệm")
    assert "xa-thu-nghiem" in out
    province.flask("create-admin", "--commune", "quang-yen", "--username", "qy.admin", "--name", "Quản trị QY")
    province.flask("create-admin", "--commune", "hoang-giang", "--username", "hg.admin", "--name", "Quản trị HG")
    province.flask("create-admin", "--username", "tinh.admin", "--name", "Quản trị tỉnh")

    # greetings name the right commune; the one without a confirmed hotline gives the province's line
    qy, hg = f"qy-{uuid.uuid4().hex[:8]}", f"hg-{uuid.uuid4().hex[:8]}"
    first_qy = " ".join(texts(province.say(qy, "xin chào", "quang-yen")))
    first_hg = " ".join(texts(province.say(hg, "xin chao", "hoang-giang")))
    assert "UBND xã Quảng Yên" in first_qy and "Hoằng Giang" not in first_qy
    assert "UBND xã Hoằng Giang" in first_hg and "Quảng Yên" not in first_hg
    contact_hg = " ".join(texts(province.say(hg, "số điện thoại của xã là gì", "hoang-giang")))
    assert "1800.1096" in contact_hg and "024.38541051" not in contact_hg  # not confirmed: the province's line
    contact_qy = " ".join(texts(province.say(qy, "số điện thoại của xã là gì", "quang-yen")))
    assert "024.38541051" in contact_qy

    # a handoff in each commune
    for sender, slug in ((qy, "quang-yen"), (hg, "hoang-giang")):
        province.say(sender, "cho tôi gặp cán bộ", slug)

    def queue_of(username: str) -> dict:
        response = login(province, username).get(f"{province.gateway.url}/api/staff/queue", timeout=30)
        assert response.status_code == 200, response.text[:300]
        return response.json()

    mine, theirs = queue_of("qy.admin"), queue_of("hg.admin")
    qy_ids = {item["conversation_id"] for item in _items(mine)}
    hg_ids = {item["conversation_id"] for item in _items(theirs)}
    assert len(qy_ids) == 1 and len(hg_ids) == 1 and not qy_ids & hg_ids
    assert qy_ids | hg_ids <= {item["conversation_id"] for item in _items(queue_of("tinh.admin"))}
    # the other commune's conversation page is not there for a commune admin
    other = next(iter(hg_ids))
    page = login(province, "qy.admin").get(f"{province.gateway.url}/console/conversations/{other}", timeout=30)
    assert page.status_code == 404


def test_an_unknown_commune_is_a_clear_400_and_a_conversation_keeps_its_commune(province):
    sender = f"x-{uuid.uuid4().hex[:8]}"
    answer = province.say(sender, "xin chào", "khong-co-xa-nay", status=400)
    assert "xã/phường" in repr(answer)
    province.say(sender, "xin chào", "quang-yen")
    answer = province.say(sender, "xin chào", "hoang-giang", status=409)
    assert "xã/phường khác" in repr(answer)
    assert province.say(sender, "xin chào")  # no commune named: the conversation's own


def _items(queue: dict) -> List[dict]:
    """The queue API's cards, whatever their grouping (waiting, mine, …)."""
    found: List[dict] = []

    def walk(node):
        if isinstance(node, dict):
            if "conversation_id" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(queue)
    return found
