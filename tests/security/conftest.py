"""Security fixtures: the station's security objects in the test's own WORKSTATION_HOME."""

from __future__ import annotations

import pytest

from workstation.security.roles import Role
from workstation.security.station import StationSecurity


@pytest.fixture
def security(workstation_home) -> StationSecurity:
    return StationSecurity.open()


@pytest.fixture
def two_users(security):
    """A radiologist (alice) and a resident (bob)."""
    alice = security.users.add("alice", Role.RADIOLOGIST, "alice-secret")
    bob = security.users.add("bob", Role.RESIDENT, "bob-secret")
    return alice, bob
