"""Helpers for the /api/v1 tests: a token made the way an admin makes one, and its header."""
from __future__ import annotations

from app.services.integrations.api_tokens import create_token


def token_header(scopes: str = "all", name: str = "site web") -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(name, scopes).plaintext}"}
