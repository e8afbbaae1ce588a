"""What the gateway says itself: texts and buttons from content/messages.yml (`gateway:` and `buttons:`)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import content


class Texts:
    """Renders gateway messages with the commune settings; re-reads the content when it changes."""

    def __init__(self, content_dir, overrides=None) -> None:
        """Remember where the content and the commune's overrides live."""
        self.content_dir = content_dir
        self.overrides = overrides

    @property
    def guide(self) -> content.Guide:
        """The current guide snapshot (with the commune's overrides)."""
        return content.load(self.content_dir, self.overrides)

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
        return {key: content.render(str(value), {"commune": guide.commune})
                for key, value in guide.messages["widget"].items()}

    def message(self, key: str, buttons: Optional[str] = None, **fields: Any) -> Dict[str, Any]:
        """A REST-style message dict: {"text", "buttons"?}."""
        out: Dict[str, Any] = {"text": self.text(key, **fields)}
        if buttons:
            out["buttons"] = self.guide.buttons(buttons)
        return out

    def canned_replies(self) -> List[Dict[str, str]]:
        """Remedies of the catalogue as canned replies for staff: code, title, text."""
        guide = self.guide
        return [{"code": code, "title": guide.problem(code)["title"],
                 "text": " ".join(guide.fill(line) for line in guide.problem(code)["remedy"])}
                for code in guide.problem_codes()]
