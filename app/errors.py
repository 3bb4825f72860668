"""One base for every refusal Lettrine explains to a person: :class:`LettrineError`.

A service refuses bad input or a forbidden step by raising a subclass with a French message
written for the officer (or the registrant), as it should be shown: « La liste « x » existe
déjà. ». Each subclass also says which HTTP status fits and a short stable ``code`` for API
clients, and may carry one English sentence for the API's ``messages.en``.

The message is turned into an answer once per edge, never view by view:
the web (``app.web.errors``: a flashed message and back to the form, or an error page),
the API (``app.web.api_v1.core``: RFC 9457 problem+json with the message and the code), and
the command line (``app.cli``: one line, exit status 1).

Domain errors that code catches as ``ValueError`` keep that base too (``class X(LettrineError,
ValueError)``), so nothing that relied on it changes.
"""
from __future__ import annotations


class LettrineError(Exception):
    """A refusal with a French message the person can act on; nothing was changed."""

    status: int = 400  # the HTTP status that fits (400 bad input, 404, 409 conflict with the state, 422…)
    code: str = "invalid"  # stable, for API clients: "campaign_state", "invalid_address"…
    en: str = ""  # an English sentence for the API (its French ``detail`` is the message itself)

    def __init__(self, message: str = "", *args: object, status: int | None = None, code: str | None = None,
                 en: str | None = None) -> None:
        super().__init__(message, *args)
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        if en is not None:
            self.en = en

    @property
    def message(self) -> str:
        """The French message, as shown."""
        return str(self.args[0]) if self.args else ""

    @property
    def fr(self) -> str:
        """The French message (the API's ``detail``, the CLI's line), whatever the reader's language."""
        return self.message

    def __str__(self) -> str:
        return self.message
