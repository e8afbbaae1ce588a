"""The demo page at / (web_widget/demo.html) takes its words from content/messages.yml `demo_page:` (with the
commune's fields and edits); the template holds none but the embed tag it shows communes."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

import content

DEMO = Path(__file__).resolve().parents[2] / "web_widget" / "demo.html"
VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)
EMBED_TAG = '<script src="/widget.js" data-commune="{{ slug }}" data-title="Trợ lý VNeID"></script>'


def test_the_template_has_no_words_of_its_own_and_uses_every_demo_word():
    page = DEMO.read_text(encoding="utf-8")
    assert EMBED_TAG in page  # the one tag, as a commune copies it (data-title: an example value)
    assert not VIETNAMESE.search(page.replace(EMBED_TAG, ""))
    used = set(re.findall(r"\bw\.(\w+)", page))
    assert used == set(content.load().messages["demo_page"])


def test_the_page_shows_the_communes_words_and_edits(app, client):
    page = client.get("/").get_data(as_text=True)
    words = content.load().messages["demo_page"]
    assert words["heading"] in page and words["way_b_steps"][-1] in page
    assert "dichvucong.thanhhoa.gov.vn và nhấn vào [Đăng nhập]" in page and "{commune." not in page
    overrides = app.extensions["vneid"].settings.content_overrides
    overrides.write_text(
        yaml.safe_dump({"messages": {"demo_page.heading": "Hướng dẫn <mới>"}}, allow_unicode=True), encoding="utf-8"
    )
    page = client.get("/").get_data(as_text=True)
    assert "Hướng dẫn &lt;mới&gt;" in page and words["heading"] not in page  # shown as text
