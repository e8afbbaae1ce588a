"""Finding canary secrets in stored data and logs without false alarms from unrelated numbers."""

import re
from typing import Iterable, List, Tuple


def standalone(secret: str) -> "re.Pattern[str]":
    """The secret as a citizen typed it, not as a run of digits inside a longer number or id.

    Stores hold timestamps with 20 significant digits (1.79578867008892226219e+09), hex ids and the
    fuzzer's 10,000-digit numbers, so a bare substring test for a six-digit OTP fails by chance.
    """
    return re.compile(r"(?<![0-9A-Za-z.])" + re.escape(secret) + r"(?![0-9A-Za-z])")


def leaks(secrets: Iterable[str], content: str) -> List[Tuple[str, str]]:
    """Every secret found standalone in content, each with a little context to read."""
    found = []
    for secret in secrets:
        for match in standalone(secret).finditer(content):
            found.append((secret, content[max(0, match.start() - 40) : match.end() + 40]))
    return found
