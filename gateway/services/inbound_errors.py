"""Why a citizen's message is refused or must be sent again (its own module: the inbound pipeline and the
commands it hands a message to, such as erase_command, both raise them)."""

from __future__ import annotations

__all__ = ["BotUnavailable", "Rejected"]


class Rejected(Exception):
    """The message cannot be accepted as sent (HTTP status, code, Vietnamese explanation; `retry_after` seconds
    when sending it again later will do)."""

    def __init__(self, status: int, code: str, message: str, retry_after: int = 0) -> None:
        super().__init__(code)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


class BotUnavailable(Exception):
    """Rasa did not answer: the message is stored, a retry with the same key processes it."""

    def __init__(self, message: str, code: str = "bot_unavailable", retry_after: int = 30) -> None:
        super().__init__(code)
        self.message = message
        self.code = code
        self.retry_after = retry_after
