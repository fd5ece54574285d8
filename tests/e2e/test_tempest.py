"""Tempest's identity, image, compute, network and volume API tests against a running `nubo up`.

Tempest is OpenStack's own conformance suite. Every test must pass or be skipped by Tempest
itself for a feature we declare off (trusts, EC2 credentials, inherited roles,
security compliance; image import from the web, multiple stores and locations; the volume
tests that wait on what is not built yet: see VOLUME_REGEX).
Compute runs at microversions 2.1-2.96 with Neutron (isolated networks per project), two
fake hosts and the move, pause, suspend, shelve, rescue, console and interface features on;
network with IPv6 on (skipped there: what needs Nova, DVR, metering and the DHCP agent
scheduler). The known gaps below are listed with their reason, and a floor of passing tests
per area catches silent regressions.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Cloud, clients_bin, free_port, start_nubo, stop_nubo

#: test id fragment -> why it fails on Nubo today
KNOWN_GAPS: dict[str, str] = {
    "test_image_task.": "it creates a task with POST /v2/tasks (deprecated in Glance) that "
                        "imports an image from an internet URL; Nubo lists and shows the "
                        "tasks of its imports but creates none by POST",
}
#: the least that must pass, per area (a drop is a regression even without a failure)
FLOORS = {"tempest.api.identity.": 118, "tempest.api.image.": 46,
          "tempest.api.compute.": 460, "tempest.api.network.": 236,
          # 205 passed (0 failed, 6 skipped by Tempest) after volumes from images merged;
          # the floor 2 below that for noise
          "tempest.api.volume.": 203}

BASE_CONF = """\
[DEFAULT]
log_dir = {ws}/logs
log_file = tempest.log
[oslo_concurrency]
lock_path = {ws}/lock
[auth]
use_dynamic_credentials = true
admin_username = admin
admin_password = {pw}
admin_project_name = admin
admin_domain_name = Default
create_isolated_networks = {isolated}
[identity]
uri_v3 = {url}/identity/v3
region = RegionOne
[identity-feature-enabled]
trust = false
api_extensions =
access_rules = true
[image]
container_formats = bare
disk_formats = raw,qcow2
[image-feature-enabled]
import_image = false
os_glance_reserved = false
[validation]
run_validation = false
[service_available]
nova = {nova}
neutron = {neutron}
glance = true
cinder = {cinder}
swift = false
horizon = false
"""
COMPUTE_CONF = """\
[compute]
min_microversion = 2.1
max_microversion = 2.96
image_ref = {image}
image_ref_alt = {image}
flavor_ref = 42
flavor_ref_alt = 1
build_timeout = 300
min_compute_nodes = 2
[compute-feature-enabled]
resize = true
snapshot = true
cold_migration = true
live_migration = true
block_migration_for_live_migration = true
pause = true
suspend = true
shelve = true
rescue = true
console_output = true
interface_attach = true
config_drive = true
disk_config = false
attach_encrypted_volume = false
ide_bus = false
"""
#: fake hosts of the compute run (migrations need a second host; Tempest's multinode tests
#: want min_compute_nodes of them)
COMPUTE_HOSTS = 2

NETWORK_CONF = """\
[network]
public_network_id = {public}
floating_network_name = public
project_network_cidr = 10.100.0.0/16
project_network_mask_bits = 28
[network-feature-enabled]
api_extensions = {extensions}
ipv6 = true
ipv6_subnet_attributes = true
"""

VOLUME_CONF = """\
[compute]
min_microversion = 2.1
max_microversion = 2.96
image_ref = {image}
image_ref_alt = {image}
flavor_ref = 42
flavor_ref_alt = 1
build_timeout = 120
[volume]
min_microversion = 3.0
max_microversion = 3.71
backup_driver = posix
build_timeout = 60
[volume-feature-enabled]
backup = true
snapshot = true
clone = true
extend_attached_volume = true
extend_volume_with_snapshot = true
manage_volume = false
manage_snapshot = false
multi_backend = false
enable_volume_image_dep_tests = true
"""
#: the volume area, without what cannot finish in reasonable time on Nubo today (each waits
#: for a timeout): the user messages tests (a volume type whose extra specs no backend
#: matches must end in `error` with a message: no capability filter in the volume
#: scheduler yet) and the extend of an attached volume (the `compute_extend_volume`
#: instance action: Cinder's volume-extended event to Nova is not sent yet)
VOLUME_REGEX = (r"^tempest\.api\.volume\.(?!admin\.test_user_messages\."
                r"|test_volumes_extend\.VolumesExtendAttachedTest\.)")

LINE = re.compile(r"^(?:\{\d+\} )?(.+?)(?: \[[\d.]+s\])? \.\.\. (ok|FAILED|SKIPPED)")
TOTAL_FAILED = re.compile(r"^ - Failed: (\d+)", re.M)


def run_tempest(cloud: Cloud, tmp_path: Path, regex: str, extra_conf: str = "",
                nova: bool = False, neutron: bool = False,
                isolated_networks: bool = False, cinder: bool = False) -> None:
    tempest = clients_bin("tempest")
    ws = tmp_path / "ws"
    subprocess.run([tempest, "init", "--workspace-path", str(tmp_path / "workspaces.yaml"),
                    str(ws)], check=True, capture_output=True, timeout=120)
    conf = ws / "etc" / "tempest.conf"
    conf.write_text(BASE_CONF.format(ws=ws, pw=cloud.password(), url=cloud.url,
                                      nova=str(nova).lower(),
                                      neutron=str(neutron).lower(),
                                      cinder=str(cinder).lower(),
                                      isolated=str(isolated_networks).lower()) + extra_conf)
    r = subprocess.run([tempest, "run", "--config-file", str(conf), "--concurrency", "1",
                        "--regex", regex], cwd=ws, capture_output=True, text=True,
                       timeout=1500)
    (tmp_path / "tempest.out").write_text(r.stdout + r.stderr)
    results: dict[str, str] = {}
    for line in r.stdout.splitlines():
        m = LINE.match(line.strip())
        if m:
            results[m.group(1)] = m.group(2)
    passed = [t for t, s in results.items() if s == "ok"]
    failed = [t for t, s in results.items() if s == "FAILED"]
    unexpected = [t for t in failed if not any(k in t for k in KNOWN_GAPS)]
    print(f"tempest {regex}: {len(passed)} passed, {len(failed)} failed, "
          f"{sum(s == 'SKIPPED' for s in results.values())} skipped")
    total = TOTAL_FAILED.search(r.stdout)
    assert results, f"no test results parsed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    assert (total is None and not failed) or (total and int(total.group(1)) == len(failed)), \
        "could not account for every failure"
    assert not unexpected, "unexpected Tempest failures:\n" + "\n".join(unexpected) + \
        f"\n(full output: {tmp_path / 'tempest.out'})"
    for area, floor in FLOORS.items():
        if re.match(regex, area + "x"):
            got = sum(t.startswith(area) for t in passed)
            assert got >= floor, f"{area}: {got} passed, expected at least {floor}"


def test_tempest_identity_and_image(cloud: Cloud, tmp_path: Path) -> None:
    run_tempest(cloud, tmp_path, r"^tempest\.api\.(identity|image)\.")


def test_tempest_compute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With Neutron on, as DevStack runs it: each test project gets its own network, subnet
    and router (create_isolated_networks), so servers have ports; two fake hosts for the
    migration tests."""
    monkeypatch.setenv("NUBO_FAKE_HOSTS", str(COMPUTE_HOSTS))
    cloud = start_nubo(tmp_path / "data", free_port(), test_image=True)
    try:
        headers = {"X-Auth-Token": _admin_token(cloud)}
        image = ""
        deadline = time.monotonic() + 300
        while not image and time.monotonic() < deadline:
            found = httpx.get(f"{cloud.url}/image/v2/images?name=nubo-test&status=active",
                              headers=headers).json()["images"]
            image = found[0]["id"] if found else ""
            time.sleep(0 if image else 1)
        assert image, cloud.log.read_text()[-3000:]
        run_tempest(cloud, tmp_path, os.environ.get("NUBO_TEMPEST_COMPUTE_REGEX",
                                                    r"^tempest\.api\.compute\."),
                    COMPUTE_CONF.format(image=image) + _network_conf(cloud, headers),
                    nova=True, neutron=True, isolated_networks=True)
    finally:
        stop_nubo(cloud)


