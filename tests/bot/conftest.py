"""Fixtures for the action tests: the guide, and a runner that returns events and replies (helpers in
tests/support/actions.py)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

import content
from tests.support.actions import Run, make_tracker


@pytest.fixture
def guide() -> content.Guide:
    """The repository's guide content."""
    return content.load()


@pytest.fixture
def run():
    """run(ActionClass, intent, slots=..., text=..., entities=...) -> Run."""

    def _run(action_cls, intent: str, **kwargs: Any) -> Run:
        dispatcher = CollectingDispatcher()
        events = action_cls().run(dispatcher, make_tracker(intent, **kwargs), {})
        return Run(events, dispatcher.messages)

    return _run
