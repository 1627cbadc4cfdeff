"""scenarios/roles.py: the border-security role table."""

from __future__ import annotations

import pytest

from scenarios.roles import ROLES, HostRole, role_info, transport_of


def test_every_role_has_one_row_with_services_and_traffic() -> None:
    assert set(ROLES) == set(HostRole)
    for role, info in ROLES.items():
        assert info.role is role
        assert info.services, role
        assert info.traffic, role
        assert info.sessions_per_minute > 0
        ports = [(s.port, s.transport) for s in info.services]
        assert len(ports) == len(set(ports)), f"{role} declares a port twice"
        assert all(1 <= s.port <= 65535 for s in info.services)


def test_the_border_security_world_is_modelled() -> None:
    names = {r.value for r in HostRole}
    assert {
        "surveillance-node",
        "wanted-db",
        "biometric-matcher",
        "egate-controller",
        "drone-gcs",
        "lpr-camera",
        "visa-portal",
        "dns",
        "mail",
        "vpn",
    } <= names


def test_typical_services() -> None:
    assert role_info("drone-gcs").default_services()["mavlink"] == 14550
    assert role_info(HostRole.DNS).default_services() == {"dns": 53}
    assert role_info("egate-controller").default_services()["smb"] == 445
    assert transport_of("mavlink") == "udp"
    assert transport_of("dns") == "udp"
    assert transport_of("https") == "tcp"
    assert transport_of("something-custom") == "tcp"


def test_unknown_role_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown host role 'router'.*visa-portal"):
        role_info("router")
