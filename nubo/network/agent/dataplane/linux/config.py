"""How the Linux dataplane of one host is set up (its data dir, the physical interfaces and
bridge mappings, the VXLAN endpoint, the nftables table, where metadata is reached)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class LinuxConfig:
    data_dir: Path
    host_netns: str | None = None           # a namespace standing in for the host (tests)
    physical_interfaces: dict[str, str] = field(default_factory=dict)
    bridge_mappings: dict[str, str] = field(default_factory=lambda: {"public": "br-ex"})
    vtep_ip: str | None = None
    vtep_dev: str | None = None
    nft_table: str = "nubo"
    metadata_url: str = "http://127.0.0.1:8775"
    metadata_port: int = 80
    #: where dnsmasq's files go; None: under data_dir when others can reach it, else in
    #: the data dir's runtime dir under /run (see rundir.py)
    dhcp_dir: Path | None = None
