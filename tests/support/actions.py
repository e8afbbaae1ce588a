"""What the action tests share (bot environment): a tracker at a given state, and the outcome of running an action
(its events and replies). The fixtures that use them live in tests/bot/conftest.py."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

DEFAULT_SLOTS = {"step_failures": 0.0, "misses": 0.0}


def make_tracker(
    intent: str, slots: Optional[Dict[str, Any]] = None, text: str = "", entities: Optional[List[Dict[str, Any]]] = None
) -> Tracker:
    """A tracker whose latest message has the given intent, with the given slot values."""
    return Tracker(
        sender_id="test",
        slots={**DEFAULT_SLOTS, **(slots or {})},
        latest_message={
            "intent": {"name": intent, "confidence": 1.0},
            "text": text or f"/{intent}",
            "entities": entities or [],
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


class Run:
    """The outcome of running one action: its events and the messages it sent."""

    def __init__(self, events: List[Dict[str, Any]], messages: List[Dict[str, Any]]) -> None:
        self.events = events
        self.messages = messages

    @property
    def slots(self) -> Dict[str, Any]:
        """Slot values set by the action."""
        return {e["name"]: e["value"] for e in self.events if e["event"] == "slot"}

    @property
    def texts(self) -> List[str]:
        """The texts sent, in order."""
        return [m["text"] for m in self.messages if m.get("text")]

    def buttons(self, index: int = -1) -> List[str]:
        """Payloads of the buttons of the index-th message that has buttons."""
        with_buttons = [m for m in self.messages if m.get("buttons")]
        return [b["payload"] for b in with_buttons[index]["buttons"]]

    @property
    def custom(self) -> List[Dict[str, Any]]:
        """Custom (JSON) payloads sent."""
        return [m["custom"] for m in self.messages if m.get("custom")]
