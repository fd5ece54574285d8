"""`nubo doctor`: what an operator checks at 3 a.m., each with its fix.

Every check is independent and says ok, warn or fail; `nubo doctor` exits non-zero when any
fails. Checks that need the database are skipped (with a fail of their own) when it cannot be
reached.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select, text

from nubo.compute.conductor.manager import HOST_DOWN_AFTER
from nubo.compute.models import ComputeHost
from nubo.config import Settings
from nubo.core.db import Database, utcnow
from nubo.ops.dbdump import kind_of
from nubo.ops.schema import schema_state

OK, WARN, FAIL = "ok", "warn", "fail"
#: Keystone's advice: rotate Fernet keys at least as often as tokens can live, and regularly
KEY_MAX_AGE = timedelta(days=30)
MIN_FREE_BYTES = 2 * 2**30
MIN_FREE_FRACTION = 0.05
#: more than this between our clock and the database server's is worth a look
MAX_SKEW = timedelta(seconds=5)
NETWORK_TOOLS = ("ip", "nft", "dnsmasq")


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""

    @property
    def line(self) -> str:
        tail = f"\n      fix: {self.fix}" if self.fix and self.status != OK else ""
        return f"[{self.status:>4}] {self.name}: {self.detail}{tail}"


def run(settings: Settings, url: str | None = None) -> list[Check]:
    checks = [check_api(url or settings.base_url), *check_database(settings),
              check_broker(), check_virt(settings), check_tools(settings),
              check_disk(settings.data_dir), check_keys(settings.data_dir)]
    return checks


def check_api(url: str) -> Check:
    try:
        r = httpx.get(f"{url}/healthz", timeout=5)
    except httpx.HTTPError as exc:
        return Check("api", FAIL, f"{url} does not answer ({exc})",
                     "start it: `nubo up` (or see its log in DATA_DIR/logs/nubo.log)")
    if r.status_code != 200:
        return Check("api", WARN, f"{url}/healthz says {r.status_code} {r.text[:200]}",
                     "it is still starting; if this lasts, read DATA_DIR/logs/nubo.log")
    return Check("api", OK, f"{url} is serving")


def check_database(settings: Settings) -> list[Check]:
    url = settings.db_url
    try:
        state = schema_state(url)
    except Exception as exc:  # noqa: BLE001 - any driver's error is the answer
        return [Check("database", FAIL, f"cannot reach {_safe_url(url)}: {exc}",
                      "start the database server, or fix --database-url / NUBO_DATABASE_URL")]
    out = [Check("database", OK, f"{kind_of(url)} reachable"),
           Check("schema", OK if state.current else FAIL, state.line,
                 "nubo db upgrade (with the cloud stopped, or let `nubo up` do it)")]
    if not state.at:
        return out      # nothing created yet: no services to look at
    return out + asyncio.run(_from_database(
        url, timedelta(seconds=settings.service_down_time)))


async def _from_database(url: str, down_after: timedelta = HOST_DOWN_AFTER) -> list[Check]:
    """`down_after`: Nova's service_down_time."""
    db = Database(url)
    try:
        now = utcnow()
        async with db.read() as s:
            hosts = list(await s.execute(select(ComputeHost.name, ComputeHost.last_seen,
                                                ComputeHost.forced_down, ComputeHost.disabled)))
            skew = None
            if not db.is_sqlite:     # the database server's clock against ours, in UTC
                q = "SELECT UTC_TIMESTAMP()" if db.url.startswith("mysql") else "SELECT now()"
                db_now = (await s.execute(text(q))).scalar()
                if isinstance(db_now, datetime):
                    if db_now.tzinfo is not None:
                        db_now = db_now.astimezone(UTC).replace(tzinfo=None)
                    skew = abs(db_now - utcnow())
    finally:
        await db.dispose()
    down = [h.name for h in hosts if h.forced_down or now - h.last_seen > down_after]
    disabled = [h.name for h in hosts if h.disabled]
    if not hosts:
        svc = Check("compute services", WARN, "no compute host has registered",
                    "start the cloud (`nubo up`) or a host agent")
    elif down:
        svc = Check("compute services", FAIL, f"{len(down)} of {len(hosts)} down: "
                    f"{', '.join(sorted(down)[:10])}",
                    "is `nubo up` running? A host that is gone for good: "
                    "openstack compute service delete; forced down: "
                    "openstack compute service set --up HOST nova-compute")
    else:
        svc = Check("compute services", OK, f"{len(hosts)} up" +
                    (f", {len(disabled)} disabled ({', '.join(disabled[:10])})"
                     if disabled else ""))
    out = [svc]
    if skew is not None:
        out.append(Check("clock", OK if skew <= MAX_SKEW else WARN,
                         f"database server's clock differs by {skew.total_seconds():.1f} s",
                         "run an NTP client (chrony) on every host"))
    return out


