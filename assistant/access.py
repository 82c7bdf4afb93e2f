"""Who may do what: staff logins and their roles, from configuration.

Customers need no login to chat; each browser session sees only its own conversation. Staff tabs
(agent console; later knowledge admin and dashboards) require a login with the matching role.
Outside development, the default passwords are refused at start-up.
"""

from __future__ import annotations

import hmac
from typing import Literal

from pydantic import BaseModel, SecretStr

from assistant.errors import TerminalError

Role = Literal["customer", "agent", "editor", "approver", "admin"]


class StaffLogin(BaseModel):
    password: SecretStr
    roles: list[Role]


class User(BaseModel):
    name: str
    roles: list[Role]

    def can(self, role: Role) -> bool:
        return role in self.roles or "admin" in self.roles


# Development only: every one of these is refused when environment != "development".
DEFAULT_STAFF: dict[str, StaffLogin] = {
    "agent": StaffLogin(password=SecretStr("agent"), roles=["agent"]),
    "editor": StaffLogin(password=SecretStr("editor"), roles=["editor"]),
    "approver": StaffLogin(password=SecretStr("approver"), roles=["approver"]),
    "admin": StaffLogin(password=SecretStr("admin"), roles=["admin"]),
}


def authenticate(staff: dict[str, StaffLogin], username: str, password: str) -> User | None:
    """The user when the password matches (constant-time comparison), else None."""
    login = staff.get((username or "").strip())
    if login is None:
        return None
    if not hmac.compare_digest(login.password.get_secret_value().encode(), (password or "").encode()):
        return None
    return User(name=username.strip(), roles=login.roles)


def sign_in(
    staff: dict[str, StaffLogin], username: str, password: str, roles: tuple[Role, ...]
) -> str | None:
    """The user's name when the credentials match and the user has one of ``roles`` (admin has all)."""
    user = authenticate(staff, username, password)
    return user.name if user is not None and any(user.can(role) for role in roles) else None


def check_production_logins(environment: str, staff: dict[str, StaffLogin]) -> None:
    """Refuse to run outside development with a default or empty password."""
    if environment == "development":
        return
    weak = [
        name
        for name, login in staff.items()
        if not login.password.get_secret_value()
        or (name in DEFAULT_STAFF and login.password == DEFAULT_STAFF[name].password)
        or login.password.get_secret_value() == name
    ]
    if weak:
        names = ", ".join(sorted(weak))
        raise TerminalError(
            f"refusing to start in {environment!r}: default or empty passwords for {names}; "
            "set BANK_ASSISTANT_STAFF"
        )
