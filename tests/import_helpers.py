"""The import is two steps in the admin: upload (a preview is shown), then "Lancer l'import"."""
from __future__ import annotations

import html
import re


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of the preview's confirmation form (CSRF token included)."""
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        if attrs.get("type") == "hidden" and attrs.get("name"):
            fields[attrs["name"]] = html.unescape(attrs.get("value", ""))
    return fields


def confirm_import(client, preview_response, action: str = "start"):
    """Post the preview's form as the officer's click on "Lancer l'import" (or "Annuler")."""
    assert preview_response.status_code == 200, preview_response.status_code
    page = preview_response.get_data(as_text=True)
    assert "import-mapping" in page, "no preview page"
    return client.post("/admin/imports/confirm", data=hidden_fields(page) | {action: ""})


def job_id_of(response) -> int:
    assert response.status_code == 302, response.status_code
    return int(response.headers["Location"].rsplit("/", 1)[1])
