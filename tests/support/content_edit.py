"""Editing content through the console's pages as an admin does (form, preview, save), for the content-editing
tests and the tests that check an edit reaches the next citizen's conversation."""

from __future__ import annotations

import html as htmllib
import re

STEP1 = "guide:flows.A.steps.0.text"  # the first step of flow A


def hidden(page: str, name: str) -> str:
    """The value of a hidden field of a page (HTML-unescaped)."""
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden field {name}"
    return htmllib.unescape(match.group(1))


def open_edit(client, key):
    """The edit form of one content key: its CSRF token, key and base fingerprint."""
    response = client.get("/console/content/edit", query_string={"key": key})
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    return {"csrf_token": hidden(page, "csrf_token"), "key": key, "base": hidden(page, "base")}


def edit_through_pages(client, key, value):
    """GET the form, POST the preview, POST the save as the preview page does; returns (preview page, save)."""
    form = open_edit(client, key)
    preview = client.post("/console/content/preview", data={**form, "value": value})
    assert preview.status_code == 200, preview.get_data(as_text=True)[:2000]
    page = preview.get_data(as_text=True)
    saved = client.post(
        "/console/content/save",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "key": hidden(page, "key"),
            "base": hidden(page, "base"),
            "value": hidden(page, "value"),
            "signature": hidden(page, "signature"),
        },
    )
    return page, saved
