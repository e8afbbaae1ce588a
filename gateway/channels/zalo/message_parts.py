"""A stored outbound message as the Zalo `message` objects that carry it, in sending order:

- text → `{"text"}`, split into parts of at most 2,000 characters (at paragraph, line, sentence or word ends);
- buttons → a template with at most 5 `oa.query.show` buttons (title ≤ 20 characters, payload = the button's
  payload, which comes back as the citizen's text); `http(s)://` payloads open a URL, `tel:` ones call;
- image → a media template whose URL is PUBLIC_BASE_URL + the image path (a `.png` next to an `.svg`
  illustration is preferred: Zalo shows photos, not SVG);
- staff messages are labelled with the staff member's name; a handoff's custom payload is internal (skipped).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Dict, List

from gateway.channels.zalo import texts as ztexts
from gateway.channels.zalo.settings import BUTTON_TYPE, MAX_BUTTONS, MAX_TEXT, MAX_TITLE
from gateway.models import Message
from gateway.services.container import Services

log = logging.getLogger(__name__)

_BREAKS = ("\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " ")


def units(text: str) -> int:
    """Length as Zalo may count it (UTF-16 code units: an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """The largest prefix length (in characters) whose UTF-16 length is at most `limit`."""
    if units(text) <= limit:
        return len(text)
    count = 0
    for index, char in enumerate(text):
        count += 2 if ord(char) > 0xFFFF else 1
        if count > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_TEXT) -> List[str]:
    """Parts of at most `limit` characters, cut at the latest paragraph, line, sentence or word end."""
    text = text.strip()
    parts: List[str] = []
    while text:
        end = _fit(text, limit)
        if end >= len(text):
            parts.append(text)
            break
        cut = -1
        for mark in _BREAKS:
            found = text.rfind(mark, limit // 2, end)
            if found > 0:
                cut = found + len(mark.rstrip()) if mark.strip() else found
                break
        if cut <= 0:
            cut = end
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [p for p in parts if p]


def _title(title: str) -> str:
    title = (title or "").strip()
    if len(title) > MAX_TITLE:
        log.warning("zalo button title longer than %d characters shortened: give it a short title", MAX_TITLE)
        title = title[: MAX_TITLE - 1].rstrip() + "…"
    return title


def zalo_buttons(buttons: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """REST buttons ({"title", "payload"}) as Zalo buttons (at most 5)."""
    if len(buttons) > MAX_BUTTONS:
        log.warning("zalo message with %d buttons: only the first %d are sent", len(buttons), MAX_BUTTONS)
    out = []
    for button in buttons[:MAX_BUTTONS]:
        payload = str(button.get("payload") or button.get("url") or "")
        title = _title(str(button.get("title") or payload))
        if re.match(r"^https?://", payload):
            out.append({"title": title, "type": "oa.open.url", "payload": {"url": payload}})
        elif payload.startswith("tel:"):
            out.append(
                {"title": title, "type": "oa.open.phone", "payload": {"phone_code": re.sub(r"[^\d+]", "", payload[4:])}}
            )
        else:
            out.append({"title": title, "type": BUTTON_TYPE, "payload": payload})
    return out


def image_url(svc: Services, image: str) -> str:
    """The public URL Zalo fetches an image from (a PNG beside an SVG illustration is preferred)."""
    if re.match(r"^https?://", image):
        return image
    path = "/" + image.lstrip("/")
    if path.startswith("/illustrations/") and path.endswith(".svg"):
        png = Path(svc.settings.illustrations_dir) / (Path(path).stem + ".png")
        if png.is_file():
            path = path[:-4] + ".png"
    return svc.settings.public_base_url.rstrip("/") + path


def parts_of(svc: Services, message: Message) -> List[Dict[str, Any]]:
    """The Zalo `message` objects that carry one stored outbound message, in sending order."""
    data = message.data or {}
    out: List[Dict[str, Any]] = []
    if isinstance(data.get("image"), str) and data["image"]:
        out.append(
            {
                "attachment": {
                    "type": "template",
                    "payload": {
                        "template_type": "media",
                        "elements": [{"media_type": "image", "url": image_url(svc, data["image"])}],
                    },
                }
            }
        )
    text = message.text or ""
    if text and message.author == "staff" and message.staff is not None:
        text = ztexts.text(svc, "staff_label", name=message.staff.display_name, text=text)
    buttons = data.get("buttons") if isinstance(data.get("buttons"), list) else []
    if buttons and not text.strip():
        text = ztexts.text(svc, "buttons_only")
    chunks = split_text(text) if text.strip() else []
    for index, chunk in enumerate(chunks):
        part: Dict[str, Any] = {"text": chunk}
        if buttons and index == len(chunks) - 1:
            part["attachment"] = {"type": "template", "payload": {"buttons": zalo_buttons(buttons)}}
        out.append(part)
    return out
