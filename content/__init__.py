"""The guide content (guide.yml, messages.yml) and its loader, shared by the bot's actions and the gateway.

Plain Python + PyYAML, so both environments (the bot's Python 3.10 and the gateway's) can import it.
"""
from content.loader import Guide, content_dir, get_path, load, overrides_path, render, set_path  # noqa: F401
