"""The floor under the gateway's cost, for `bench_stack --forward-only`: a WSGI app that only forwards each REST
message to Rasa with the gateway's own client (`gateway.rasa_client.RasaClient`, the same kept-alive connection
per thread) and returns the replies, under the same gunicorn. No storage, redaction, limits, hooks or sessions:
what is left is the cost of a second HTTP hop in Python. Benchmark only, never deployed.

Environment (as `tests/support/servers.GatewayServer` sets it): RASA_URLS, ACTION_SERVER_URLS, RASA_TOKEN.
"""

from __future__ import annotations

import os

from flask import Flask, request

from gateway.rasa_client import RasaClient


def create_app() -> Flask:
    """The forwarding app (reads its environment here, not at import)."""
    app = Flask(__name__)
    rasa = RasaClient(
        os.environ["RASA_URLS"].split(","), os.environ["RASA_TOKEN"], os.environ["ACTION_SERVER_URLS"].split(",")
    )

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    @app.post("/webhooks/rest/webhook")
    def webhook():
        body = request.get_json(silent=True) or {}
        replies = rasa.send(f"rest:{body.get('sender')}", str(body.get("message") or ""))
        return app.json.response(replies)

    return app
