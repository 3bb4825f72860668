"""Registration counts per announcement, for the campaign report and the cycle page
("12 inscriptions depuis cette annonce"): template helpers, so neither view changes."""
from __future__ import annotations

from app.models import Campaign, Cycle
from app.services.events import by_announcement, registrations_from as count_registrations_from
from app.web.admin import bp


@bp.app_context_processor
def _announcement_counts() -> dict:
    def registrations_from(campaign: Campaign) -> int:
        return count_registrations_from(campaign)

    def announcement_registrations(cycle: Cycle) -> list[tuple[Campaign, int]]:
        return by_announcement(cycle)

    return {"registrations_from": registrations_from, "announcement_registrations": announcement_registrations}
