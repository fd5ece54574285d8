"""Settings: command-line flags of `nubo up` override `NUBO_*` environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORT = 8880


def default_data_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/var/lib/nubo")
    return Path.home() / ".local" / "share" / "nubo"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NUBO_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    #: Base URL clients reach us on, written into the catalog (default http://HOST:PORT).
    public_url: str | None = None
    #: SQLite in DATA_DIR by default; postgresql://... or mysql://... (MariaDB) to scale out.
    database_url: str | None = None
    #: the controller <-> host bus: unset (or inprocess://) for `nubo up`'s one process;
    #: amqp://user:pw@host:5672/vhost (RabbitMQ) for `nubo controller` and `nubo agent`
    transport_url: str | None = None
    #: this agent's compute host name (Nova's [DEFAULT] host; `nubo agent --host`); unset:
    #: the machine's short host name (or its `-fake-N` hosts with --fake-hosts)
    compute_host: str | None = None
    virt: Literal["auto", "libvirt", "fake"] = "auto"
    network: Literal["auto", "linux", "noop"] = "auto"
    admin_password: str | None = None
    region: str = "RegionOne"
    #: compute availability zones, comma-separated (Nova's default zone is "nova")
    availability_zones: str = "nova"
    log_level: str = "INFO"
    #: directory holding the `openstack` CLI (scripts/up.sh: .venv-clients/bin); the ready
    #: banner puts it on PATH so that its commands work as printed
    clients_bin: Path | None = None

    # identity
    token_expiration: int = 3600
    #: bcrypt cost; Keystone's default is 12 (~0.2 s a login on our machines).
    password_hash_rounds: int = Field(default=12, ge=4, le=31)
    #: failed logins before a user is locked out; 0 turns lockout off (Keystone's default).
    lockout_failure_attempts: int = 0
    lockout_duration: int = 1800
    max_request_body_size: int = 114688
    #: oslo.policy overrides (YAML or JSON); default DATA_DIR/policy.yaml when it exists.
    policy_file: Path | None = None
    #: unified limits: how limits relate along the project tree (Keystone's [unified_limit]
    #: enforcement_model)
    limit_enforcement_model: Literal["flat", "strict_two_level"] = "flat"

    # compute
    #: simulated hosts for --virt fake (each its own placement provider)
    fake_hosts: int = Field(default=1, ge=1, le=10000)
    #: seconds the simulated hypervisors of --virt fake take to connect at each start
    #: (fault injection: what your tools see while a restarted cloud converges)
    fake_connect_seconds: float = Field(default=0.0, ge=0.0, le=600.0)
    #: seconds a compute service may go without a heartbeat before it is down (Nova's
    #: service_down_time); os-services, the scheduler and the metrics read it
    service_down_time: int = Field(default=60, ge=1, le=86400)
    #: seconds between a compute agent's heartbeats and periodic reports (Nova's
    #: report_interval); keep it well under service_down_time
    report_interval: int = Field(default=10, ge=1, le=3600)
    #: seconds between the controller's periodic rounds (Nova's periodic_interval): the
    #: heartbeat check and the reconcile; a replica's leases on them live 3 rounds, so a
    #: controller killed hands its jobs to another within about 4 of them
    periodic_interval: float = Field(default=10.0, ge=0.2, le=3600)
    scheduler_max_attempts: int = Field(default=3, ge=1, le=20)
    #: where compute's quota limits come from: its own tables (Nova's DbQuotaDriver) or
    #: identity's unified limits for service `compute` (Nova's UnifiedLimitsDriver), where
    #: resources in `quota_unified_limits_resource_list` without a registered limit are 0
    #: (strategy require) or unlimited (ignore), and every other such resource is unlimited
    quota_driver: Literal["db", "unified_limits"] = "db"
    quota_unified_limits_resource_strategy: Literal["require", "ignore"] = "require"
    quota_unified_limits_resource_list: list[str] = Field(default_factory=lambda: ["servers"])
    # block storage
    #: where volumes live: qcow2 files under DATA_DIR/volumes (`file`), or in memory with
    #: fault injection (`fake`)
    volume_driver: Literal["file", "fake"] = "file"
    #: the capacity the volume backend reports, in GiB (the `file` driver's files are sparse)
    volume_capacity_gb: int = Field(default=1000, ge=1, le=10**9)
    #: the volume host's address its iSCSI targets listen on (Cinder's target_ip_address),
    #: for compute hosts other than the volume host: tgtd serves the `file` driver's volumes
    #: there with CHAP. None (the default): volumes attach on the volume host only
    volume_target_ip: str | None = None
    volume_target_port: int = Field(default=3260, ge=1, le=65535)
    #: where backups go: chunked, compressed, checksummed files under `backup_path`
    #: (Cinder's `posix` backup driver; default DATA_DIR/backups), or in memory with fault
    #: injection (`fake`)
    backup_driver: Literal["posix", "fake"] = "posix"
    backup_path: Path | None = None
    #: the size of a backup's chunks (Cinder's backup_file_size), in MiB
    backup_chunk_mb: int = Field(default=32, ge=1, le=1024)
    # libvirt driver (--virt libvirt)
    libvirt_uri: str = "qemu:///system"
    #: auto: KVM when a real probe boots a kernel under it, else QEMU TCG; or kvm / qemu
    libvirt_virt_type: Literal["auto", "kvm", "qemu"] = "auto"
    #: seconds a guest gets to power off on ACPI before it is destroyed (stop, soft reboot)
    shutdown_timeout: int = Field(default=60, ge=0, le=3600)
    #: every instance gets a config drive, asked for or not (Nova's force_config_drive)
    force_config_drive: bool = False
    #: convert cached base images to raw (Nova's force_raw_images); qcow2 is kept otherwise
    force_raw_images: bool = False
    #: seconds an unused base image stays in DATA_DIR/instances/_base
    image_cache_max_unused_age: int = Field(default=86400, ge=0)
    #: address the guests' VNC consoles listen on
    vnc_listen: str = "127.0.0.1"
    #: the service user compute hosts fetch images and upload snapshots with (DevStack's
    #: `nova` in project `service`); identity's start creates it. Its password: this, or
    #: one generated once into DATA_DIR/keys/service_password
    service_user: str = "nova"
    service_password: str | None = None
    #: seconds a deleted server stays SOFT_DELETED (restorable) before it is reclaimed;
    #: 0 deletes at once (Nova's reclaim_instance_interval)
    reclaim_instance_interval: int = Field(default=0, ge=0)
    #: seconds a SHELVED server keeps its host before it is offloaded; 0 at once, -1 never
    shelved_offload_time: int = Field(default=0, ge=-1)
    #: how long a remote console URL's token stays valid, in seconds
    console_token_ttl: int = Field(default=600, ge=1)
    #: seconds a boot or move waits for the network dataplane's network-vif-plugged events
    #: before the guest starts; 0 does not wait (Nova's vif_plugging_timeout)
    vif_plugging_timeout: int = Field(default=300, ge=0)
    #: a missing or failed network-vif-plugged fails the boot or move; off: log and go on
    #: (Nova's vif_plugging_is_fatal)
    vif_plugging_is_fatal: bool = True

    # network
    #: VXLAN VNIs handed to tenant networks (DevStack's vni_ranges 1:1000)
    network_vni_min: int = Field(default=1, ge=1, le=16777215)
    network_vni_max: int = Field(default=1000, ge=1, le=16777215)
    #: the bootstrap's external network `public` (DevStack's FLOATING_RANGE)
    public_cidr: str = "172.24.4.0/24"
    #: the demo project's `private` network (DevStack's FIXED_RANGE)
    private_cidr: str = "10.0.0.0/26"
    #: this host's VXLAN tunnel endpoint (Neutron's [vxlan] local_ip); other hosts learn it
    #: from this host's Linux bridge agent (`tunneling_ip`) and flood their VXLAN traffic to it
    vtep_ip: str | None = None
    #: this host runs the routers (SNAT, floating IPs, the metadata proxy) and the DHCP
    #: servers of every network (`nubo agent --network-node`; `nubo controller --network
    #: linux` runs them itself unless --no-network-node)
    network_node: bool = False
    #: the Linux dataplane works in this named network namespace instead of the process's
    #: own (NUBO_NETWORK_HOST_NETNS): a sandbox standing in for the host, as the e2e tests
    #: run a controller's network node on one machine; unset on a real host
    network_host_netns: str | None = None
    #: signs the host metadata agents' X-Instance-ID (Nova's metadata_proxy_shared_secret);
    #: unset: one is made on first start and kept in DATA_DIR/keys/metadata_secret
    metadata_proxy_shared_secret: str | None = None
    #: where hosts reach the metadata API (default: BASE_URL/metadata); plain http
    metadata_url: str | None = None

    # image
    #: per project; 0 means unlimited
    image_count_quota: int = 1000
    image_size_quota_gb: int = 1024
    image_property_quota: int = 128
    image_tag_quota: int = 128
    image_member_quota: int = 128
    #: largest single image accepted
    image_size_cap_gb: int = 1024
    #: build and register the `nubo-test` guest image on start (in the background)
    test_image: bool = True
    #: where the guest builder caches packages and images (default DATA_DIR/cache/guest)
    guest_cache_dir: Path | None = None

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = self.host if self.host not in ("0.0.0.0", "::") else "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def metadata_api_url(self) -> str:
        """Where this host's metadata agent sends guests' requests (`metadata_url`, else this
        process's own listener: plain http, whatever the public URL)."""
        if self.metadata_url:
            return self.metadata_url.rstrip("/")
        host = self.host if self.host not in ("0.0.0.0", "::") else "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/metadata"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'nubo.db'}"

    @property
    def effective_policy_file(self) -> Path | None:
        if self.policy_file:
            return self.policy_file
        p = self.data_dir / "policy.yaml"
        return p if p.exists() else None
