"""The commune the current piece of work speaks for: a citizen's message, a staff request, a worker's job.

Set where the work starts (`speaking_for`); read by `Texts` so that every word a citizen or staff member reads
names that commune (its name, hotline, hours, portal) and uses its own content edits. Data is never filtered
through this: queries take the commune explicitly (gateway/services/scope.py for staff).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Iterator, Optional

from gateway.services.communes import CommuneInfo

_current: ContextVar[Optional[CommuneInfo]] = ContextVar("commune", default=None)


def current() -> Optional[CommuneInfo]:
    """The commune of the work in hand, or None (the installation's default words)."""
    return _current.get()


@contextmanager
def speaking_for(info: Optional[CommuneInfo]) -> Iterator[Optional[CommuneInfo]]:
    """Within the block, texts speak for `info` (None: leave the current commune as it is)."""
    if info is None:
        yield current()
        return
    token = _current.set(info)
    try:
        yield info
    finally:
        _current.reset(token)


def set_for_request(info: Optional[CommuneInfo]) -> None:
    """For a whole request (Flask's before_request; each request runs in its own context)."""
    _current.set(info)


def enter(info: Optional[CommuneInfo]) -> Token:
    """Speak for `info` (None: the installation's default words) until `leave(token)`: a request's start and end
    (Flask's before_request and teardown_request). Threads are reused, so every enter needs its leave."""
    return _current.set(info)


def leave(token: Optional[Token]) -> None:
    """Undo `enter` (at the request's teardown); if the token belongs to another context, forget the commune."""
    if token is None:
        return
    try:
        _current.reset(token)
    except ValueError:  # made in another context (a copied one): nothing of this request may stay behind
        _current.set(None)
