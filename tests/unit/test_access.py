"""Staff logins, roles, and the refusal to run outside development with default passwords."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from assistant.access import DEFAULT_STAFF, StaffLogin, authenticate, check_production_logins
from assistant.errors import TerminalError

STAFF = {
    "alice": StaffLogin(password=SecretStr("correct horse"), roles=["agent"]),
    "erin": StaffLogin(password=SecretStr("battery staple"), roles=["editor", "approver"]),
}


def test_only_matching_credentials_authenticate_and_roles_are_kept():
    alice = authenticate(STAFF, "alice", "correct horse")
    assert alice is not None and alice.can("agent") and not alice.can("editor")
    erin = authenticate(STAFF, " erin ", "battery staple")
    assert erin is not None and erin.can("approver") and not erin.can("agent")
    assert authenticate(STAFF, "alice", "wrong") is None
    assert authenticate(STAFF, "mallory", "correct horse") is None
    assert authenticate(STAFF, "", "") is None


def test_a_customer_has_no_staff_role():
    assert authenticate(STAFF, "customer", "") is None


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_default_or_weak_passwords_are_refused_outside_development(environment):
    with pytest.raises(TerminalError, match="default or empty passwords"):
        check_production_logins(environment, DEFAULT_STAFF)
    with pytest.raises(TerminalError):
        check_production_logins(environment, {"bob": StaffLogin(password=SecretStr(""), roles=["agent"])})
    check_production_logins(environment, STAFF)
    check_production_logins("development", DEFAULT_STAFF)
