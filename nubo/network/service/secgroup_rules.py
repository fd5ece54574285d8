"""Security group rule checks and normal forms, as Neutron applies them (pure functions).

Neutron's converters and `_validate_base_security_group_rule_attributes` decide what a rule
means: protocol names or numbers ("any"/None for all), per-protocol port checks (TCP-like
protocols take port ranges, ICMP takes type/code 0-255), remote_ip_prefix normalised to a
CIDR whose family must match the ethertype, and the key that makes two rules duplicates.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from nubo.network import errors

PROTOCOLS: dict[str, int] = {
    "ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "hopopt": 0, "icmp": 1, "igmp": 2,
    "ip": 0, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58, "icmpv6": 58,
    "ipv6-nonxt": 59, "ipv6-opts": 60, "ipv6-route": 43, "ospf": 89, "pgm": 113, "rsvp": 46,
    "sctp": 132, "tcp": 6, "udp": 17, "udplite": 136, "vrrp": 112}
#: number -> name, first name wins (hopopt before ip, ipv6-icmp before icmpv6)
NUM_TO_NAME: dict[str, str] = {}
for _name, _num in PROTOCOLS.items():
    NUM_TO_NAME.setdefault(str(_num), _name)
PORT_PROTOCOLS = ("tcp", "udp", "dccp", "sctp", "udplite")
PORT_PROTOCOL_NUMS = (6, 17, 33, 132, 136)
ICMP_NUMS = (1, 58)
IPV6_ICMP_LEGACY = ("icmp", "icmpv6", "ipv6-icmp")
#: protocols that only exist for IPv6 (an IPv4 rule with them is refused)
IPV6_ONLY = ("ipv6-encap", "ipv6-frag", "ipv6-icmp", "icmpv6", "ipv6-nonxt", "ipv6-opts",
             "ipv6-route", "41", "44", "58", "59", "60", "43")
ETHERTYPES = ("IPv4", "IPv6")
SUPPORTED = (None, "any", *PROTOCOLS)


def convert_protocol(value: Any) -> str | None:
    if value is None or value == "any":
        return None
    err = errors.SecurityGroupRuleInvalidProtocol(protocol=value, values=SUPPORTED)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise err
    try:
        n = int(value)
    except ValueError:
        if str(value).lower() in PROTOCOLS:
            return str(value).lower()
        raise err from None
    if 0 <= n <= 255:
        return str(value)
    raise err


def convert_ethertype(value: Any) -> str:
    if isinstance(value, str):
        for e in ETHERTYPES:
            if e.lower() == value.lower():
                return e
    raise errors.SecurityGroupRuleInvalidEtherType(ethertype=value, values=list(ETHERTYPES))


def convert_port(value: Any) -> int | None:
    if value is None:
        return None
    try:
        n = int(value)
        if not isinstance(value, bool) and str(n) == str(value).strip() and 0 <= n <= 65535:
            return n
    except (TypeError, ValueError):
        pass
    raise errors.SecurityGroupInvalidPortValue(port=value)


def convert_prefix(value: Any) -> str | None:
    """With its netmask, host bits kept (netaddr's IPNetwork as Neutron stores it):
    "10.0.0.1" -> "10.0.0.1/32"; `normalized_cidr` shows the network."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_interface(str(value)))
    except ValueError:
        raise errors.InvalidCIDR(input=value) from None


def normalized_cidr(prefix: str | None) -> str | None:
    return str(ipaddress.ip_interface(prefix).network) if prefix else None


def _proto_number(protocol: str) -> int:
    return PROTOCOLS[protocol] if protocol in PROTOCOLS else int(protocol)


def _check_ports(rule: dict[str, Any]) -> None:
    lo, hi, proto = rule["port_range_min"], rule["port_range_max"], rule["protocol"]
    if lo is None and hi is None:
        return
    if not proto:
        raise errors.SecurityGroupProtocolRequiredWithPorts()
    num = _proto_number(proto)
    if num in PORT_PROTOCOL_NUMS:
        if lo == 0 or hi == 0:
            raise errors.SecurityGroupInvalidPortValue(port=0)
        if lo is None or hi is None or lo > hi:
            raise errors.SecurityGroupInvalidPortRange()
    elif num in ICMP_NUMS:
        for attr, field in (("port_range_min", "type"), ("port_range_max", "code")):
            if rule[attr] is not None and not 0 <= rule[attr] <= 255:
                raise errors.SecurityGroupInvalidIcmpValue(field=field, attr=attr,
                                                           value=rule[attr])
        if lo is None:
            raise errors.SecurityGroupMissingIcmpType(value=hi)
    else:
        names = ", ".join(p.upper() for p in PORT_PROTOCOLS)
        raise errors.SecurityGroupInvalidProtocolForPort(protocol=num,
                                                         valid_port_protocols=names)


def normalize(body: dict[str, Any]) -> dict[str, Any]:
    """The rule `body` asks for, converted and checked; a 400 naming the first problem."""
    rule = {
        "direction": body.get("direction"),
        "ethertype": convert_ethertype(body.get("ethertype", "IPv4")),
        "protocol": convert_protocol(body.get("protocol")),
        "port_range_min": convert_port(body.get("port_range_min")),
        "port_range_max": convert_port(body.get("port_range_max")),
        "remote_ip_prefix": convert_prefix(body.get("remote_ip_prefix")),
        "remote_group_id": body.get("remote_group_id"),
        "description": body.get("description") or "",
    }
    if rule["direction"] not in ("ingress", "egress"):
        raise errors.bad_request(f"Invalid input for direction. Reason: "
                                 f"'{rule['direction']}' is not in ['ingress', 'egress'].")
    if rule["ethertype"] == "IPv6":   # legacy IPv6 ICMP spellings become ipv6-icmp / 58
        if rule["protocol"] in IPV6_ICMP_LEGACY:
            rule["protocol"] = "ipv6-icmp"
        elif rule["protocol"] == "1":
            rule["protocol"] = "58"
    if rule["port_range_min"] == 1 and rule["port_range_max"] == 65535:
        rule["port_range_min"] = rule["port_range_max"] = None   # the whole range is no range
    _check_ports(rule)
    prefix = rule["remote_ip_prefix"]
    if prefix and rule["ethertype"] != f"IPv{ipaddress.ip_interface(prefix).version}":
        raise errors.SecurityGroupRuleParameterConflict(ethertype=rule["ethertype"],
                                                        cidr=body.get("remote_ip_prefix"))
    if rule["protocol"] in IPV6_ONLY and rule["ethertype"] == "IPv4":
        raise errors.SecurityGroupEthertypeConflictWithProtocol(ethertype=rule["ethertype"],
                                                                protocol=rule["protocol"])
    if prefix and rule["remote_group_id"]:
        raise errors.SecurityGroupMultipleRemoteEntites()
    return rule


def _proto_key(protocol: str | None, ethertype: str) -> str:
    if protocol is None:
        return "+"
    if ethertype == "IPv6" and protocol in IPV6_ICMP_LEGACY:
        protocol = "ipv6-icmp"
    if protocol in PROTOCOLS:
        return str(PROTOCOLS[protocol])
    return protocol


def rule_key(rule: dict[str, Any], security_group_id: str) -> tuple[Any, ...]:
    """Two rules with the same key are the same rule (`any` prefixes equal no prefix,
    "tcp" equals "6"), as Neutron's `_rule_to_key`."""
    prefix = rule.get("remote_ip_prefix")
    if prefix in ("0.0.0.0/0", "::/0"):
        prefix = None
    return (rule["direction"], rule["ethertype"], rule.get("port_range_max"),
            rule.get("port_range_min"), _proto_key(rule.get("protocol"), rule["ethertype"]),
            rule.get("remote_group_id"), prefix, security_group_id)

