"""The libvirt virt driver: every instance is a persistent libvirt domain running QEMU
(KVM when the probe says it works, TCG otherwise), as Nova's libvirt driver runs them.

All blocking libvirt calls run in threads (asyncio.to_thread); one lock per instance keeps
two operations on one domain apart. spawn either fully succeeds or removes what it made
(domain, disks, directory). Domains are named instance-%08x and carry the instance id as
their UUID, so `virsh list` and libvirt's tools show what Nova would show.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import shutil
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nubo.compute import states
from nubo.compute.agent.virt.base import HostInventory, InstanceSpec, SpawnFailed, VifSpec
from nubo.compute.agent.virt.libvirt import caps as capsmod
from nubo.compute.agent.virt.libvirt import events, probe
from nubo.compute.agent.virt.libvirt.cleanup import record_started
from nubo.compute.agent.virt.libvirt.config import (
    DiskConfig,
    DomainConfig,
    DomainConfigError,
    HostCapabilities,
    NicConfig,
    NovaMetadata,
    SmbiosConfig,
    derive_guest_options,
    disk_target_dev,
)
from nubo.compute.agent.virt.libvirt.disks import DiskSet, InstanceDisks
from nubo.compute.agent.virt.libvirt.host import LibvirtHost
from nubo.compute.agent.virt.libvirt.imagecache import Fetch, ImageCache, run
from nubo.compute.agent.virt.libvirt.nics import InterfaceEditor, tap_missing, vif_dev
from nubo.compute.agent.virt.libvirt.volumes import VolumeEditor
from nubo.compute.agent.virt.libvirt.xml import domain_xml

LOG = logging.getLogger("nubo.compute.libvirt")
EventHandler = Callable[[str, int], Coroutine[Any, Any, None]]


@dataclass
class LibvirtOptions:
    data_dir: Path
    uri: str = "qemu:///system"
    virt_type: str = "auto"             # auto (probe) | kvm | qemu
    vnc_listen: str = "127.0.0.1"
    shutdown_timeout: float = 60.0      # ACPI shutdown, then destroy (Nova's shutdown_timeout)
    force_config_drive: bool = False
    force_raw_images: bool = False
    image_max_unused_age: float = 86400.0
    guest_cache: Path | None = None     # where the probe finds a kernel when /boot has none


class LibvirtDriver:
    def __init__(self, host: str, options: LibvirtOptions, fetch: Fetch) -> None:
        self.host = host
        self.opts = options
        self.daemon = LibvirtHost(uri=options.uri)
        self.instances_dir = options.data_dir / "instances"
        self.images = ImageCache(self.instances_dir, fetch, options.image_max_unused_age,
                                 options.force_raw_images)
        self.disks = InstanceDisks(self.instances_dir)
        self.conn: Any = None
        self.verdict: probe.Verdict | None = None
        self.host_caps = HostCapabilities()
        self.cache_mode = "none"
        self.on_event: EventHandler | None = None
        self.vhost_net = False  # /dev/vhost-net exists (and KVM runs): virtio in the kernel
        self.nics = InterfaceEditor(host, self.disks, self.nic_config, self._libvirt)
        self.volumes = VolumeEditor(self.disks, self._libvirt)
        self._locks: dict[str, asyncio.Lock] = {}
        self._event_tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Connect (starting libvirtd if none runs), probe KVM, watch lifecycle events."""
        await asyncio.to_thread(events.register_event_impl)
        self.conn = await asyncio.to_thread(self.daemon.ensure)
        # which daemons are this node's, for `nubo host cleanup`
        await asyncio.to_thread(record_started, self.opts.data_dir, self.daemon)
        force = self.opts.virt_type if self.opts.virt_type in ("kvm", "qemu") else None
        self.verdict = await asyncio.to_thread(probe.decide, self.opts.data_dir,
                                               self.opts.guest_cache, force)
        LOG.info("%s", self.verdict.line)
        virt = "kvm" if self.verdict.virt_type == "kvm" else "qemu"
        caps_xml = await asyncio.to_thread(self.conn.getCapabilities)
        try:
            dom_xml: str | None = await asyncio.to_thread(
                self.conn.getDomainCapabilities, None, "x86_64", None, virt, 0)
        except Exception:  # noqa: BLE001 - older libvirt: the defaults stand
            dom_xml = None
        self.host_caps = capsmod.host_capabilities(caps_xml, dom_xml, virt)  # type: ignore
        self.vhost_net = virt == "kvm" and _has_vhost_net()
        self.instances_dir.mkdir(parents=True, exist_ok=True)
        self.cache_mode = "none" if _direct_io(self.instances_dir) else "writeback"
        events.watch(self.conn, asyncio.get_running_loop(), self._event)

    async def stop(self) -> None:
        for t in list(self._event_tasks):
            t.cancel()
        if self.conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.conn.close)
            self.conn = None
        await asyncio.to_thread(self.daemon.stop)

    def _event(self, instance_id: str, name: str, power: int) -> None:
        if self.on_event is None:
            return
        task = asyncio.create_task(self.on_event(instance_id, power))
        self._event_tasks.add(task)
        task.add_done_callback(self._event_tasks.discard)

    def _lock(self, instance_id: str) -> asyncio.Lock:
        return self._locks.setdefault(instance_id, asyncio.Lock())

    # ------------------------------------------------------------------ helpers

    def _lookup(self, instance_id: str) -> Any:
        import libvirt
        try:
            return self.conn.lookupByUUIDString(instance_id)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise

    async def _dom(self, instance_id: str) -> Any:
        dom = await asyncio.to_thread(self._lookup, instance_id)
        if dom is None:
            raise SpawnFailed(f"instance {instance_id} has no domain on {self.host}")
        return dom

    async def _state(self, dom: Any) -> int:
        state, _reason = await asyncio.to_thread(dom.state)
        return events.POWER_STATES.get(state, states.NOSTATE)

    async def _wait_state(self, dom: Any, want: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await self._state(dom) == want:
                return True
            await asyncio.sleep(0.2)
        return await self._state(dom) == want

    async def _libvirt(self, what: str, fn: Callable[..., Any], *args: Any) -> Any:
        """A libvirt call off the loop; its error becomes a SpawnFailed saying what failed."""
        import libvirt
        try:
            return await asyncio.to_thread(fn, *args)
        except libvirt.libvirtError as exc:
            raise SpawnFailed(f"{what} failed on {self.host}: {exc}") from exc

    # ------------------------------------------------------------------ inventory

    async def inventory(self) -> HostInventory:
        info = await asyncio.to_thread(self.conn.getInfo)
        st = os.statvfs(self.instances_dir)
        return HostInventory(vcpus=int(info[2]), memory_mb=int(info[1]),
                             local_gb=st.f_blocks * st.f_frsize // 1024 ** 3,
                             hypervisor_type="QEMU")

    # ------------------------------------------------------------------ spawn

    def domain_config(self, spec: InstanceSpec, disks: DiskSet, free_cpus: tuple[int, ...],
                      rescue: Path | None = None) -> DomainConfig:
        """The domain for `spec` on its disks (pure but for the host facts it reads)."""
        props = dict(spec.image.get("properties") or {})
        opts = derive_guest_options(spec.flavor, props, self.host_caps, free_cpus)
        paths = [p for p in (rescue, disks.root, disks.ephemeral, disks.swap) if p]
        disk_cfgs = [DiskConfig(str(p), disk_target_dev(opts.disk_bus, i), opts.disk_bus,
                                cache=self.cache_mode) for i, p in enumerate(paths)]
        if disks.root_serial:       # a root volume: its own format, its id as serial
            disk_cfgs = [dataclasses.replace(
                c, driver_format="raw" if disks.root_format == "raw" else "qcow2",
                serial=disks.root_serial) if c.path == str(disks.root) else c
                for c in disk_cfgs]
        if disks.config is not None:
            disk_cfgs.append(DiskConfig(str(disks.config), "hdd" if opts.cdrom_bus == "ide"
                                        else disk_target_dev(opts.cdrom_bus, 3),
                                        opts.cdrom_bus, device="cdrom", driver_format="raw",
                                        cache=self.cache_mode, readonly=True))
        f = spec.flavor
        return DomainConfig(
            name=spec.name, uuid=spec.id, display_name=spec.display_name,
            vcpus=int(f["vcpus"]), memory_mb=int(f["ram"]), virt_type=self.host_caps.virt_type,
            machine_type=opts.machine_type, cpu=opts.cpu, disks=tuple(disk_cfgs),
            nics=tuple(self.nic_config(v, opts.nic_model) for v in spec.vifs),
            serial_log_path=str(self.disks.dir(spec.id) / "console.log"),
            vnc_listen=self.opts.vnc_listen, video_model=opts.video_model,
            rng_model=opts.rng_model, smbios=SmbiosConfig(serial=spec.id, uuid=spec.id),
            metadata=NovaMetadata(
                flavor_name=str(f.get("name") or f.get("original_name") or ""),
                memory_mb=int(f["ram"]), disk_gb=int(f.get("disk") or 0),
                swap_mb=int(f.get("swap") or 0), ephemeral_gb=int(f.get("ephemeral") or 0),
                vcpus=int(f["vcpus"]), owner_user_id="", owner_user_name="",
                owner_project_id="", owner_project_name="",
                creation_time=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
                package="nubo", image_id=spec.image.get("id")),
            numa_cells=opts.numa_cells, pinning=opts.pinning, hugepage_kb=opts.hugepage_kb)

    def nic_config(self, vif: VifSpec, model: str = "virtio") -> NicConfig:
        """The guest's NIC on the tap the network dataplane made for the port."""
        return NicConfig(mac=vif.mac, target_dev=vif_dev(vif), mtu=vif.mtu or None,
                         model=model, vhost=self.vhost_net)  # type: ignore[arg-type]

    async def _free_cpus(self, instance_id: str) -> tuple[int, ...]:
        def read() -> list[str]:
            return [d.XMLDesc(0) for d in self.conn.listAllDomains(0)
                    if d.UUIDString() != instance_id]
        used = capsmod.pinned_cpus(await asyncio.to_thread(read))
        return tuple(c for c in range(os.cpu_count() or 1) if c not in used)

    async def spawn(self, spec: InstanceSpec) -> int:
        async with self._lock(spec.id):
            dom = await asyncio.to_thread(self._lookup, spec.id)
            if dom is not None:
                return await self._respawn(spec, dom)
            # A guest with a NIC reads its metadata over HTTP (169.254.169.254) unless a
            # config drive is asked for; one without has no other way to its key and data.
            config_drive = spec.config_drive or self.opts.force_config_drive or not spec.vifs
            root = spec.root_volume
            if root is not None:        # volume-backed: the volume is the root disk
                disks = await self.disks.create_on_volume(spec, root, config_drive)
            else:
                base = await self.images.get(spec.image)
                disks = await self.disks.create(spec, base, config_drive)
            try:
                return await self._define_and_start(spec, disks)
            except BaseException:
                await self._undefine(spec.id)
                await self.disks.remove(spec.id)
                raise

    async def _define_and_start(self, spec: InstanceSpec, disks: DiskSet,
                                rescue: Path | None = None) -> int:
        try:
            cfg = self.domain_config(spec, disks, await self._free_cpus(spec.id), rescue)
        except DomainConfigError as exc:
            raise SpawnFailed(str(exc)) from exc
        missing = tap_missing(cfg.nics)
        if missing:     # libvirt would say "No such device" at start; say which port
            raise SpawnFailed(f"the network dataplane has not plugged {missing} on "
                              f"{self.host} (type='ethernet' NICs need the tap made first)")
        xml = domain_xml(cfg)
        (self.disks.dir(spec.id) / ("rescue.xml" if rescue else "domain.xml")).write_text(xml)
        dom = await self._libvirt("defining the domain", self.conn.defineXML, xml)
        await self._libvirt("starting the domain", dom.create)
        # QEMU can die right after starting (a disk it cannot open, a CPU it lacks)
        await asyncio.sleep(0.2)
        if await self._state(dom) != states.RUNNING:
            raise SpawnFailed(f"domain {spec.name} stopped right after it started; see "
                              f"/var/log/libvirt/qemu/{spec.name}.log on {self.host}")
        return states.RUNNING

    async def _respawn(self, spec: InstanceSpec, dom: Any) -> int:
        """spawn of an instance this host has: nothing to do, or a resize / its revert."""
        current = self.disks.flavor(spec.id)
        if current is None or _same_flavor(current, spec.flavor):
            return await self._state(dom)
        backup = self.disks.flavor(spec.id, backup=True)
        await self._stop_domain(dom, self.opts.shutdown_timeout)
        await self._undefine(spec.id)
        if backup is not None and _same_flavor(backup, spec.flavor):
            await self.disks.restore(spec.id)           # revert: the old disks come back
            disks = self.disks.existing(spec.id)
            assert disks is not None
        else:
            disks = await self.disks.resize(spec)
        try:
            return await self._define_and_start(spec, disks)
        except BaseException:
            await self._undefine(spec.id)
            if await self.disks.restore(spec.id):       # put the old instance back
                await self._restart_saved(spec.id)
            raise

    async def _restart_saved(self, instance_id: str) -> None:
        with contextlib.suppress(Exception):
            xml = (self.disks.dir(instance_id) / "domain.xml").read_text()
            dom = await asyncio.to_thread(self.conn.defineXML, xml)
            await asyncio.to_thread(dom.create)

    # ------------------------------------------------------------------ destroy

    async def _undefine(self, instance_id: str) -> None:
        import libvirt
        dom = await asyncio.to_thread(self._lookup, instance_id)
        if dom is None:
            return

        def gone() -> None:
            with contextlib.suppress(libvirt.libvirtError):
                if dom.isActive():
                    dom.destroy()
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                              | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
        try:
            await asyncio.to_thread(gone)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                raise SpawnFailed(f"could not remove domain of {instance_id}: {exc}") from exc

    async def destroy(self, instance_id: str) -> None:
        async with self._lock(instance_id):
            await self._undefine(instance_id)
            await self.disks.remove(instance_id)
        self._locks.pop(instance_id, None)

    # ------------------------------------------------------------------ power

    async def _stop_domain(self, dom: Any, timeout: float) -> None:
        """ACPI power button; after `timeout` seconds, pull the plug."""
        import libvirt
        if not await asyncio.to_thread(dom.isActive):
            return
        if timeout > 0 and await self._state(dom) == states.RUNNING:
            with contextlib.suppress(libvirt.libvirtError):
                await asyncio.to_thread(dom.shutdown)
                if await self._wait_state(dom, states.SHUTDOWN, timeout):
                    return
            LOG.info("%s did not shut down within %.0f s; destroying it", dom.name(), timeout)
        with contextlib.suppress(libvirt.libvirtError):
            await asyncio.to_thread(dom.destroy)

    async def power_off(self, instance_id: str) -> int:
        async with self._lock(instance_id):
            dom = await self._dom(instance_id)
            await self._stop_domain(dom, self.opts.shutdown_timeout)
            return await self._state(dom)

    async def power_on(self, instance_id: str) -> int:
        async with self._lock(instance_id):
            dom = await self._dom(instance_id)
            return await self._start(dom)

    async def _start(self, dom: Any) -> int:
        state = await self._state(dom)
        if state == states.PAUSED_POWER:
            await self._libvirt("resuming the domain", dom.resume)
        elif state != states.RUNNING:
            await self._libvirt("starting the domain", dom.create)
        return await self._state(dom)

    async def reboot(self, instance_id: str, hard: bool) -> int:
        """Soft: ACPI shutdown, wait, start again (hard when the guest ignores it); hard:
        destroy and start."""
        async with self._lock(instance_id):
            dom = await self._dom(instance_id)
            await self._stop_domain(dom, 0 if hard else self.opts.shutdown_timeout)
            return await self._start(dom)

    async def power_state(self, instance_id: str) -> int | None:
        dom = await asyncio.to_thread(self._lookup, instance_id)
        return None if dom is None else await self._state(dom)

    async def list_instances(self) -> list[str]:
        def ids() -> list[str]:
            return sorted(d.UUIDString() for d in self.conn.listAllDomains(0)
                          if d.name().startswith("instance-"))
        return await asyncio.to_thread(ids)

    async def pause(self, instance_id: str) -> int:
        async with self._lock(instance_id):
            dom = await self._dom(instance_id)
            if await self._state(dom) == states.RUNNING:
                await self._libvirt("pausing the domain", dom.suspend)
            return await self._state(dom)

    async def unpause(self, instance_id: str) -> int:
        async with self._lock(instance_id):
            dom = await self._dom(instance_id)
            if await self._state(dom) == states.PAUSED_POWER:
                await self._libvirt("unpausing the domain", dom.resume)
            return await self._state(dom)

    async def suspend(self, instance_id: str) -> int:
        async with self._lock(instance_id):
            dom = await self._dom(instance_id)
            if await asyncio.to_thread(dom.isActive):
                await self._libvirt("saving the domain", dom.managedSave, 0)
            return await self._state(dom)

    async def resume(self, instance_id: str) -> int:
        async with self._lock(instance_id):
            return await self._start(await self._dom(instance_id))

    # ------------------------------------------------------------------ rescue

    async def rescue(self, spec: InstanceSpec, rescue_image: dict[str, Any]) -> int:
        """Boot from a fresh overlay of the rescue image, the instance's disk second."""
        async with self._lock(spec.id):
            dom = await self._dom(spec.id)
            disks = self.disks.existing(spec.id)
            if disks is None:
                raise SpawnFailed(f"instance {spec.id} has no disk on {self.host}")
            base = await self.images.get(rescue_image or spec.image)
            rescue = self.disks.dir(spec.id) / "disk.rescue"
            await self._stop_domain(dom, self.opts.shutdown_timeout)
            rescue.unlink(missing_ok=True)
            await run("qemu-img", "create", "-q", "-f", "qcow2", "-F", base.format, "-b",
                      str(base.path), str(rescue))
            try:
                return await self._define_and_start(spec, disks, rescue=rescue)
            except BaseException:
                rescue.unlink(missing_ok=True)
                await self._restart_saved(spec.id)
                raise

    async def unrescue(self, instance_id: str) -> int:
        async with self._lock(instance_id):
            dom = await self._dom(instance_id)
            d = self.disks.dir(instance_id)
            await self._stop_domain(dom, 0)
            xml = (d / "domain.xml").read_text()
            dom = await self._libvirt("defining the domain", self.conn.defineXML, xml)
            (d / "disk.rescue").unlink(missing_ok=True)
            (d / "rescue.xml").unlink(missing_ok=True)
            return await self._start(dom)

    # ------------------------------------------------------------------ consoles, snapshot

    async def console_output(self, instance_id: str, length: int | None = None) -> str:
        if await asyncio.to_thread(self._lookup, instance_id) is None:
            raise SpawnFailed(f"instance {instance_id} has no domain on {self.host}")
        path = self.disks.dir(instance_id) / "console.log"
        try:
            data = await asyncio.to_thread(_tail, path, 1024 * 1024)
        except FileNotFoundError:
            return ""
        text = data.decode(errors="replace").replace("\r\n", "\n")
        if length is None:
            return text
        lines = text.splitlines(keepends=True)
        return "".join(lines[-length:]) if length > 0 else ""

    async def console(self, instance_id: str, kind: str) -> dict[str, Any] | None:
        if kind != "novnc":
            return None
        dom = await self._dom(instance_id)
        where = capsmod.vnc_address(await asyncio.to_thread(dom.XMLDesc, 0))
        return None if where is None else {"host": where[0], "port": where[1]}

    async def snapshot(self, instance_id: str, target: str) -> bool:
        """qemu-img convert of the root disk (overlay + base) into one standalone qcow2;
        a running guest is paused meanwhile so that the copy is consistent."""
        async with self._lock(instance_id):
            dom = await self._dom(instance_id)
            disk = self.disks.dir(instance_id) / "disk"
            paused = False
            if await self._state(dom) == states.RUNNING:
                await self._libvirt("pausing the domain", dom.suspend)
                paused = True
            try:
                await run("qemu-img", "convert", "-U", "-f", "qcow2", "-O", "qcow2",
                          str(disk), target, timeout=3600)
            except OSError as exc:
                raise SpawnFailed(f"snapshot of {instance_id} failed: {exc}") from exc
            finally:
                if paused:
                    with contextlib.suppress(Exception):
                        await asyncio.to_thread(dom.resume)
            return True

    # ------------------------------------------------------------------ interfaces

    async def attach_interface(self, instance_id: str, vif: VifSpec) -> None:
        async with self._lock(instance_id):
            await self.nics.attach(await self._dom(instance_id), vif)

    async def detach_interface(self, instance_id: str, port_id: str) -> None:
        async with self._lock(instance_id):
            dom = await asyncio.to_thread(self._lookup, instance_id)
            if dom is not None:
                await self.nics.detach(dom, port_id)

    # ------------------------------------------------------------------ volumes

    async def attach_volume(self, instance_id: str, connection_info: dict[str, Any],
                            device: str) -> None:
        async with self._lock(instance_id):
            await self.volumes.attach(await self._dom(instance_id), connection_info, device)

    async def detach_volume(self, instance_id: str, device: str) -> None:
        async with self._lock(instance_id):
            dom = await asyncio.to_thread(self._lookup, instance_id)
            if dom is not None:
                await self.volumes.detach(dom, device)

    async def volume_devices(self, instance_id: str) -> dict[str, str] | None:
        dom = await asyncio.to_thread(self._lookup, instance_id)
        return None if dom is None else await self.volumes.devices(dom)

    # ------------------------------------------------------------------ periodic

    async def get_diagnostics(self, instance_id: str) -> dict[str, Any] | None:
        """Nova's get_instance_diagnostics (and the flat get_diagnostics as `legacy`):
        domain info, vCPU times, block stats per disk, interface stats per NIC, memory
        stats; None when the host has no such domain."""
        from nubo.compute.agent.virt.libvirt import diagnostics as diag
        dom = await asyncio.to_thread(self._lookup, instance_id)
        if dom is None:
            return None
        counters = await self._libvirt("reading diagnostics", diag.collect, dom)
        return diag.shape(counters, self.host_caps.virt_type)

    def cleanup_images(self) -> list[str]:
        return self.images.cleanup()


def _same_flavor(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("vcpus", "ram", "disk", "ephemeral", "swap", "extra_specs")
    return all(a.get(k) == b.get(k) for k in keys) and \
        (a.get("id"), a.get("name")) == (b.get("id"), b.get("name"))


def _tail(path: Path, limit: int) -> bytes:
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - limit))
        return f.read()


def _has_vhost_net() -> bool:
    """vhost-net moves virtio's packets in the host kernel; only KVM guests can use it."""
    return Path("/dev/vhost-net").exists()


def _direct_io(directory: Path) -> bool:
    """Whether the filesystem takes O_DIRECT (cache='none' needs it; tmpfs does not)."""
    probe_file = directory / ".direct-io-probe"
    try:
        fd = os.open(probe_file, os.O_CREAT | os.O_WRONLY | getattr(os, "O_DIRECT", 0), 0o600)
        os.close(fd)
        return True
    except OSError:
        return False
    finally:
        probe_file.unlink(missing_ok=True)


def libvirt_usable(uri: str = "qemu:///system") -> str | None:
    """Why `--virt auto` cannot use libvirt here (None: it can)."""
    if not shutil.which("qemu-system-x86_64") or not shutil.which("qemu-img"):
        return "QEMU is not installed"
    host = LibvirtHost(uri=uri)
    if host.reachable():
        return None
    return host.can_start()
