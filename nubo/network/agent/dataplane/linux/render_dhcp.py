"""dnsmasq for one network rendered as data: its command line, hosts file and options file.

The command line is Neutron's (`--no-hosts --no-resolv --bind-interfaces`, one static
`--dhcp-range` per DHCP-enabled subnet tagged `subnet-<id>`): dnsmasq answers only the MACs in
the hosts file, with exactly the addresses the API shows. Hosts and options are re-read on
SIGHUP; a changed command line needs a restart (the applier compares them).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nubo.network.agent.dataplane.base import (
    DHCP_OWNER,
    METADATA_IP,
    ROUTER_INTERFACE_OWNERS,
    DataplaneError,
    DhcpOption,
    NetworkSpec,
    PortSpec,
    SubnetSpec,
)
from nubo.network.names import dhcp_dev_name

LEASE_SECONDS = 86400
CLIENT_ID = ("client-id", "61")     # sent by the client, matched in the hosts file
DOMAIN = "openstacklocal"


@dataclass(frozen=True)
class DhcpConfig:
    args: tuple[str, ...]       # dnsmasq's arguments (without the program name)
    hosts: str
    opts: str
    interface: str              # ns-<port> in the qdhcp namespace
    addresses: tuple[str, ...]  # CIDRs on the interface (the DHCP port's fixed IPs)
    dhcp_port: PortSpec
    isolated: bool              # no router on the network: metadata is served from here


def dhcp_port_of(net: NetworkSpec, ports: Sequence[PortSpec]) -> PortSpec:
    for p in sorted(ports, key=lambda p: p.id):
        if p.network_id == net.id and p.device_owner == DHCP_OWNER:
            return p
    raise DataplaneError(f"network {net.id} has no {DHCP_OWNER} port to serve DHCP from")


def _hostname(ip: str) -> str:
    return "host-" + ip.replace(".", "-").replace(":", "-")


def _dhcp_subnets(net: NetworkSpec) -> list[SubnetSpec]:
    return [s for s in net.subnets if s.enable_dhcp and s.ip_version == 4]


def _subnet_ip(port: PortSpec, subnet: SubnetSpec) -> str | None:
    for ip in port.fixed_ips:
        if ip.subnet_id == subnet.id:
            return ip.ip_address
    return None


def _routes(subnet: SubnetSpec, dhcp_ip: str | None, isolated: bool) -> list[str]:
    """Classless static routes (option 121): when a client gets them it ignores option 3,
    so the default route is listed too."""
    out: list[str] = []
    if isolated and dhcp_ip:
        out += [f"{METADATA_IP}/32", dhcp_ip]
    for r in subnet.host_routes:
        out += [r.destination, r.nexthop]
    if subnet.gateway_ip:
        out += ["0.0.0.0/0", subnet.gateway_ip]
    return out


def port_tag(port: PortSpec) -> str:
    return f"port-{port.id}"


def _client_id(port: PortSpec) -> str | None:
    return next((o.value for o in port.extra_dhcp_opts
                 if o.ip_version == 4 and o.name in CLIENT_ID), None)


def _port_opts(port: PortSpec) -> list[DhcpOption]:
    """The port's IPv4 extra options sent as options (client-id goes in the hosts file)."""
    return [o for o in port.extra_dhcp_opts if o.ip_version == 4 and o.name not in CLIENT_ID]


def _host_line(port: PortSpec, ip: str) -> str:
    """Neutron's hosts-file line: `mac,[id:client-id,]name,ip[,set:port-<id>]`; the tag
    selects the port's own options in the options file."""
    fields = [port.mac_address.lower()]
    cid = _client_id(port)
    if cid:
        fields.append(f"id:{cid}")
    fields += [f"{_hostname(ip)}.{DOMAIN}", ip]
    if _port_opts(port):
        fields.append(f"set:{port_tag(port)}")
    return ",".join(fields)


def format_option(tag: str, opt: DhcpOption) -> str:
    """`tag:<tag>,[tag:<extra>,]option:<name>|<number>[,<value>]` as Neutron writes it: an
    option name may carry its own `tag:x,` prefix; an empty value sends the option empty."""
    name = opt.name
    extra = None
    if name.startswith("tag:") and "," in name:
        extra, name = name.split(",", 1)
    option = name if name.isdigit() else f"option:{name}"
    parts = [f"tag:{tag}", *([extra] if extra else []), option]
    if opt.value:
        parts.append(opt.value)
    return ",".join(parts)


def render_dhcp(net: NetworkSpec, ports: Sequence[PortSpec], data_dir: Path) -> DhcpConfig:
    """The DHCP server's files for the network; `ports` are the network's ports."""
    dport = dhcp_port_of(net, ports)
    subnets = _dhcp_subnets(net)
    isolated = not any(p.network_id == net.id and p.device_owner in ROUTER_INTERFACE_OWNERS
                       for p in ports)
    iface = dhcp_dev_name(dport.id)
    args = ["--no-hosts", "--no-resolv", "--conf-file=/dev/null",
            f"--pid-file={data_dir / 'pid'}", f"--dhcp-hostsfile={data_dir / 'host'}",
            f"--dhcp-optsfile={data_dir / 'opts'}", f"--dhcp-leasefile={data_dir / 'leases'}",
            "--bind-interfaces", f"--interface={iface}", "--except-interface=lo",
            f"--domain={DOMAIN}", "--dhcp-authoritative", "--local-service"]
    hosts: list[str] = []
    opts: list[str] = []
    addresses: list[str] = []
    for s in subnets:
        cidr = ipaddress.ip_network(s.cidr, strict=False)
        tag = f"subnet-{s.id}"
        args.append(f"--dhcp-range=set:{tag},{cidr.network_address},static,{cidr.netmask},"
                    f"{LEASE_SECONDS}s")
        dhcp_ip = _subnet_ip(dport, s)
        if dhcp_ip:
            addresses.append(f"{dhcp_ip}/{cidr.prefixlen}")
        if s.gateway_ip:
            opts.append(f"tag:{tag},option:router,{s.gateway_ip}")
        else:
            opts.append(f"tag:{tag},option:router")     # no default route offered
        dns = list(s.dns_nameservers) or ([dhcp_ip] if dhcp_ip else [])
        if dns:
            opts.append(f"tag:{tag},option:dns-server,{','.join(dns)}")
        routes = _routes(s, dhcp_ip, isolated)
        if routes:
            opts.append(f"tag:{tag},option:classless-static-route,{','.join(routes)}")
            opts.append(f"tag:{tag},249,{','.join(routes)}")    # the same for Windows
        if net.mtu:
            opts.append(f"tag:{tag},option:mtu,{net.mtu}")
        for p in sorted(ports, key=lambda p: p.id):
            ip = _subnet_ip(p, s)
            if p.network_id == net.id and ip and p.id != dport.id:
                hosts.append(_host_line(p, ip))
    # Per-port options last: dnsmasq prefers them to the subnet's for the same option.
    served = {ln.split(",", 1)[0] for ln in hosts}
    for p in sorted(ports, key=lambda p: p.id):
        if p.network_id == net.id and p.id != dport.id and p.mac_address.lower() in served:
            opts += [format_option(port_tag(p), o) for o in _port_opts(p)]
    return DhcpConfig(args=tuple(args), hosts="".join(h + "\n" for h in hosts),
                      opts="".join(o + "\n" for o in opts), interface=iface,
                      addresses=tuple(addresses), dhcp_port=dport, isolated=isolated)
