"""The web widget's modules (web_widget/src/): no Vietnamese in any of them, each one job and the names it owns,
and the one script the gateway serves is the frame with every module written in, in order."""

from __future__ import annotations

import re
from pathlib import Path

from gateway import widget_script
from gateway.widget_script import ENTRY, SRC_DIR, TEXTS_SLOT

WIDGET_DIR = Path(__file__).resolve().parents[2] / "web_widget"
# every letter with a Vietnamese diacritic, and đ
VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)
# a name a module declares at its top level (the modules share one scope)
DECLARED = re.compile(r"^(?:async function|function|const|let) (\w+)", re.M)


def modules():
    """{file name: text} of the modules the frame includes, in their order."""
    return {name: (SRC_DIR / name).read_text(encoding="utf-8") for name in widget_script.module_names()}


def test_no_vietnamese_letter_in_any_widget_script():
    scripts = sorted(WIDGET_DIR.rglob("*.js"))
    assert len(scripts) > 10
    found = [
        f"{path.relative_to(WIDGET_DIR)}:{number}: {line.strip()}"
        for path in scripts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if VIETNAMESE.search(line)
    ]
    assert found == []  # the widget's words are in content/messages.yml `widget:`; comments are in English


def test_the_frame_includes_every_module_once():
    names = widget_script.module_names()
    assert len(names) == len(set(names))
    assert set(names) == {path.name for path in SRC_DIR.glob("*.js")} - {ENTRY}
    assert not (WIDGET_DIR / "widget.js").exists()  # the script exists only as the gateway serves it


def test_each_module_says_its_job_and_declares_its_own_names():
    owner = {}
    for name, text in modules().items():
        stem = name[: -len(".js")]
        assert re.match(rf"// ---- {re.escape(stem)}: \S", text), f"{name} starts with '// ---- {stem}: <its job>'"
        assert "/*@include" not in text  # modules do not include modules
        declared = DECLARED.findall(text)
        assert declared, name
        for declared_name in declared:
            assert declared_name not in owner, f"{declared_name} is declared in {owner.get(declared_name)} and {name}"
            owner[declared_name] = name
    assert owner["t"] == "texts.js" and owner["request"] == "transport.js" and owner["mount"] == "start.js"


def test_no_module_has_text_spanning_lines():
    """Comment-only lines are left out of the served script: safe only if no string or template spans lines."""
    for name, text in modules().items():
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
        assert "`" not in code, name
        assert not re.search(r"\\\n", code), name


def test_the_served_script_is_the_frame_with_its_modules_in_order():
    script = widget_script.assemble()
    frame = (SRC_DIR / ENTRY).read_text(encoding="utf-8")
    assert script.startswith(frame[: frame.index("(function () {")])  # the header comment, kept as served
    assert script.rstrip().endswith("})();") and "/*@include" not in script
    assert script.count(TEXTS_SLOT) == 1
    at = 0
    for name, text in modules().items():
        code = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("//")]
        for line in code:
            found = script.find(line, at)
            assert found >= 0, f"{name}: {line!r} is not where the frame includes it"
            at = found + len(line)
    assert not re.search(r"^\s*//", script, re.M)


def test_the_gateway_serves_the_assembled_script(app, client):
    response = client.get("/widget.js")
    texts = app.extensions["vneid"].texts.widget()
    assert response.get_data() == widget_script.served(texts)
    assert widget_script.source() == widget_script.assemble()
