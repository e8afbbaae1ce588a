"""The services of the app handling this request."""

from __future__ import annotations

from flask import current_app

from gateway.services.container import Services


def services() -> Services:
    """The app's services."""
    return current_app.extensions["vneid"]
