"""Hypervisors (os-hypervisors at 2.1): each compute host with its size and what its
instances use. The integer id is the host's nova-compute service id."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from nubo.compute import errors
from nubo.compute.models import ComputeHost, Instance
from nubo.compute.service.services import Service, ServiceRegistry
from nubo.core.db import Database
from nubo.core.errors import NotFound

HYPERVISOR_VERSION = 1000


@dataclass
class Hypervisor:
    host: ComputeHost
    service: Service
    vcpus_used: int = 0
    memory_mb_used: int = 0
    local_gb_used: int = 0
    running_vms: int = 0
    current_workload: int = 0
    servers: list[tuple[str, str]] | None = None   # (instance name, uuid)

    @property
    def id(self) -> int:
        return self.service.id


def not_found(raw: str) -> NotFound:
    return errors.HypervisorNotFound(hypervisor_id=raw)


class HypervisorService:
    def __init__(self, db: Database, services: ServiceRegistry, host_ip: str,
                 local_hosts: Callable[[], set[str]]) -> None:
        self.db = db
        self.services = services
        self.host_ip = host_ip
        self._local_hosts = local_hosts   # () -> names of hosts whose agent runs here

    async def all(self, servers: bool = False) -> list[Hypervisor]:
        svcs = {s.host: s for s in await self.services.find(binary="nova-compute")}
        hosts = [h for h in await self.services.hosts() if h.name in svcs]
        found = {h.name: Hypervisor(h, svcs[h.name]) for h in hosts}
        async with self.db.read() as s:
            rows = (await s.execute(select(
                Instance.id, Instance.seq, Instance.host, Instance.vcpus, Instance.memory_mb,
                Instance.flavor, Instance.task_state).where(
                Instance.deleted.is_(False), Instance.host.in_(list(found))).order_by(
                Instance.created_at))).all()
        for iid, seq, host, vcpus, mem, flavor, task in rows:
            hv = found[host]
            hv.vcpus_used += vcpus
            hv.memory_mb_used += mem
            hv.local_gb_used += int(flavor.get("disk", 0)) + int(flavor.get("ephemeral", 0))
            hv.running_vms += 1
            hv.current_workload += task is not None
            if servers:
                hv.servers = (hv.servers or []) + [(f"instance-{seq:08x}", iid)]
        return list(found.values())

    async def get(self, raw_id: str, by_uuid: bool = False) -> Hypervisor:
        """By the integer id, or from 2.53 by the compute node's uuid (its provider's)."""
        if by_uuid:
            for hv in await self.all():
                if hv.host.provider_uuid == raw_id:
                    return hv
            raise not_found(raw_id)
        try:
            wanted = int(raw_id)
        except ValueError:
            raise not_found(raw_id) from None
        for hv in await self.all():
            if hv.id == wanted:
                return hv
        raise not_found(raw_id)

    async def search(self, pattern: str, servers: bool = False) -> list[Hypervisor]:
        """Hosts whose name contains `pattern` (Nova's LIKE %pattern%); 404 if none."""
        found = [hv for hv in await self.all(servers) if pattern in hv.host.name]
        if not found:
            raise errors.HypervisorNotFoundByPattern(pattern=pattern)
        return found

    async def statistics(self) -> dict[str, int]:
        hvs = await self.all()
        total = {k: 0 for k in ("count", "vcpus", "memory_mb", "local_gb", "vcpus_used",
                                "memory_mb_used", "local_gb_used", "free_ram_mb",
                                "free_disk_gb", "current_workload", "running_vms",
                                "disk_available_least")}
        for hv in hvs:
            for k, v in detail_numbers(hv).items():
                total[k] += v
            total["count"] += 1
        return total

    async def uptime(self, raw_id: str) -> tuple[Hypervisor, str]:
        hv = await self.get(raw_id)
        if not hv.service.up:
            raise errors.ComputeServiceUnavailable(host=hv.host.name)
        if hv.host.name not in self._local_hosts():
            raise errors.UptimeNotImplemented()
        text = host_uptime()
        if text is None:
            raise errors.UptimeNotImplemented()
        return hv, text


def detail_numbers(hv: Hypervisor) -> dict[str, int]:
    h = hv
    return {"vcpus": h.host.vcpus, "memory_mb": h.host.memory_mb, "local_gb": h.host.local_gb,
            "vcpus_used": h.vcpus_used, "memory_mb_used": h.memory_mb_used,
            "local_gb_used": h.local_gb_used,
            "free_ram_mb": h.host.memory_mb - h.memory_mb_used,
            "free_disk_gb": h.host.local_gb - h.local_gb_used,
            "current_workload": h.current_workload, "running_vms": h.running_vms,
            "disk_available_least": h.host.local_gb - h.local_gb_used}


def cpu_info() -> str:
    return json.dumps({"arch": platform.machine() or "x86_64", "model": "", "vendor": "",
                       "topology": {"cells": 1, "sockets": 1, "cores": os.cpu_count() or 1,
                                    "threads": 1}, "features": []})


def host_ip(configured: str) -> str:
    """The address shown as host_ip: the configured one when it is a real address."""
    with contextlib.suppress(ValueError):
        addr = ipaddress.ip_address(configured)
        if not addr.is_unspecified:
            return str(addr)
    return "127.0.0.1"


def host_uptime() -> str | None:
    """What `uptime` prints on this machine (the libvirt driver returns that text)."""
    try:
        with open("/proc/uptime") as f:
            seconds = int(float(f.read().split()[0]))
        load = os.getloadavg()
    except (OSError, ValueError, IndexError):
        return None
    days, rest = divmod(seconds, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    up = f"{days} day{'s' if days != 1 else ''}, " if days else ""
    return (f" {time.strftime('%H:%M:%S')} up {up}{hours}:{minutes:02d},  0 users,  "
            f"load average: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
