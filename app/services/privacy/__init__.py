"""Privacy: the RGPD rights (access, erasure) and the retention job. Erasure reaches every domain
(registrations, surveys, webhooks…), so this package stands above them all.

This module is the domain's public surface: the web, the CLI and the scheduler import from
here, never from a module inside the package (``make lint`` checks it).
"""

from app.services.privacy.access import export_url, hand_over_export, request_export
from app.services.privacy.rights import erase_flagged, erase_subscriber, export_subscriber, flag_inactive

__all__ = [
    "erase_flagged", "erase_subscriber", "export_subscriber", "export_url", "flag_inactive", "hand_over_export",
    "request_export",
]