def check_broker() -> Check:
    return Check("broker", OK, "in-process bus (no message broker configured)")


def check_virt(settings: Settings) -> Check:
    if settings.virt == "fake":
        return Check("hypervisor", OK, "--virt fake: simulated hosts, no libvirt needed")
    from nubo.compute.agent.virt.libvirt.host import LibvirtHost
    host = LibvirtHost(uri=settings.libvirt_uri)
    if not shutil.which("qemu-system-x86_64") or not shutil.which("qemu-img"):
        why: str | None = "QEMU is not installed"
    elif host.reachable():
        why, daemon = None, f"libvirtd answers at {settings.libvirt_uri}"
    else:
        why, daemon = host.can_start(), "libvirtd is not running (`nubo up` starts it)"
    if why:
        status = FAIL if settings.virt == "libvirt" else WARN
        return Check("hypervisor", status, f"libvirt not usable: {why}" +
                     ("" if status == FAIL else " (--virt auto falls back to fake)"),
                     "apt-get install libvirt-daemon-system qemu-system-x86 qemu-utils")
    verdict = _kvm_verdict(settings.data_dir)
    return Check("hypervisor", OK if verdict.startswith("KVM") else WARN,
                 f"{daemon}; {verdict}",
                 "guests run under QEMU TCG (slow): enable KVM (nested virtualisation, "
                 "permissions on /dev/kvm), then delete DATA_DIR/cache/kvm-probe.json")


def _kvm_verdict(data_dir: Path) -> str:
    import json
    try:
        doc = json.loads((data_dir / "cache" / "kvm-probe.json").read_text())
        return "KVM" if doc.get("virt_type") == "kvm" else \
            f"QEMU TCG (KVM probe failed: {doc.get('reason')})"
    except (OSError, ValueError):
        ok = os.access("/dev/kvm", os.R_OK | os.W_OK)
        return ("KVM not probed yet (/dev/kvm " + ("accessible" if ok else "missing") +
                "); `nubo up` probes it")


def check_tools(settings: Settings, which: Callable[[str], str | None] = shutil.which
                ) -> Check:
    missing = [t for t in NETWORK_TOOLS if which(t) is None]
    if not missing:
        return Check("network tools", OK, ", ".join(NETWORK_TOOLS) + " present")
    status = FAIL if settings.network == "linux" else WARN
    return Check("network tools", status, f"missing: {', '.join(missing)} (the Linux "
                 "dataplane needs them; without them guests get no network)",
                 "apt-get install iproute2 nftables dnsmasq-base")


def check_disk(data_dir: Path) -> Check:
    where = data_dir if data_dir.exists() else data_dir.parent
    try:
        du = shutil.disk_usage(where)
    except OSError as exc:
        return Check("disk", FAIL, f"{data_dir}: {exc}", "create the data dir's parent")
    free, frac = du.free, du.free / du.total if du.total else 0.0
    detail = f"{free / 2**30:.1f} GiB free ({frac:.0%}) under {where}"
    if free < MIN_FREE_BYTES or frac < MIN_FREE_FRACTION:
        return Check("disk", FAIL, detail, "free space: delete unused images and snapshots, "
                     "or move the data dir to a bigger file system")
    if frac < 2 * MIN_FREE_FRACTION:
        return Check("disk", WARN, detail, "free some space soon")
    return Check("disk", OK, detail)


def check_keys(data_dir: Path) -> Check:
    repo = data_dir / "keys" / "fernet"
    keys = [p for p in repo.iterdir() if p.name.isdigit()] if repo.is_dir() else []
    if not keys:
        return Check("token keys", WARN, f"no Fernet keys in {repo}",
                     "the first `nubo up` creates them")
    primary = max(keys, key=lambda p: int(p.name))
    age = timedelta(seconds=max(0.0, _now() - primary.stat().st_mtime))
    detail = f"primary key {primary.name} is {age.days} days old"
    if age > KEY_MAX_AGE:
        return Check("token keys", WARN, detail,
                     "nubo keys rotate (tokens issued before stay valid)")
    return Check("token keys", OK, detail)


def _now() -> float:
    import time
    return time.time()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)
