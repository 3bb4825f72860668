"""Who Lettrine's messages come from, as the settings say (MAIL_FROM)."""
from __future__ import annotations

from email.utils import parseaddr

from flask import current_app


def sender_domain() -> str:
    """The domain of MAIL_FROM: the right-hand side of Message-IDs, calendar UIDs and List-Ids."""
    return parseaddr(current_app.config["MAIL_FROM"])[1].rsplit("@", 1)[-1]
