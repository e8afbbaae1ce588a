"""The Zalo Official Account channel: signed webhook → durable queue → worker → Rasa or staff → send API.

See README.md here. `init_app` registers `flask zalo-check` always, and the webhook only when ZALO_OA_SECRET_KEY
is set (the channel is off otherwise).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask, csrf=None) -> None:
    """Attach the channel to the gateway app."""
    from gateway.channels.zalo import blueprint, cli
    from gateway.channels.zalo.runner import ZaloChannel

    cli.register(app)
    svc = app.extensions["vneid"]
    if not svc.settings.zalo_enabled:
        return
    app.extensions["zalo"] = ZaloChannel(svc, svc.settings.zalo_worker_threads)
    app.register_blueprint(blueprint.bp)
    if csrf is not None:
        csrf.exempt(blueprint.bp)
