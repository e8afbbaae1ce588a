"""An instant stand-in for the Rasa client (`RasaClient`'s interface) for suites that test the gateway's own
behaviour under many requests (rate limits, fuzzing): the real Rasa is tested in tests/e2e, tests/faults."""

from __future__ import annotations

from typing import Any, Dict, List


class FakeRasa:
    """Answers at once, like Rasa would (REST replies, parse, tracker, health)."""

    urls = ["http://127.0.0.1:9"]
    action_server_urls = ["http://127.0.0.1:9"]

    def __init__(self, token: str = "t") -> None:
        self.token = token

    def send(self, sender: str, text: str, metadata: Dict[str, Any] = None) -> List[Dict[str, Any]]:
        replies = [
            {
                "recipient_id": sender,
                "text": "Bước 1/5: Mở trang dichvucong.thanhhoa.gov.vn",
                "buttons": [{"title": "Xong rồi", "payload": "/step_done"}],
            }
        ]
        if "gặp cán bộ" in text:
            replies.append(
                {
                    "recipient_id": sender,
                    "custom": {
                        "handoff": {"reason": "requested", "flow": "A", "step": 1, "problem": None, "tried": []}
                    },
                }
            )
        return replies

    def parse(self, text: str) -> Dict[str, Any]:
        return {"intent": {"name": "greet", "confidence": 0.9}, "entities": [], "text": text}

    def tracker(self, sender: str, events: str = "NONE") -> Dict[str, Any]:
        return {"slots": {"flow": "A", "step": 1}, "paused": False}

    def health(self, timeout: float = 3.0) -> Dict[str, bool]:
        return {"rasa": True, "action_server": True}

    def pause(self, sender):
        pass

    def resume(self, sender):
        pass

    def execute(self, sender, action):
        return [{"recipient_id": sender, "text": "Bước 1/5: tiếp tục"}]

    def append_marker(self, *args, **kwargs):
        pass

    def instance(self, sender):
        return self.urls[0]
