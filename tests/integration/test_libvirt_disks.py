"""The libvirt driver's image cache, instance disks and host setup, with real qemu-img on
temporary directories (no libvirtd needed)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from nubo.compute.agent.virt.base import InstanceSpec, SpawnFailed
from nubo.compute.agent.virt.libvirt.caps import host_capabilities, pinned_cpus, vnc_address
from nubo.compute.agent.virt.libvirt.disks import InstanceDisks
from nubo.compute.agent.virt.libvirt.host import configure_qemu_conf
from nubo.compute.agent.virt.libvirt.imagecache import ImageCache, base_name
from tests.install import missing, need_tools, required


@pytest.fixture(autouse=True)
def _qemu_img() -> None:
    need_tools("qemu-img")


GiB = 1024 ** 3


def make_image(path: Path, size: str, fmt: str = "qcow2", backing: Path | None = None) -> Path:
    extra = ["-F", "qcow2", "-b", str(backing)] if backing else []
    subprocess.run(["qemu-img", "create", "-q", "-f", fmt, *extra, str(path), size],
                   check=True)
    return path


def info(path: Path) -> dict[str, object]:
    out = subprocess.run(["qemu-img", "info", "-U", "--output=json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


class Source:
    """An image service stand-in: image id -> file, counting fetches."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files
        self.fetches: list[str] = []

    async def fetch(self, image_id: str, dest: Path) -> None:
        self.fetches.append(image_id)
        await asyncio.sleep(0.05)     # concurrent callers overlap here
        shutil.copyfile(self.files[image_id], dest)


def spec(flavor_disk: int = 1, **image: object) -> InstanceSpec:
    return InstanceSpec(id="11111111-2222-4333-8444-555555555555", name="instance-00000001",
                        display_name="vm one", key_data="ssh-ed25519 AAAA test@x",
                        user_data="#!/bin/sh\necho hi\n",
                        flavor={"id": "f", "name": "f", "vcpus": 1, "ram": 128,
                                "disk": flavor_disk, "ephemeral": 1, "swap": 64,
                                "extra_specs": {}},
                        image={"id": "img", "disk_format": "qcow2", **image})


async def test_concurrent_spawns_fetch_an_image_once(tmp_path: Path) -> None:
    src = Source({"img": make_image(tmp_path / "src.qcow2", "64M")})
    cache = ImageCache(tmp_path / "instances", src.fetch)
    bases = await asyncio.gather(*(cache.get({"id": "img", "disk_format": "qcow2"})
                                   for _ in range(5)))
    assert src.fetches == ["img"]
    assert {b.path for b in bases} == {tmp_path / "instances" / "_base" / base_name("img")}
    assert bases[0].format == "qcow2" and bases[0].virtual_size == 64 * 1024 ** 2
    await cache.get({"id": "img"})
    assert src.fetches == ["img"]          # cached: not fetched again


async def test_bad_images_are_refused_and_leave_nothing(tmp_path: Path) -> None:
    base = make_image(tmp_path / "b.qcow2", "16M")
    backed = make_image(tmp_path / "backed.qcow2", "16M", backing=base)
    raw = make_image(tmp_path / "r.raw", "16M", "raw")
    src = Source({"backed": backed, "liar": raw, "iso": raw})
    cache = ImageCache(tmp_path / "instances", src.fetch)
    with pytest.raises(SpawnFailed, match="backing file"):
        await cache.get({"id": "backed", "disk_format": "qcow2"})
    with pytest.raises(SpawnFailed, match="says disk_format qcow2 but its data is raw"):
        await cache.get({"id": "liar", "disk_format": "qcow2"})
    with pytest.raises(SpawnFailed, match="disk_format iso"):
        await cache.get({"id": "iso", "disk_format": "iso"})
    assert sorted(p.name for p in (tmp_path / "instances" / "_base").iterdir()) == []


async def test_force_raw_converts(tmp_path: Path) -> None:
    src = Source({"img": make_image(tmp_path / "src.qcow2", "8M")})
    cache = ImageCache(tmp_path / "instances", src.fetch, force_raw=True)
    base = await cache.get({"id": "img", "disk_format": "qcow2"})
    assert base.format == "raw" and info(base.path)["format"] == "raw"


