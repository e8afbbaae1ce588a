"""What the gateway says itself: texts and buttons from content/messages.yml (`gateway:` and `buttons:`), and the
staff consoles' words from content/staff.yml."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

import content
from gateway.services import communes, tenant
from gateway.services.communes import CommuneInfo

log = logging.getLogger(__name__)


class Labels(dict):
    """One group of staff labels from content/staff.yml, {key: label}.

    A key with no label reads as the key itself (`labels["zalo_admin"]` is "zalo_admin"; `.get(key, default)`
    still gives the default): a page missing a word shows the code rather than failing. A warning is logged once
    per missing key; tests/gateway/test_staff_texts.py keeps the file complete for every key the code uses.
    """

    group = ""

    def fill(self, key: str, /, **fields: Any) -> str:
        """The label of `key` with its {fields} filled in."""
        return content.render(str(self[key]), fields)

    def __missing__(self, key: str) -> str:
        if (self.group, key) not in _reported:
            _reported.add((self.group, key))
            log.warning("content/staff.yml: no label for %s.%s", self.group, key)
        return key


_reported: set = set()


class StaffError(ValueError):
    """A refusal whose words for staff live in content/staff.yml: the class's `group`, a `key` and fields.

    Services raise it with codes (no wording in Python); the page or API turns it into Vietnamese with
    `Texts.explain`. str() is the key, for logs.
    """

    group = "errors"

    def __init__(self, key: str, /, **fields: Any) -> None:
        super().__init__(key)
        self.key, self.fields = key, fields


class Texts:
    """Renders gateway messages for the commune of the work in hand (gateway/services/tenant.py): its settings
    and its own content edits; re-reads the content when it changes."""

    def __init__(self, content_dir, overrides=None) -> None:
        """Remember where the content and the province's overrides live (each commune's beside them)."""
        self.content_dir = content_dir
        self.overrides = overrides
        self._fields: Dict[tuple, tuple] = {}  # (guide, commune, its fields), by their ids

    @property
    def guide(self) -> content.Guide:
        """The current guide snapshot, speaking for the current commune (with its overrides and settings)."""
        info = tenant.current()
        if info is None:
            return content.load(self.content_dir, self.overrides)
        return self.guide_for(info)

    def guide_for(self, info: CommuneInfo) -> content.Guide:
        """The guide speaking for one commune."""
        guide = content.load(self.content_dir, self.overrides, commune=info.slug)
        key = (id(guide), id(info))
        hit = self._fields.get(key)
        if hit is None or hit[0] is not guide or hit[1] is not info:  # ids are reused once an object is gone
            if len(self._fields) > 1024:
                self._fields.clear()
            hit = self._fields[key] = (guide, info, communes.fields(info, guide))
        return guide.with_commune(hit[2])

    def text(self, key: str, **fields: Any) -> str:
        """A `gateway:` message, filled in."""
        guide = self.guide
        return content.render(guide.messages["gateway"][key], {"commune": guide.commune, **fields})

    def rejected(self, code: str, **fields: Any) -> str:
        """Why a message was refused (content/messages.yml `rejected:`), filled in."""
        guide = self.guide
        return content.render(guide.messages["rejected"][code], {"commune": guide.commune, **fields})

    def widget(self) -> Dict[str, str]:
        """The web widget's own words (`widget:`), commune fields filled in; {title}, {name}, {count} are the
        widget's."""
        guide = self.guide
        return {
            key: content.render(str(value), {"commune": guide.commune})
            for key, value in guide.messages["widget"].items()
        }

    def staff(self, group: str) -> Labels:
        """A group of staff labels from content/staff.yml (a dotted path for a nested group, e.g.
        `analytics_columns.funnel`), as a copy; a missing group is empty (every key then reads as itself)."""
        try:
            node = content.get_path(content.load_staff(self.content_dir), group)
        except (KeyError, IndexError, ValueError, TypeError):
            node = None
        labels = Labels({str(k): "" if v is None else v for k, v in node.items()} if isinstance(node, dict) else {})
        labels.group = group
        return labels

    def staff_label(self, group: str, key: str, /, **fields: Any) -> str:
        """One staff label with its {fields} filled in (the key itself when the label is missing)."""
        return self.staff(group).fill(key, **fields)

    def explain(self, error: StaffError) -> str:
        """What a StaffError says to staff, in Vietnamese."""
        return self.staff_label(error.group, error.key, **error.fields)

    def message(self, key: str, buttons: Optional[str] = None, **fields: Any) -> Dict[str, Any]:
        """A REST-style message dict: {"text", "buttons"?}."""
        out: Dict[str, Any] = {"text": self.text(key, **fields)}
        if buttons:
            out["buttons"] = self.guide.buttons(buttons)
        return out

    def canned_replies(self) -> List[Dict[str, str]]:
        """Remedies of the catalogue as canned replies for staff: code, title, text."""
        guide = self.guide
        return [
            {
                "code": code,
                "title": guide.problem(code)["title"],
                "text": " ".join(guide.fill(line) for line in guide.problem(code)["remedy"]),
            }
            for code in guide.problem_codes()
        ]
