"""The staff pages' words, for templates and their scripts, from content/staff.yml.

Two Jinja globals, registered once by the app factory (`words` itself is a context variable of some pages):

- `say('group.key', **fields)`: one label with its {fields} filled in (plain text: autoescaped like any value).
  The path splits at its first dot, so a key may itself hold dots (`console_pages.script_aid.page`).
- `staff_words(*groups)`: those groups as one dict, for the page's JSON bundle that gateway/static/words.js
  reads (`<body data-staff-words="{{ staff_words(...)|tojson|forceescape }}">`: the CSP allows no inline script).

Both read through the app's `Texts`, so an edit of staff.yml shows on the next page, and a missing key reads as
the key with a warning in the log (`gateway.services.texts.Labels`).
"""

from __future__ import annotations

from typing import Any, Dict

from flask import Flask, current_app, g

from gateway.services.texts import Labels


def _group(name: str) -> Labels:
    """A group of labels, read once per request (every word of a page comes from the same version of the file)."""
    cache = g.setdefault("_staff_words", {})
    if name not in cache:
        cache[name] = current_app.extensions["vneid"].texts.staff(name)
    return cache[name]


def say(path: str, /, **fields: Any) -> str:
    """The label at `group.key`, {fields} filled in; the key itself when the label is missing."""
    group, _, key = path.partition(".")
    return _group(group).fill(key, **fields)


def staff_words(*groups: str) -> Dict[str, Dict[str, Any]]:
    """The labels of `groups`, {group: {key: label}}, for a page's script (fields left for words.js to fill)."""
    return {name: dict(_group(name)) for name in dict.fromkeys(groups)}


def init_app(app: Flask) -> None:
    """Make `say` and `staff_words` available to every template."""
    app.jinja_env.globals.update(say=say, staff_words=staff_words)
