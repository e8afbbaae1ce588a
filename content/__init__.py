"""The content (guide.yml, messages.yml; staff.yml for the gateway's staff consoles) and its loader, shared by the
bot's actions and the gateway.

Plain Python + PyYAML, so both environments (the bot's Python 3.10 and the gateway's) can import it.
"""
from content.loader import (Guide, content_dir, get_path, load, load_staff, overrides_path, render,  # noqa: F401
                            set_path)