async def test_root_disk_overlay_extra_disks_and_config_drive(tmp_path: Path) -> None:
    src = Source({"img": make_image(tmp_path / "src.qcow2", "64M")})
    cache = ImageCache(tmp_path / "instances", src.fetch)
    disks = InstanceDisks(tmp_path / "instances")
    s = spec()
    made = await disks.create(s, await cache.get(s.image), config_drive=True)
    root = info(made.root)
    assert root["format"] == "qcow2" and root["virtual-size"] == GiB
    assert root["backing-filename"] == str(cache.base_dir / base_name("img"))
    assert made.ephemeral and info(made.ephemeral)["virtual-size"] == GiB
    assert made.swap and info(made.swap)["virtual-size"] == 64 * 1024 ** 2
    assert made.config is not None
    import pycdlib
    iso = pycdlib.PyCdlib()
    iso.open(str(made.config))
    try:
        assert iso.pvd.volume_identifier.decode().strip() == "config-2"
        import io
        out = io.BytesIO()
        iso.get_file_from_iso_fp(out, rr_path="/openstack/latest/meta_data.json")
        meta = json.loads(out.getvalue())
        assert meta["uuid"] == s.id and meta["public_keys"] == {"key-0": s.key_data}
    finally:
        iso.close()
    assert cache.users() == {base_name("img"): 1}


async def test_flavor_disk_zero_takes_the_image_size(tmp_path: Path) -> None:
    src = Source({"img": make_image(tmp_path / "src.qcow2", "80M")})
    cache, disks = ImageCache(tmp_path / "i", src.fetch), InstanceDisks(tmp_path / "i")
    s = spec(flavor_disk=0)
    made = await disks.create(s, await cache.get(s.image), config_drive=False)
    assert info(made.root)["virtual-size"] == 80 * 1024 ** 2 and made.config is None


@pytest.mark.parametrize(("flavor_disk", "image", "message"), [
    (1, {"min_disk": 2}, "min_disk 2 GB, the flavor has 1 GB"),
    (1, {}, "virtual size of 3.00 GiB, the flavor's root disk is 1 GB"),
    (5, {"min_ram": 512}, "min_ram 512 MB, the flavor has 128 MB"),
])
async def test_what_does_not_fit_fails_before_anything_is_made(
        tmp_path: Path, flavor_disk: int, image: dict[str, object], message: str) -> None:
    src = Source({"img": make_image(tmp_path / "src.qcow2", "3G")})
    cache, disks = ImageCache(tmp_path / "i", src.fetch), InstanceDisks(tmp_path / "i")
    s = spec(flavor_disk=flavor_disk, **image)
    with pytest.raises(SpawnFailed, match=message):
        await disks.create(s, await cache.get(s.image), config_drive=True)
    assert not disks.dir(s.id).exists()


async def test_resize_keeps_a_backup_until_revert(tmp_path: Path) -> None:
    src = Source({"img": make_image(tmp_path / "src.qcow2", "64M")})
    cache, disks = ImageCache(tmp_path / "i", src.fetch), InstanceDisks(tmp_path / "i")
    s = spec()
    await disks.create(s, await cache.get(s.image), config_drive=False)
    bigger = InstanceSpec(**{**s.__dict__, "flavor": {**s.flavor, "disk": 2}})
    made = await disks.resize(bigger)
    assert info(made.root)["virtual-size"] == 2 * GiB
    assert disks.flavor(s.id, backup=True) == s.flavor
    assert info(disks.backup_dir(s.id) / "disk")["virtual-size"] == GiB
    with pytest.raises(SpawnFailed, match="resize the disk down"):
        await disks.resize(s)        # 2 GB -> 1 GB would lose data
    assert await disks.restore(s.id)
    assert info(disks.dir(s.id) / "disk")["virtual-size"] == GiB
    assert not disks.backup_dir(s.id).exists()
    await disks.remove(s.id)
    assert not disks.dir(s.id).exists() and cache.users() == {}


async def test_unused_bases_are_removed_after_their_age(tmp_path: Path) -> None:
    src = Source({"a": make_image(tmp_path / "a.qcow2", "8M"),
                  "b": make_image(tmp_path / "b.qcow2", "8M")})
    cache = ImageCache(tmp_path / "i", src.fetch, max_unused_age=3600)
    disks = InstanceDisks(tmp_path / "i")
    s = spec(flavor_disk=0)
    await disks.create(s, await cache.get({"id": "a"}), config_drive=False)
    await cache.get({"id": "b"})
    assert cache.cleanup() == []                           # b was just used
    assert cache.cleanup(now=time.time() + 7200) == ["b"]  # a is in use, b too old
    assert (cache.base_dir / base_name("a")).exists()
    assert not (cache.base_dir / base_name("b")).exists()
    await disks.remove(s.id)
    assert cache.cleanup(now=time.time() + 7200) == ["a"]


