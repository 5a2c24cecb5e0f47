"""Subnet CIDRs that never move: each zone and subnet type has a fixed slot of the VPC block.

awsx's automatic strategy recomputes every subnet's range when the layout, the zone count or the VPC block
changes, so subnets that keep their names get new ranges and their replacements collide with the subnets they
replace (pulumi/pulumi-awsx#910). Here the block is cut into 16 equal slots: zone i's public subnet is slot i
and its private subnet slot 8 + i. Switching public to private only adds subnets, and another zone only adds
that zone's; no existing subnet moves. The hosted server's database subnets take the two slots between the
halves (6 and 7), which no zone count reaches.
"""

from __future__ import annotations

import ipaddress

#: The VPC block is cut into 2**SLOT_BITS slots; the private half starts at PRIVATE_OFFSET.
SLOT_BITS = 4
PRIVATE_OFFSET = 8
MAX_ZONES = 6
#: The database subnets' slots: past the last public zone's, before the private half.
DATABASE_SLOTS = (MAX_ZONES, MAX_ZONES + 1)


def subnet_cidrs(vpc_cidr_block: str, zones: int, *, private: bool) -> dict[str, list[str]]:
    """The CIDR of each subnet, by awsx subnet type ("Public", "Private"), one per zone in zone order."""
    if not 1 <= zones <= MAX_ZONES:
        raise ValueError(f"zones must be from 1 to {MAX_ZONES}, got {zones}")
    slots = list(ipaddress.IPv4Network(vpc_cidr_block).subnets(prefixlen_diff=SLOT_BITS))
    plan = {"Public": [str(slots[zone]) for zone in range(zones)]}
    if private:
        plan["Private"] = [str(slots[PRIVATE_OFFSET + zone]) for zone in range(zones)]
    return plan


def database_cidrs(vpc_cidr_block: str) -> list[str]:
    """The CIDRs of the hosted server's two database subnets (RDS needs two zones), in zone order."""
    slots = list(ipaddress.IPv4Network(vpc_cidr_block).subnets(prefixlen_diff=SLOT_BITS))
    return [str(slots[slot]) for slot in DATABASE_SLOTS]
