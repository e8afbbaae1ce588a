"""The Zalo channel's own texts (content/messages.yml, section `zalo:`), filled with the commune settings."""

from __future__ import annotations

from typing import Any, Dict, Optional

import content
from gateway.services.container import Services


def text(svc: Services, key: str, **fields: Any) -> str:
    """A `zalo:` message, filled in."""
    guide = svc.texts.guide
    return content.render(guide.messages["zalo"][key], {"commune": guide.commune, **fields})


def message(svc: Services, key: str, buttons: Optional[str] = None, **fields: Any) -> Dict[str, Any]:
    """A REST-style message {"text", "buttons"?} with a button set from `buttons:`."""
    out: Dict[str, Any] = {"text": text(svc, key, **fields)}
    if buttons:
        out["buttons"] = svc.texts.guide.buttons(buttons)
    return out
