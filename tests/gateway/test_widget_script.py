"""widget.js as the gateway serves it: its texts come from content/messages.yml `widget:` (and the commune's
edits), none are written in the widget's modules (web_widget/src/); caching by ETag."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

import content
from gateway.widget_script import TEXTS_SLOT

WIDGET_SRC = Path(__file__).resolve().parents[2] / "web_widget" / "src"
VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)


def _texts_literal(script: str) -> str:
    match = re.search(r"const T = (\{.*?\});\n", script)
    assert match, "the texts' slot was not filled"
    return match.group(1)


def _texts_in(script: str) -> dict:
    return json.loads(_texts_literal(script))


def test_the_script_gets_every_widget_text_from_the_content(client):
    response = client.get("/widget.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.mimetype_params.get("charset") == "utf-8" and response.cache_control.max_age == 300
    script = response.get_data(as_text=True)
    assert TEXTS_SLOT not in script
    expected = content.load().messages["widget"]
    assert _texts_in(script) == expected
    used = {key for path in WIDGET_SRC.glob("*.js") for key in re.findall(r"\bt\('([a-z_]+)'", path.read_text("utf-8"))}
    assert used and used <= set(expected), used - set(expected)  # every key the script asks for exists


def test_no_citizen_facing_words_are_written_in_the_script():
    source = "\n".join(path.read_text(encoding="utf-8") for path in sorted(WIDGET_SRC.glob("*.js")))
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    code = "\n".join(line.split("//")[0] for line in code.splitlines())
    assert source.count(TEXTS_SLOT) == 1  # where the gateway writes the texts (its comments are stripped from `code`)
    assert not VIETNAMESE.search(code), [line for line in code.splitlines() if VIETNAMESE.search(line)]


def test_a_communes_edit_reaches_the_widget_and_changes_its_etag(app, client):
    first = client.get("/widget.js")
    assert client.get("/widget.js", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    overrides = app.extensions["vneid"].settings.content_overrides
    overrides.write_text(
        yaml.safe_dump({"messages": {"widget.send": "Gửi đi", "widget.title": "Hỏi xã </script>"}}, allow_unicode=True),
        encoding="utf-8",
    )
    second = client.get("/widget.js", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    script = second.get_data(as_text=True)
    texts = _texts_in(script)
    assert texts["send"] == "Gửi đi" and texts["title"] == "Hỏi xã </script>"
    assert "</script>" not in _texts_literal(script)  # \u003c/script>: cannot end an inline copy of the script
