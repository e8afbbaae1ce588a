"""The staff console (server-rendered, Vietnamese): the queue, one conversation, search.

Every change goes through the handoff service (the same functions as the JSON staff API) inside one database
session; the forms post here, carry the CSRF token and end in a redirect (POST-redirect-GET). console_queue.js and
console_conversation.js keep the queue and the transcript up to date by polling the JSON staff API.

A staff member sees only their commune's conversations (gateway/services/scope.py): another commune's ids answer
404 like ids that do not exist, and lists leave them out; a province account sees every commune and may pick one
(`?commune=<id>` on the queue and search pages).

The views by page: queue.py, conversation.py, actions.py (the forms' staff actions), search.py; what every page is
given around them: layout.py; who is looking: viewer.py; the blueprint itself: blueprint.py.
"""

from gateway.blueprints.console import actions, conversation, layout, queue, search  # noqa: F401 - their views join bp
from gateway.blueprints.console.blueprint import bp

__all__ = ["bp"]