def test_qemu_conf_is_configured_idempotently() -> None:
    text = '#user = "libvirt-qemu"\nuser = "nobody"\nvnc_listen = "0.0.0.0"\n'
    once = configure_qemu_conf(text)
    assert configure_qemu_conf(once) == once
    lines = once.splitlines()
    assert '#user = "libvirt-qemu"' in lines and 'user = "root"' in lines
    assert 'user = "nobody"' not in lines and 'vnc_listen = "0.0.0.0"' in lines
    assert 'security_driver = "none"' in lines and "cgroup_controllers = [ ]" in lines
    assert sum(1 for line in lines if line.startswith("user =")) == 1


def test_host_capabilities_and_domain_facts() -> None:
    caps = """<capabilities><host><cpu><pages unit='KiB' size='4'/>
      <pages unit='KiB' size='2048'/></cpu><topology><cells num='2'/></topology></host>
      <guest><arch name='x86_64'><machine canonical='pc-i440fx-7.2'>pc</machine>
      <machine>q35</machine></arch></guest></capabilities>"""
    domcaps = """<domainCapabilities><cpu><mode name='custom'><model>Haswell</model></mode>
      </cpu><devices><disk><enum name='bus'><value>virtio</value><value>sata</value></enum>
      </disk></devices></domainCapabilities>"""
    hc = host_capabilities(caps, domcaps, "qemu")
    assert hc.machine_types >= {"pc", "q35", "pc-i440fx-7.2"}
    assert hc.page_sizes_kb == {4, 2048} and hc.numa_nodes == 2
    assert hc.disk_buses == {"virtio", "sata"} and hc.cpu_models == {"Haswell"}
    dom = """<domain><cputune><vcpupin vcpu='0' cpuset='1'/><vcpupin vcpu='1' cpuset='3-4'/>
      </cputune><devices><graphics type='vnc' port='5901' listen='127.0.0.1'/></devices>
      </domain>"""
    assert pinned_cpus([dom]) == {1, 3, 4}
    assert vnc_address(dom) == ("127.0.0.1", 5901)
    assert vnc_address("<domain><devices/></domain>") is None


def test_kvm_probe_sees_a_kernel_boot(tmp_path: Path) -> None:
    """The probe's own check, run under TCG (which works everywhere): a kernel that boots to
    its root-mount panic counts as success; a missing kernel image does not."""
    from nubo.compute.agent.virt.libvirt import probe
    cache = Path(os.environ.get("NUBO_TEST_GUEST_CACHE", f"/tmp/nubo-guest-cache-{os.getuid()}"))
    need_tools(probe.QEMU)
    kernel = probe.find_kernel(tmp_path, cache)
    if kernel is None and required("runtime"):
        from nubo.guest import build_test_image
        build_test_image(cache)     # as tests/integration/test_guest_image.py does first
        kernel = probe.find_kernel(tmp_path, cache)
    if kernel is None:
        missing("runtime", "no kernel: build the test image first (tests/integration/"
                "test_guest_image.py)")
    assert probe.run_probe(kernel, timeout=60, accel="tcg") == ""
    assert probe.run_probe(tmp_path / "missing", timeout=10, accel="tcg").startswith(
        "qemu exited")


async def test_a_volume_backed_instance_has_its_volume_as_root(tmp_path: Path) -> None:
    """No overlay and no base for a volume-backed instance: its root is the volume's file,
    remembered in root.json (what a power on or a respawn reads back); the flavor's other
    disks as for any; the volume's file outlives the instance's directory."""
    volume = tmp_path / "volumes" / "volume-v1.qcow2"
    volume.parent.mkdir()
    volume.write_bytes(b"QFI\xfb")
    disks = InstanceDisks(tmp_path / "instances")
    spec = InstanceSpec(id="i-bfv", name="instance-00000001", display_name="bfv",
                        flavor={"vcpus": 1, "ram": 64, "disk": 0, "ephemeral": 0, "swap": 0})
    root = {"device": "vda", "boot_index": 0, "connection_info": {
        "driver_volume_type": "local", "serial": "v1",
        "data": {"device_path": str(volume), "format": "qcow2"}}}
    made = await disks.create_on_volume(spec, root, config_drive=False)
    assert (made.root, made.root_format, made.root_serial) == (volume, "qcow2", "v1")
    assert not (disks.dir("i-bfv") / "disk").exists()
    assert not (disks.dir("i-bfv") / "base").exists()
    assert disks.existing("i-bfv") == made
    await disks.remove("i-bfv")
    assert volume.exists() and disks.existing("i-bfv") is None
    bad = {**root, "connection_info": {"driver_volume_type": "iscsi", "data": {}}}
    with pytest.raises(SpawnFailed, match="not supported on this host"):
        await disks.create_on_volume(spec, bad, config_drive=False)