def _admin_token(cloud: Cloud) -> str:
    return httpx.post(f"{cloud.url}/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": "admin", "password": cloud.password(), "domain": {"id": "default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
    ).headers["x-subject-token"]


def _network_conf(cloud: Cloud, headers: dict[str, str]) -> str:
    net = f"{cloud.url}/networking/v2.0"
    public = httpx.get(f"{net}/networks?name=public", headers=headers).json()["networks"]
    extensions = httpx.get(f"{net}/extensions", headers=headers).json()["extensions"]
    return NETWORK_CONF.format(public=public[0]["id"],
                               extensions=",".join(e["alias"] for e in extensions))


def test_tempest_volume(tmp_path: Path) -> None:
    """Block storage with Nova and Neutron on (the attach tests boot fake servers on
    isolated networks): microversions 3.0-3.71, snapshots, clones and posix backups."""
    cloud = start_nubo(tmp_path / "data", free_port())
    try:
        headers = {"X-Auth-Token": _admin_token(cloud)}
        image = httpx.post(f"{cloud.url}/image/v2/images", headers=headers, json={
            "name": "tempest-volume", "disk_format": "raw", "container_format": "bare",
            "visibility": "public"}).json()["id"]
        httpx.put(f"{cloud.url}/image/v2/images/{image}/file", content=bytes(1 << 20),
                  headers={**headers, "Content-Type": "application/octet-stream"}
                  ).raise_for_status()
        run_tempest(cloud, tmp_path, os.environ.get("NUBO_TEMPEST_VOLUME_REGEX", VOLUME_REGEX),
                    VOLUME_CONF.format(image=image) + _network_conf(cloud, headers),
                    nova=True, neutron=True, isolated_networks=True, cinder=True)
    finally:
        stop_nubo(cloud)


def test_tempest_network(cloud: Cloud, tmp_path: Path) -> None:
    headers = {"X-Auth-Token": _admin_token(cloud)}
    run_tempest(cloud, tmp_path, r"^tempest\.api\.network\.", _network_conf(cloud, headers),
                neutron=True)
