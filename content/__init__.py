"""The content (guide.yml, messages.yml, errors.yml; staff.yml for the gateway's staff consoles) and its loader,
shared by the bot's actions, the bot's NLU (errors.yml) and the gateway.

Plain Python + PyYAML, so both environments (the bot's Python 3.10 and the gateway's) can import it.
"""

from content.loader import (
    SLUG,
    Guide,
    commune_overrides_path,
    content_dir,
    get_path,
    load,
    load_errors,
    load_staff,
    overrides_path,
    render,
    set_path,
)

__all__ = [
    "SLUG",
    "Guide",
    "commune_overrides_path",
    "content_dir",
    "get_path",
    "load",
    "load_errors",
    "load_staff",
    "overrides_path",
    "render",
    "set_path",
]
