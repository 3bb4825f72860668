"""Integrations: API tokens, outgoing webhooks, and the signals (what happened) they carry.

This module is the domain's public surface: the web, the CLI, the scheduler and the other
domains import from here, never from a module inside the package (``make lint`` checks it).
"""

from app.services.integrations.api_tokens import (
    REVOKE_REASONS as TOKEN_REVOKE_REASONS,
    SCOPES,
    TokenError,
    all_tokens,
    authenticate,
    create_token,
    has_scope,
    parse_expiry as parse_token_expiry,
    revoke as revoke_token,
    revoke_tokens_of,
)
from app.services.integrations.idempotency import KeyInUse, KeyReused, Replay, claim_key, finish_key, release_key
from app.services.integrations.signals import (
    EVENTS as SIGNAL_EVENTS,
    campaign_data,
    registration_data,
    subscriber_data,
)
from app.services.integrations.webhooks import (
    EndpointError,
    create_endpoint,
    deliver_due_now as deliver_due_webhooks,
    disabled_endpoints,
    emit as emit_signal,
    enable as enable_endpoint,
    listened as signal_listened,
    reencrypt_secrets as reencrypt_webhook_secrets,
    renew_secret as renew_webhook_secret,
    resend as resend_delivery,
)

__all__ = [
    "EndpointError", "KeyInUse", "KeyReused", "Replay", "SCOPES", "SIGNAL_EVENTS", "TOKEN_REVOKE_REASONS", "TokenError", "all_tokens",
    "authenticate", "campaign_data", "claim_key", "create_endpoint", "create_token", "deliver_due_webhooks",
    "disabled_endpoints", "emit_signal", "enable_endpoint", "finish_key", "has_scope",
    "parse_token_expiry", "reencrypt_webhook_secrets", "registration_data", "release_key", "renew_webhook_secret",
    "resend_delivery", "revoke_token", "revoke_tokens_of", "signal_listened", "subscriber_data",
]
