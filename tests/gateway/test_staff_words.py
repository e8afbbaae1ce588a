"""The staff pages' templates and scripts take their words from content/staff.yml (gateway/web_words.py).

- No Vietnamese letter in gateway/templates/** or gateway/static/*.js (the vendored libraries aside): the words
  are in staff.yml, named `say('group.key')` in templates and `say("group.key")` in scripts, always as literals.
- Every key a template or a script names has a label.
- A page's bundle (`<body data-staff-words>`) holds the words of the scripts it loads, exactly as staff.yml says.
- `say` escapes labels and fields, lets markup fields (links, <em>) through, shows a missing key as the key with a
  warning in the log, and reads an edited staff.yml on the next page.
"""

from __future__ import annotations

import html as htmllib
import json
import logging
import re
from pathlib import Path
from typing import Dict, List, Tuple

import yaml
from markupsafe import Markup

from gateway import web_words
from tests.support.analytics import seed as seed_analytics
from tests.support.conversations import make_handoff
from tests.support.gateway import build_app, login, make_settings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "gateway" / "templates"
STATIC = ROOT / "gateway" / "static"
STAFF_YML = ROOT / "content" / "staff.yml"

# Any letter with a Vietnamese diacritic, and đ/Đ.
VIETNAMESE = re.compile("[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.IGNORECASE)
# A template's say('group.key' …) and a script's say("group.key" …), as web_words.SAID reads scripts.
SAID = web_words.SAID
ANY_SAY = re.compile(r"\bsay\(")


def staff_files() -> List[Path]:
    """The templates and the staff scripts (not the vendored libraries under static/vendor/)."""
    return sorted(TEMPLATES.rglob("*.html")) + sorted(STATIC.glob("*.js"))


def said(path: Path) -> List[Tuple[str, str]]:
    return [(group, key) for _, group, key in SAID.findall(path.read_text(encoding="utf-8"))]


def label(data: Dict, group: str, key: str):
    """The label staff.yml has for `group.key` (a nested group: `group.sub.key`), or None."""
    node = data.get(group)
    while isinstance(node, dict) and key not in node and "." in key:
        head, _, key = key.partition(".")
        node = node.get(head)
    return node.get(key) if isinstance(node, dict) else None


def test_no_vietnamese_letter_in_templates_or_staff_scripts():
    found = [
        (path.relative_to(ROOT).as_posix(), number, line.strip()[:80])
        for path in staff_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if VIETNAMESE.search(line)
    ]
    assert found == []
    assert len(staff_files()) > 25 and (STATIC / "console.js") in staff_files()
    assert not any("vendor" in path.parts for path in staff_files())


def test_the_letter_scan_sees_capitals_and_d_with_stroke():
    assert all(VIETNAMESE.search(word) for word in ("Đăng", "ĐANG BẬT", "Ở", "tiếng Việt", "đ"))
    assert not VIETNAMESE.search("Xem JSON · Tai CSV")


def test_every_word_is_named_by_a_literal_key():
    """say(…) with a computed key would escape the checks below (and a script's bundle)."""
    for path in staff_files():
        text = path.read_text(encoding="utf-8")
        if path.name == "words.js":  # defines say; its comment shows one use
            continue
        assert len(ANY_SAY.findall(text)) == len(SAID.findall(text)), path.name


def test_every_key_named_in_templates_and_scripts_has_a_label():
    data = yaml.safe_load(STAFF_YML.read_text(encoding="utf-8"))
    named = {(path.relative_to(ROOT).as_posix(), group, key) for path in staff_files() for group, key in said(path)}
    assert len(named) > 300
    missing = sorted((where, group, key) for where, group, key in named if not isinstance(label(data, group, key), str))
    assert missing == []


def test_the_label_lookup_reads_nested_groups_and_dotted_keys():
    data = yaml.safe_load(STAFF_YML.read_text(encoding="utf-8"))
    assert label(data, "analytics_columns", "problems.total") == "Tổng"
    assert label(data, "console_pages", "script_aid.page") == "Hỗ trợ qua điện thoại"
    assert label(data, "queue", "no_such_key") is None and label(data, "no_such_group", "x") is None


# --- the pages' bundles ---------------------------------------------------------------------------------------------


def bundle(html: str) -> Dict[str, Dict[str, str]]:
    raw = re.search(r'<body[^>]*\sdata-staff-words="([^"]*)"', html).group(1)
    return json.loads(htmllib.unescape(raw))


def scripts(html: str) -> List[str]:
    return re.findall(r'<script src="/static/([a-z_]+\.js)"', html)


def test_each_page_carries_the_words_of_its_scripts(tmp_path):
    app = build_app(make_settings(tmp_path))
    seed_analytics(app)
    conv_id, _ = make_handoff(app, staff_username="quantri")
    admin = app.test_client()
    assert login(admin, "quantri").status_code == 302
    data = yaml.safe_load(STAFF_YML.read_text(encoding="utf-8"))
    every = {"words.js", "console_common.js", "console.js"}
    pages = {
        "/console/": every | {"console_queue.js"},
        f"/console/conversations/{conv_id}": every | {"console_conversation.js", "console_canned.js"},
        "/console/script/?flow=A&step=2": every | {"script_aid.js", "script_aid_said.js", "script_aid_record.js"},
        "/console/content/edit?key=messages:buttons.step.0.title": every | {"content_admin.js"},
        "/console/analytics/": every | {"analytics.js"},
        "/console/search": every,
        "/auth/login": every,
    }
    for url, expected in pages.items():
        html = admin.get(url).get_data(as_text=True) if url != "/auth/login" else app.test_client().get(url).text
        loaded = set(scripts(html))
        assert loaded == expected, url
        assert scripts(html).index("words.js") < min(scripts(html).index(s) for s in loaded - {"words.js"}), url
        # a page's own scripts use the helpers of console_common.js (window.VNeIDConsole)
        assert all(scripts(html).index("console_common.js") < scripts(html).index(s) for s in loaded - every), url
        words = bundle(html)
        # words.js defines say (its comment shows one use): the bundle holds the words of the others
        wanted = {(group, key) for script in loaded - {"words.js"} for group, key in said(STATIC / script)}
        assert {(group, key) for group, keys in words.items() for key in keys} == wanted, url
        for group, key in wanted:
            assert words[group][key] == label(data, group, key), (url, group, key)
    # the queue's bundle has the card's words but not the page's other words (a test may look for their absence)
    queue = bundle(admin.get("/console/").get_data(as_text=True))
    assert queue["audit_actions"]["claim"] == "Nhận hỗ trợ" and "content_review" not in queue["queue"]


# --- say: escaping, markup fields, a missing key, an edit ---------------------------------------------------------


def test_say_escapes_text_and_lets_markup_fields_through(tmp_path):
    app = build_app(make_settings(tmp_path))
    with app.test_request_context("/"):
        plain = web_words.say("queue.outage_notice", text="<b>x</b>")
        assert plain == "Thông báo sự cố đang bật, trợ lý báo cho người dân: “<b>x</b>”."
        assert not isinstance(plain, Markup)
        rendered = app.jinja_env.from_string("{{ say('queue.outage_notice', text=t) }}").render(t="<b>x</b>")
        assert "&lt;b&gt;x&lt;/b&gt;" in rendered and "<b>" not in rendered
        link = Markup('<a href="/x">') + "nhật ký & <thao tác>" + Markup("</a>")
        mixed = web_words.say("content_admin.intro", audit_log=link)
        assert isinstance(mixed, Markup)
        assert '<a href="/x">nhật ký &amp; &lt;thao tác&gt;</a> ai sửa, lúc nào.' in mixed
        assert web_words.say("analytics_columns.volume.conversations_channel", channel="Zalo") == "Trò chuyện · Zalo"
        assert web_words.say("console_pages.script_aid.page") == "Hỗ trợ qua điện thoại"


def test_a_missing_word_shows_its_key_and_is_logged(tmp_path, caplog):
    app = build_app(make_settings(tmp_path))
    with app.test_request_context("/"), caplog.at_level(logging.WARNING, logger="gateway.services.texts"):
        assert web_words.say("queue.no_such_word_here") == "no_such_word_here"
        assert web_words.say("no_such_group_here.title") == "title"
        assert web_words.script_words() == {}
    assert "no label for queue.no_such_word_here" in caplog.text


def test_an_edit_of_staff_yml_shows_in_templates_and_bundles_on_the_next_page(tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    for name in ("guide.yml", "messages.yml", "staff.yml"):
        (folder / name).write_bytes((ROOT / "content" / name).read_bytes())
    settings = make_settings(tmp_path)
    settings.content_dir = folder
    app = build_app(settings)
    client = app.test_client()
    assert login(client).status_code == 302
    before = client.get("/console/").get_data(as_text=True)
    assert "Không có ai đang chờ. Trang tự cập nhật khi có yêu cầu mới." in before
    data = yaml.safe_load((folder / "staff.yml").read_text(encoding="utf-8"))
    data["queue"].update(empty="Hàng chờ trống.", recent="Tin mới")
    (folder / "staff.yml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    after = client.get("/console/").get_data(as_text=True)
    assert "Hàng chờ trống." in after and "Trang tự cập nhật khi có yêu cầu mới." not in after
    assert bundle(after)["queue"]["recent"] == "Tin mới"
