"""Flask's signed-cookie session, for the staff pages only."""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

# the citizens' endpoints (webhooks, the widget's API) and the health checks: stateless, they never read or write a
# session. By path, because Flask opens the session before it matches the URL to an endpoint.
STATELESS_PREFIXES = ("/webhooks/", "/api/widget/", "/healthz")


class StaffSessions(SecureCookieSessionInterface):
    """Not opened for a stateless endpoint: opening one (building the signing serializer, parsing the Cookie
    header) was per-message work on the gateway's hottest path, for a session nothing there uses. Such a request
    gets Flask's null session: reading it finds nothing, writing to it fails loudly, nothing is saved."""

    def open_session(self, app, request):
        """Flask's session, or the null session on a stateless path."""
        if request.path.startswith(STATELESS_PREFIXES):
            return self.null_session_class()
        return super().open_session(app, request)
