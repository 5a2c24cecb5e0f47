"""Subnet CIDRs stay where they are when the layout or the zone count changes."""

from __future__ import annotations

import ipaddress
import itertools

import pytest

from prefect_ecs_platform.aws.subnet_plan import MAX_ZONES, database_cidrs, subnet_cidrs


def test_public_subnets_are_the_same_in_both_layouts() -> None:
    """Switching public to private adds private subnets; the public ones keep their ranges."""
    public_only = subnet_cidrs("10.0.0.0/16", 2, private=False)
    private = subnet_cidrs("10.0.0.0/16", 2, private=True)
    assert public_only["Public"] == private["Public"] == ["10.0.0.0/20", "10.0.16.0/20"]
    assert "Private" not in public_only
    assert private["Private"] == ["10.0.128.0/20", "10.0.144.0/20"]


@pytest.mark.parametrize("private", [False, True])
def test_another_zone_only_adds_that_zones_subnets(private: bool) -> None:
    """With one more zone every existing subnet keeps its range and one subnet per type is added."""
    for zones in range(1, MAX_ZONES):
        before, after = (
            subnet_cidrs("10.1.0.0/18", zones, private=private),
            subnet_cidrs("10.1.0.0/18", zones + 1, private=private),
        )
        for subnet_type, cidrs in before.items():
            assert after[subnet_type][:zones] == cidrs
            assert len(after[subnet_type]) == zones + 1


@pytest.mark.parametrize("block", ["10.0.0.0/16", "172.16.0.0/20", "192.168.10.0/24"])
def test_subnets_lie_in_the_block_and_never_overlap(block: str) -> None:
    """Six zones of both types fit the VPC block without overlapping."""
    plan = subnet_cidrs(block, MAX_ZONES, private=True)
    networks = [ipaddress.IPv4Network(cidr) for cidrs in plan.values() for cidr in cidrs]
    assert all(network.subnet_of(ipaddress.IPv4Network(block)) for network in networks)
    assert not any(a.overlaps(b) for a, b in itertools.combinations(networks, 2))


def test_more_zones_than_planned_is_an_error() -> None:
    """The plan has room for six zones; a seventh is refused, not silently overlapped."""
    with pytest.raises(ValueError, match="zones must be from 1 to 6"):
        subnet_cidrs("10.0.0.0/16", 7, private=True)


@pytest.mark.parametrize("block", ["10.0.0.0/16", "172.16.0.0/20", "192.168.10.0/24"])
def test_database_subnets_take_the_two_free_slots(block: str) -> None:
    """The database's two subnets lie in the block and overlap no subnet of any layout or zone count."""
    database = [ipaddress.IPv4Network(cidr) for cidr in database_cidrs(block)]
    assert len(database) == 2
    assert not database[0].overlaps(database[1])
    assert all(network.subnet_of(ipaddress.IPv4Network(block)) for network in database)
    plan = subnet_cidrs(block, MAX_ZONES, private=True)
    taken = [ipaddress.IPv4Network(cidr) for cidrs in plan.values() for cidr in cidrs]
    assert not any(d.overlaps(t) for d in database for t in taken)


def test_database_subnets_are_slots_six_and_seven() -> None:
    """Fixed slots: in a /16, the /20s right before the private half."""
    assert database_cidrs("10.0.0.0/16") == ["10.0.96.0/20", "10.0.112.0/20"]
