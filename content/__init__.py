"""The guide content (guide.yml, messages.yml) and its loader, shared by the bot's actions and the gateway.

Plain Python + PyYAML, so both environments (the bot's Python 3.10 and the gateway's) can import it.
"""
from content.loader import Guide, content_dir, load, render  # noqa: F401
