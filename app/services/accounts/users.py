"""The team's accounts: who may sign in to the admin, with which role, and the sessions they hold.

The admin's user pages, ``flask users create`` and the login page all go through here: one
check of the address and the password, one rule that nobody demotes or deactivates
themself, and every change of who may act (a new password, a deactivation, a logout) ends
the sessions it concerns, and a deactivation or a change of role ends the account's API tokens.
"""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.i18n import TranslatedError
from app.models import Role, User, utcnow
from app.services.accounts.logins import AccountLocked, clear_failures, locked_until, record_failure
from app.services.accounts.passwords import MIN_PASSWORD as MIN_PASSWORD  # re-exported
from app.services.accounts.passwords import WeakPassword, check_password_strength
from app.services.audience import InvalidAddress, normalise_email
from app.services.integrations import revoke_tokens_of

# Made once with the same method and cost as real hashes, so checking it takes as long.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


class AccountError(TranslatedError):
    """The account cannot be created or changed as asked; nothing was saved."""


def save_user(email: str, password: str, *, role: Role, name: str = "", replace: bool = False) -> tuple[User, bool]:
    """Create an account, or (``replace``) reset the password, role and name of an existing one; commits.

    Returns the user and whether it was created. AccountError for an invalid address, a short
    password, or an address already in use when ``replace`` is not asked."""
    try:
        address = normalise_email(email)
    except InvalidAddress as exc:
        raise AccountError(_l("Adresse invalide : %(error)s", error=str(exc))) from exc
    try:
        check_password_strength(password, email=address, name=name)
    except WeakPassword as exc:
        raise AccountError(exc.lazy) from exc
    user = db.session.scalar(select(User).where(User.email == address))
    if user is not None and not replace:
        raise AccountError(_l("Un utilisateur existe déjà avec cette adresse."))
    created = user is None
    if user is None:
        user = User(email=address)
        db.session.add(user)
    user.name = (name or user.name or "").strip()[:200]
    if not created and user.role != role:
        revoke_tokens_of(user, "role_changed")
    user.role = role
    user.set_password(password)  # ends the sessions opened with the old one
    db.session.commit()
    return user, created


def set_role(user: User, role: Role, *, by: User) -> None:
    """Give ``user`` this role; commits. Refused when an administrator would demote themself."""
    if user.id == by.id and role != Role.ADMIN:
        raise AccountError(_l("Vous ne pouvez pas retirer votre propre rôle d'administrateur."))
    if user.role != role:
        revoke_tokens_of(user, "role_changed")  # its tokens carried the old role's rights
    user.role = role
    db.session.commit()


def set_active(user: User, active: bool, *, by: User) -> None:
    """Open or close an account (closing ends its sessions); commits. Refused on one's own account."""
    if user.id == by.id:
        raise AccountError(_l("Vous ne pouvez pas désactiver votre propre compte."))
    user.active = active
    if not active:
        user.end_sessions()
        revoke_tokens_of(user, "account_deactivated")
    db.session.commit()


def sign_in(email: str, password: str) -> User | None:
    """The active account these credentials open (its last login recorded; commits), or None.

    A wrong address costs as long as a wrong password: it is checked against a dummy hash.
    Raises AccountLocked (French, with the minutes left) while the address is locked after
    too many failures (``app.services.accounts.logins``), even for the right password."""
    try:
        address = normalise_email(email)
    except InvalidAddress:
        address = ""
    user = db.session.scalar(select(User).where(User.email == address)) if address else None
    right = user.check_password(password) if user is not None else check_password_hash(_DUMMY_HASH, password)
    now = utcnow()
    until = locked_until(email, now)
    if until is not None:
        if not right:
            record_failure(email, now)
            db.session.commit()
        raise AccountLocked(until, now)
    if user is None or not (right and user.active):
        until = record_failure(email, now)
        db.session.commit()
        if until is not None:
            raise AccountLocked(until, now)
        return None
    clear_failures(email)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def sign_out(user: User) -> None:
    """End every session of this user (each copy of its cookies dies with it); commits."""
    user.end_sessions()
    db.session.commit()
