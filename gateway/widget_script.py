"""The one script a commune's page loads from `GET /widget.js`, made from the widget's modules.

The widget is written as small files in web_widget/src/, one job each; `widget.js` there is the frame (the
header comment and the function they all run in), with a `/*@include <module>.js*/` line for each module, in
the order they run. The gateway writes each module in place of its line: one classic script in one scope, so the
embed tag stays one `<script src=…>`, the browser makes one request, and there is no build step and no CORS rule
for module scripts. Lines that are only a `//` comment are left out of what is served (a citizen's phone does
not need them; no module has a string or template that spans lines, tests/gateway/test_widget_modules.py).

The modules are joined once per process (they change only with a deployment); the texts (content/messages.yml
`widget:`, which a commune can edit while the gateway runs) are written into their slot on each request.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Dict, List

SRC_DIR = Path(__file__).resolve().parents[1] / "web_widget" / "src"
ENTRY = "widget.js"
INCLUDE = re.compile(r"^[ \t]*/\*@include (?P<name>[a-z][a-z0-9_-]*\.js)\*/[ \t]*$", re.M)
COMMENT_LINE = re.compile(r"^[ \t]*//.*\n", re.M)
TEXTS_SLOT = "/*@widget-texts*/{}/*@*/"


def module_names(src_dir: Path = SRC_DIR) -> List[str]:
    """The modules the frame includes, in the order they run."""
    return [m.group("name") for m in INCLUDE.finditer((src_dir / ENTRY).read_text(encoding="utf-8"))]


def assemble(src_dir: Path = SRC_DIR) -> str:
    """The frame with every module written in place of its include line, without the comment-only lines (a module
    included twice is refused)."""
    frame = (src_dir / ENTRY).read_text(encoding="utf-8")
    names = module_names(src_dir)
    if len(names) != len(set(names)):
        raise ValueError(f"a widget module is included twice: {names}")
    joined = INCLUDE.sub(lambda m: (src_dir / m.group("name")).read_text(encoding="utf-8").rstrip("\n"), frame)
    return COMMENT_LINE.sub("", joined)


@functools.lru_cache(maxsize=1)
def source() -> str:
    """The assembled widget, read from web_widget/src/ once per process."""
    return assemble()


def served(texts: Dict[str, str]) -> bytes:
    """The widget as served: its texts written into their slot (JSON: a JS object literal that cannot end the
    script, `<` written as `\\u003c`)."""
    literal = json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c")
    return source().replace(TEXTS_SLOT, literal, 1).encode("utf-8")
