"""Integrations: API tokens, outgoing webhooks, and the signals (what happened) they carry.

This module is the domain's public surface: the web, the CLI, the scheduler and the other
domains import from here, never from a module inside the package (``make lint`` checks it).
"""

from app.services.integrations.api_tokens import (
    SCOPES,
    TokenError,
    all_tokens,
    authenticate,
    create_token,
    has_scope,
    revoke as revoke_token,
)
from app.services.integrations.signals import (
    EVENTS as SIGNAL_EVENTS,
    campaign_data,
    registration_data,
    subscriber_data,
)
from app.services.integrations.webhooks import (
    EndpointError,
    create_endpoint,
    disabled_endpoints,
    emit as emit_signal,
    enable as enable_endpoint,
    resend as resend_delivery,
)

__all__ = [
    "EndpointError", "SCOPES", "SIGNAL_EVENTS", "TokenError", "all_tokens", "authenticate", "campaign_data",
    "create_endpoint", "create_token", "disabled_endpoints", "emit_signal",
    "enable_endpoint", "has_scope", "registration_data", "resend_delivery", "revoke_token", "subscriber_data",
]
