"""What a guest learns about itself: Nova's OpenStack and EC2 metadata, as pure data.

The same documents are served at 169.254.169.254 (nubo/metadata/app.py) and written to config
drives (nubo/guest/configdrive.py), so that a guest sees the same facts either way, as in Nova
(nova/api/metadata/base.py is the reference for every key).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: The OpenStack metadata versions Nova serves, oldest first; "latest" is added to listings.
OPENSTACK_VERSIONS = ("2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30",
                      "2016-10-06", "2017-02-22", "2018-08-27", "2020-10-14")
EC2_VERSIONS = ("1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15",
                "2008-02-01", "2008-09-01", "2009-04-04")
OPENSTACK_FILES = ("meta_data.json", "network_data.json", "vendor_data.json",
                   "vendor_data2.json", "user_data")


@dataclass(frozen=True)
class PortFacts:
    """One of the instance's ports with its addresses (as the network API shows them)."""

    id: str
    network_id: str
    mac: str
    fixed_ips: tuple[tuple[str, str], ...]   # (ip address, subnet cidr)
    mtu: int = 1500
    gateway: str | None = None
    dns_servers: tuple[str, ...] = ()
    dhcp: bool = True
    floating_ips: tuple[str, ...] = ()
    host_routes: tuple[tuple[str, str], ...] = ()   # (destination cidr, nexthop)


@dataclass(frozen=True)
class InstanceFacts:
    uuid: str
    seq: int                       # the instance number: instance-%08x, i-%08x
    name: str
    hostname: str
    project_id: str
    availability_zone: str | None = None
    launch_index: int = 0
    reservation_id: str = ""
    key_name: str | None = None
    key_data: str | None = None
    user_data: str | None = None   # base64, as the compute API received it
    metadata: Mapping[str, str] = field(default_factory=dict)
    flavor_name: str = ""
    image_ref: str | None = None
    security_groups: tuple[str, ...] = ()
    launched_at: datetime | None = None
    ports: tuple[PortFacts, ...] = ()


def _key_type(key: str) -> str:
    return "x509" if "BEGIN CERTIFICATE" in key else "ssh"


def random_seed(facts: InstanceFacts) -> str:
    """512 bytes for the guest's entropy pool, different per instance (Nova: os.urandom)."""
    seed = b"".join(hashlib.sha512(f"{facts.uuid}:{i}".encode() + _SALT).digest()
                    for i in range(8))
    return base64.b64encode(seed).decode()


_SALT = hashlib.sha256(b"nubo-metadata").digest()


def meta_data(facts: InstanceFacts) -> dict[str, Any]:
    """openstack/<version>/meta_data.json."""
    doc: dict[str, Any] = {
        "uuid": facts.uuid, "meta": dict(facts.metadata), "hostname": facts.hostname,
        "name": facts.name, "launch_index": facts.launch_index,
        "availability_zone": facts.availability_zone, "project_id": facts.project_id,
        "random_seed": random_seed(facts), "devices": [], "dedicated_cpus": [],
    }
    if facts.key_name and facts.key_data:
        doc["public_keys"] = {facts.key_name: facts.key_data}
        doc["keys"] = [{"name": facts.key_name, "type": _key_type(facts.key_data),
                        "data": facts.key_data}]
    return doc


def user_data(facts: InstanceFacts) -> bytes | None:
    if facts.user_data is None:
        return None
    try:
        return base64.b64decode(facts.user_data)
    except ValueError:          # the API validates it; an old row may not have been
        return facts.user_data.encode()


