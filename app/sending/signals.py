"""What the sending layer tells the rest of the application, without importing it.

The worker sits below the services (imports point down: services → sending), yet
some outcomes matter to them: a recipient refused at RCPT is a hard bounce for the
bounce rules, a transactional message's outcome belongs in the person's audit
trail. The worker sends these signals (blinker, as Flask's own); the services
connect their receivers once, in ``app.services.wiring``.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sender: the subscriber id; kwargs: diagnostic (the server's words), campaign_id, source.
recipient_refused = _signals.signal("recipient-refused")

#: sender: the message's kind; kwargs: message_id (row id), subscriber_id, status ("sent" / "failed"),
#: reply (the server's words), to_address.
transactional_outcome = _signals.signal("transactional-outcome")

#: sender: the campaign id; kwargs: status (the new status), reason, cause ("start" when a send begins).
campaign_changed = _signals.signal("campaign-changed")
