"""Accounts: the team's users, their roles and their sessions.

This module is the domain's public surface: the web and the CLI import from here, never from
a module inside the package (``make lint`` checks it).
"""

from app.services.accounts.logins import AccountLocked
from app.services.accounts.passwords import WeakPassword, check_password_strength
from app.services.accounts.users import (
    MIN_PASSWORD,
    AccountError,
    save_user,
    set_active as set_user_active,
    set_role as set_user_role,
    sign_in,
    sign_out,
)

__all__ = ["AccountError", "AccountLocked", "MIN_PASSWORD", "WeakPassword", "check_password_strength", "save_user",
           "set_user_active", "set_user_role", "sign_in", "sign_out"]
