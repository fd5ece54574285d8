"""`nubo host cleanup`: remove from the host what one data dir's cloud left there after it
stopped (as Neutron's agents, its dataplane and the libvirtd it started outlive it).

In order: this data dir's libvirt domains (compute/virt/libvirt/cleanup.py), the dataplane's
processes, namespaces, links and nft tables (network/dataplane/linux/cleanup.py, from the
networks, routers and ports the database records and the pid files under the data dir), the
libvirtd/virtlogd a node started when no domain is left on it, and with `purge` the data dir.
Nothing that the data dir does not name is touched.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from sqlalchemy import select

from nubo.config import Settings
from nubo.core.db import Database
from nubo.network.agent.dataplane.linux.cleanup import Owned


async def owned_from_db(db: Database) -> Owned:
    """The networks (with their VXLAN VNIs), routers and ports the database records."""
    from nubo.network import models as m
    from nubo.network.models_l3 import Router
    owned = Owned()
    async with db.read() as s:
        for nid in (await s.execute(select(m.Network.id))).scalars():
            owned.networks[nid] = None
        for nid, vni in (await s.execute(select(m.NetworkSegment.network_id,
                                                m.NetworkSegment.segmentation_id).where(
                m.NetworkSegment.network_type == "vxlan"))).all():
            owned.networks[nid] = vni
        owned.routers = set((await s.execute(select(Router.id))).scalars())
        owned.ports = set((await s.execute(select(m.Port.id))).scalars())
    return owned


async def host_cleanup(settings: Settings, purge: bool = False) -> list[str]:
    """Clean the host of this data dir's cloud; returns what was removed, one line each."""
    from nubo.compute.agent.virt.libvirt.cleanup import (
        defined_domains,
        destroy_domains,
        qemu_processes,
        stop_started_daemons,
    )
    from nubo.compute.agent.virt.libvirt.host import LibvirtHost, _pid_alive
    from nubo.network.agent.dataplane.linux.cleanup import clean_dataplane
    data_dir = settings.data_dir
    done: list[str] = []
    host = LibvirtHost(uri=settings.libvirt_uri)
    running = {n: _pid_alive(host.run_dir / f"nubo-{n}.pid") for n in ("libvirtd", "virtlogd")}
    guests = bool(await asyncio.to_thread(qemu_processes, data_dir))
    guests = guests or bool(await asyncio.to_thread(defined_domains, data_dir))
    if guests and not host.reachable():
        # its guests (running, or only defined) outlived the libvirtd its node stopped: one
        # is needed to destroy and undefine them
        conn = await asyncio.to_thread(host.ensure)
        conn.close()    # left open, it writes to the stopped daemon: SIGPIPE kills us
        done.append("started libvirtd to destroy this data dir's guests")
    try:
        domains, left = await asyncio.to_thread(destroy_domains, data_dir,
                                                settings.libvirt_uri)
    finally:
        # stop only what the cleanup itself started (not a daemon another node had running)
        host.started = {n: f for n, f in host.started.items() if _pid_alive(f) != running[n]}
        done += [f"{n} (started for the cleanup)" for n in sorted(host.started)]
        await asyncio.to_thread(host.stop)
    done += [f"domain {d}" for d in domains]
    owned = Owned()
    db_file = data_dir / "nubo.db"
    if settings.database_url or db_file.exists():
        db = Database(settings.db_url)
        try:
            owned = await owned_from_db(db)
        finally:
            await db.dispose()
    network_dir = data_dir / "network"
    if network_dir.is_dir():    # only a Linux dataplane makes it: a noop cloud made nothing
        owned.add_files(network_dir)
        # pyroute2's calls must not run on the event loop's thread
        done += await asyncio.to_thread(clean_dataplane, network_dir, owned)
    if left == 0:
        done += [f"{d} (started by nubo)" for d in stop_started_daemons(data_dir)]
    else:
        done.append(f"kept the libvirtd: {left} other domain(s) on it")
    if purge and data_dir.exists():
        shutil.rmtree(data_dir)
        done.append(f"data dir {data_dir}")
    return done


def still_running(data_dir: Path) -> bool:
    """Whether a `nubo up` on this data dir runs: it holds the data dir's lock
    (core/running.py), or (an older release) its metadata socket answers."""
    import socket

    from nubo.core import running
    from nubo.metadata.serve import socket_path
    if running.held(data_dir):
        return True
    path = socket_path(data_dir)
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX) as s:
        try:
            s.connect(str(path))
            return True
        except OSError:
            return False


def purge_refused(data_dir: Path) -> str | None:
    """Why --purge must not remove `data_dir` (None: it may)."""
    if not (data_dir / "nubo.db").exists() and not (data_dir / "keys").exists():
        return f"{data_dir} does not look like a Nubo data dir (no nubo.db, no keys/)"
    return None
