"""From a campaign in the database to the message builder the worker uses (cached)."""
from __future__ import annotations

from app.message.builder import builder_for

__all__ = ["builder_for"]
