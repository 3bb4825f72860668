"""The CRPVE demo: seed data for ``make run``, the screenshots, the benches and the tests.

``load_demo`` is idempotent: everything is found by its identifier and refreshed, never
duplicated; the seed cycle's reminders are scheduled through ``save_cycle`` like any edit.
Not a domain: it only fills the others with data, so it stands above them all.
"""
from __future__ import annotations

from app.services.demo.base import DEMO_ADMIN, DEMO_SUBSCRIBERS, demo_password, load_base
from app.services.demo.seed_cycle import (
    CAMPAIGN_SLUG,
    CYCLE_SLUG,
    load as load_seed_cycle,
    load_announcement,
    load_cycle,
    registration_url,
)


def load_demo() -> tuple[str, str]:
    """The demo's people, then its cycle and announcement; commits. Returns the admin's login."""
    login = load_base()
    load_seed_cycle()
    return login


__all__ = [
    "CAMPAIGN_SLUG", "CYCLE_SLUG", "DEMO_ADMIN", "DEMO_SUBSCRIBERS", "demo_password", "load_announcement",
    "load_base", "load_cycle", "load_demo", "load_seed_cycle", "registration_url",
]
