"""The staff pages' words, for templates and their scripts, from content/staff.yml.

Two Jinja globals, registered once by the app factory (`words` itself is a context variable of some pages):

- `say('group.key', **fields)`: one label with its {fields} filled in (plain text: autoescaped like any value);
  `group.sub.key` for a nested group. A key may itself hold dots (`console_pages.script_aid.page`).
- `script_words(*scripts)`: the labels those scripts of gateway/static use, {group: {key: label}}, for the page's
  JSON bundle that gateway/static/words.js reads (`<body data-staff-words="…">`: the CSP allows no inline
  script). A script names its words as literals, `say("group.key", {…})`, and the bundle holds exactly those, so a
  page carries no hidden text it does not show.

Both read through the app's `Texts`, so an edit of staff.yml shows on the next page, and a missing key reads as
the key with a warning in the log (`gateway.services.texts.Labels`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Tuple

from flask import Flask, current_app, g
from markupsafe import Markup, escape

import content
from gateway.services.texts import Labels


def _group(name: str) -> Labels:
    """A group of labels, read once per request (every word of a page comes from the same version of the file)."""
    cache = g.setdefault("_staff_words", {})
    if name not in cache:
        cache[name] = current_app.extensions["vneid"].texts.staff(name)
    return cache[name]


def _find(path: str) -> Tuple[Labels, str]:
    """The group holding the label at `path`, and its key there: `group.key`, or `group.sub.key` for a nested
    group (`analytics_columns.problems.total`) unless the group has the dotted key itself
    (`console_pages.script_aid.page`)."""
    group, _, key = path.partition(".")
    labels = _group(group)
    while key not in labels and "." in key:
        head, _, rest = key.partition(".")
        if not isinstance(labels.get(head), dict):
            break
        group, key = f"{group}.{head}", rest
        labels = _group(group)
    return labels, key


def say(path: str, /, **fields: Any) -> str:
    """The label at `group.key`, {fields} filled in; the key itself when the label is missing.

    Plain text, escaped by the template like any value. A field that is markup (a link, `<em>`, `<code>` built in
    the template around words of their own) goes in as markup: the label and the other fields are escaped first,
    so staff.yml holds no HTML.
    """
    labels, key = _find(path)
    if not any(hasattr(value, "__html__") for value in fields.values()):
        return labels.fill(key, **fields)
    text = content.render(str(escape(labels[key])), {name: escape(value) for name, value in fields.items()})
    return Markup(text)


# A script's use of a word: say("group.key" or say('group.key'
SAID = re.compile(r"""\bsay\(\s*(["'])([a-z_]+)\.([^"']+)\1""")
_said: Dict[Path, Tuple[float, Tuple[Tuple[str, str], ...]]] = {}


def words_in(path: Path) -> Tuple[Tuple[str, str], ...]:
    """(group, key) of every `say("group.key")` in a script, in order, re-read when the file changes."""
    mtime = path.stat().st_mtime
    hit = _said.get(path)
    if hit is None or hit[0] != mtime:
        found = SAID.findall(path.read_text(encoding="utf-8"))
        hit = _said[path] = (mtime, tuple(dict.fromkeys((group, key) for _, group, key in found)))
    return hit[1]


def script_words(*scripts: str) -> Dict[str, Dict[str, Any]]:
    """The labels the named scripts of the static folder use, {group: {key: label}} (fields left for words.js)."""
    bundle: Dict[str, Dict[str, Any]] = {}
    for script in dict.fromkeys(scripts):
        for group, key in words_in(Path(current_app.static_folder) / script):
            labels, found = _find(f"{group}.{key}")
            bundle.setdefault(group, {})[key] = labels[found]
    return bundle


def init_app(app: Flask) -> None:
    """Make `say` and `script_words` available to every template."""
    app.jinja_env.globals.update(say=say, script_words=script_words)