def network_data(facts: InstanceFacts) -> dict[str, Any]:
    """openstack/<version>/network_data.json: links, networks and DNS services per port."""
    links, networks, services = [], [], []
    seen_dns: set[str] = set()
    for i, port in enumerate(facts.ports):
        link = f"tap{port.id[:11]}"
        links.append({"id": link, "vif_id": port.id, "type": "bridge", "mtu": port.mtu,
                      "ethernet_mac_address": port.mac})
        for j, (ip, cidr) in enumerate(port.fixed_ips):
            net = ipaddress.ip_network(cidr, strict=False)
            v6 = net.version == 6
            routes = [{"network": "::" if v6 else "0.0.0.0", "netmask": "::" if v6 else "0.0.0.0",
                       "gateway": port.gateway}] if port.gateway else []
            for dest, hop in port.host_routes:
                d = ipaddress.ip_network(dest, strict=False)
                routes.append({"network": str(d.network_address), "netmask": str(d.netmask),
                               "gateway": hop})
            kind = ("ipv6_dhcp" if v6 else "ipv4_dhcp") if port.dhcp else \
                ("ipv6" if v6 else "ipv4")
            entry: dict[str, Any] = {"id": f"network{i}" if j == 0 else f"network{i}-{j}",
                                     "type": kind, "link": link, "network_id": port.network_id}
            if not port.dhcp:
                entry |= {"ip_address": ip, "netmask": str(net.netmask), "routes": routes,
                          "services": [{"type": "dns", "address": d}
                                       for d in port.dns_servers]}
            networks.append(entry)
        for dns in port.dns_servers:
            if dns not in seen_dns:
                seen_dns.add(dns)
                services.append({"type": "dns", "address": dns})
    return {"links": links, "networks": networks, "services": services}


def openstack_file(facts: InstanceFacts, name: str) -> bytes | None:
    """One file of openstack/<version>/; None when it does not exist (user_data unset)."""
    if name == "meta_data.json":
        return _json(meta_data(facts))
    if name == "network_data.json":
        return _json(network_data(facts))
    if name in ("vendor_data.json", "vendor_data2.json"):
        return _json({})
    if name == "user_data":
        return user_data(facts)
    return None


def _json(doc: Mapping[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True).encode()


def ec2_meta_data(facts: InstanceFacts) -> dict[str, Any]:
    """The EC2 `meta-data/` tree: nested dicts are directories, strings are files."""
    ips = [ip for p in facts.ports for ip, cidr in p.fixed_ips
           if ipaddress.ip_network(cidr, strict=False).version == 4]
    floating = [f for p in facts.ports for f in p.floating_ips]
    tree: dict[str, Any] = {
        "ami-id": _ec2_id("ami", facts.image_ref),
        "ami-launch-index": str(facts.launch_index),
        "ami-manifest-path": "FIXME",
        "block-device-mapping": {"ami": "vda", "root": "/dev/vda"},
        "hostname": facts.hostname,
        "instance-action": "none",
        "instance-id": f"i-{facts.seq:08x}",
        "instance-type": facts.flavor_name,
        "local-hostname": facts.hostname,
        "local-ipv4": ips[0] if ips else "",
        "placement": {"availability-zone": facts.availability_zone or ""},
        "public-hostname": facts.hostname,
        "public-ipv4": floating[0] if floating else "",
        "reservation-id": facts.reservation_id,
        "security-groups": "\n".join(facts.security_groups),
    }
    if facts.key_name and facts.key_data:
        tree["public-keys"] = {f"0={facts.key_name}": {"openssh-key": facts.key_data}}
    return tree


def _ec2_id(prefix: str, ref: str | None) -> str:
    if not ref:
        return ""
    return f"{prefix}-{int(hashlib.sha1(ref.encode()).hexdigest()[:8], 16):08x}"


def ec2_lookup(tree: Mapping[str, Any], path: str) -> str | None:
    """The text at `path` below meta-data/: a listing for a directory (names of directories
    end in '/'; a public key lists as its index), the value for a file, None when absent."""
    node: Any = tree
    for part in [p for p in path.split("/") if p]:
        if not isinstance(node, Mapping):
            return None
        if part in node:
            node = node[part]
            continue
        # public-keys/0 addresses the entry listed as "0=name"
        match = [k for k in node if k.split("=", 1)[0] == part]
        if not match:
            return None
        node = node[match[0]]
    if isinstance(node, Mapping):
        return "\n".join(k.split("=", 1)[0] + "/" if isinstance(v, Mapping) and "=" not in k
                         else k for k, v in node.items())
    return str(node)


def config_drive_documents(facts: InstanceFacts) -> dict[str, Any]:
    """The arguments of nubo.guest.configdrive.config_drive_files for this instance."""
    return {"meta_data": meta_data(facts), "user_data": user_data(facts),
            "network_data": network_data(facts), "vendor_data": {}}

