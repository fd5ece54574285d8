"""The `nubo` command."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import Any

import typer

from nubo.config import DEFAULT_PORT, Settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Nubo: a private cloud that speaks the OpenStack APIs.")
db_app = typer.Typer(help="Database schema.")
keys_app = typer.Typer(help="Token encryption keys.")
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
image_app = typer.Typer(help="Guest images.")
app.add_typer(image_app, name="image")
host_app = typer.Typer(help="This host.")
app.add_typer(host_app, name="host")

DataDir = typer.Option(None, "--data-dir", help="Where Nubo keeps everything "
                       "[default: /var/lib/nubo as root, else ~/.local/share/nubo]")
DbUrl = typer.Option(None, "--database-url", help="postgresql://... or mysql://... "
                     "[default: SQLite in the data dir]")


def _check_ip(option: str, value: str | None) -> None:
    if value is None:
        return
    import ipaddress
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise typer.BadParameter(f"{option} must be an IP address, not {value!r}") from None


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


@app.command()
def up(data_dir: Path = DataDir,
       host: str = typer.Option(None, "--host", help="Address to listen on [127.0.0.1]"),
       port: int = typer.Option(None, "--port", help=f"Port to listen on [{DEFAULT_PORT}]"),
       virt: str = typer.Option(None, "--virt", help="auto, libvirt or fake"),
       fake_hosts: int = typer.Option(None, "--fake-hosts", min=1, max=10000,
                                      help="Simulated hypervisor hosts with --virt fake [1]"),
       network: str = typer.Option(None, "--network", help="auto, linux or noop"),
       volume_driver: str = typer.Option(None, "--volume-driver",
                                         help="file (qcow2 under DATA_DIR/volumes) or fake "
                                              "[file]"),
       database_url: str = DbUrl,
       admin_password: str = typer.Option(None, "--admin-password",
                                          help="The admin's password on first start "
                                               "[generated]"),
       public_url: str = typer.Option(None, "--public-url",
                                      help="Base URL clients use, for the catalog"),
       log_level: str = typer.Option(None, "--log-level"),
       vtep_ip: str = typer.Option(None, "--vtep-ip",
                                   help="This host's VXLAN tunnel endpoint address"),
       test_image: bool = typer.Option(None, "--test-image/--no-test-image",
                                       help="Build and register the nubo-test guest image "
                                            "[on]")) -> None:
    """Run the whole cloud in this process, in the foreground."""
    if virt not in (None, "auto", "libvirt", "fake"):
        raise typer.BadParameter("--virt must be auto, libvirt or fake")
    if network not in (None, "auto", "linux", "noop"):
        raise typer.BadParameter("--network must be auto, linux or noop")
    if volume_driver not in (None, "file", "fake"):
        raise typer.BadParameter("--volume-driver must be file or fake")
    settings = _settings(data_dir=data_dir, host=host, port=port, virt=virt, network=network,
                         fake_hosts=fake_hosts, volume_driver=volume_driver,
                         database_url=database_url, admin_password=admin_password,
                         public_url=public_url, log_level=log_level, test_image=test_image,
                         vtep_ip=vtep_ip)
    from nubo.server import serve
    sys.exit(asyncio.run(serve(settings)))


TransportUrl = typer.Option(None, "--transport-url",
                            help="The RabbitMQ URL, amqp:// or amqps:// with user, "
                                 "password, host, port and vhost; or NUBO_TRANSPORT_URL, "
                                 "which keeps the password out of the process list")


def _fail(command: str, message: str) -> typer.Exit:
    typer.echo(f"nubo {command}: error: {message}", err=True)
    return typer.Exit(2)


@app.command()
def controller(
        data_dir: Path = DataDir,
        database_url: str = typer.Option(None, "--database-url",
                                         help="postgresql://... or mysql://... (MariaDB), "
                                              "shared by the controllers; also "
                                              "NUBO_DATABASE_URL"),
        transport_url: str = TransportUrl,
        host: str = typer.Option(None, "--host", help="Address to listen on [127.0.0.1]"),
        port: int = typer.Option(None, "--port", help=f"Port to listen on [{DEFAULT_PORT}]"),
        public_url: str = typer.Option(None, "--public-url",
                                       help="Base URL clients and agents use, for the "
                                            "catalog"),
        admin_password: str = typer.Option(None, "--admin-password",
                                           help="The admin's password on first start "
                                                "[generated]"),
        volume_driver: str = typer.Option(None, "--volume-driver",
                                          help="file (qcow2 under DATA_DIR/volumes) or fake "
                                               "[file]"),
        service_down_time: int = typer.Option(None, "--service-down-time",
                                              help="Seconds without a heartbeat before a "
                                                   "compute service is down [60]"),
        log_level: str = typer.Option(None, "--log-level"),
        network: str = typer.Option("noop", "--network",
                                    help="The hosts' dataplane: noop, or linux (VXLAN tenant "
                                         "networks across the hosts' `nubo agent --network "
                                         "linux`) [noop]"),
        vtep_ip: str = typer.Option(None, "--vtep-ip",
                                    help="With --network linux: this host's VXLAN tunnel "
                                         "endpoint (the agents reach it on UDP 4789)"),
        network_node: bool = typer.Option(True, "--network-node/--no-network-node",
                                          help="With --network linux: run the DHCP servers "
                                               "and routers here (off: on the agent started "
                                               "with --network-node) [on]"),
        test_image: bool = typer.Option(None, "--test-image/--no-test-image",
                                        help="Build and register the nubo-test guest image "
                                             "[on]")) -> None:
    """Run the controller (APIs, scheduler, conductor, database) for hosts that run
    `nubo agent`, in the foreground. Needs PostgreSQL or MariaDB and RabbitMQ. With
    --network linux it is the network node too (needs root, ip, bridge, nft, dnsmasq)."""
    if network not in ("linux", "noop"):
        raise typer.BadParameter("--network must be linux or noop")
    if network == "linux" and network_node and not vtep_ip:
        raise typer.BadParameter("--network linux needs --vtep-ip (this host's address the "
                                 "agents' VXLAN traffic reaches), or --no-network-node")
    _check_ip("--vtep-ip", vtep_ip)
    if volume_driver not in (None, "file", "fake"):
        raise typer.BadParameter("--volume-driver must be file or fake")
    if service_down_time is not None and service_down_time < 1:
        raise typer.BadParameter("--service-down-time must be at least 1 (seconds)")
    settings = _settings(data_dir=data_dir, host=host, port=port, public_url=public_url,
                         database_url=database_url, transport_url=transport_url,
                         admin_password=admin_password, volume_driver=volume_driver,
                         service_down_time=service_down_time, log_level=log_level,
                         test_image=test_image, network=network, vtep_ip=vtep_ip,
                         network_node=network == "linux" and network_node)
    if not settings.database_url or settings.database_url.startswith("sqlite"):
        raise _fail("controller", "--database-url postgresql://... or mysql://... is "
                    "required: SQLite cannot be shared by controller replicas and is for "
                    "`nubo up`")
    if not settings.transport_url or not settings.transport_url.startswith(("amqp://",
                                                                            "amqps://")):
        raise _fail("controller", "--transport-url amqp://USER:PASSWORD@HOST:5672/VHOST "
                    "is required: the agents are reached over RabbitMQ")
    from nubo.server import serve
    sys.exit(asyncio.run(serve(settings, "controller")))


@app.command()
def agent(
        host: str = typer.Option(None, "--host", help="Required: this compute host's name, "
                                 "unique in the cloud (Nova's [DEFAULT] host)"),
        controller_url: str = typer.Option(None, "--controller-url",
                                           help="Required: the controller's base URL, as "
                                                "http://HOST:8880 (its image API and "
                                                "metadata API)"),
        transport_url: str = TransportUrl,
        virt: str = typer.Option("fake", "--virt", help="fake or libvirt [fake]"),
        network: str = typer.Option("noop", "--network",
                                    help="noop, or linux: bridges, VXLAN to the other hosts "
                                         "(needs --vtep-ip), nftables security groups "
                                         "[noop]"),
        vtep_ip: str = typer.Option(None, "--vtep-ip",
                                    help="With --network linux: this host's VXLAN tunnel "
                                         "endpoint (other hosts send UDP 4789 to it)"),
        network_node: bool = typer.Option(False, "--network-node",
                                          help="With --network linux: run the DHCP servers "
                                               "and routers here (when the controller runs "
                                               "with --no-network-node)"),
        metadata_secret_file: Path = typer.Option(
            None, "--metadata-secret-file",
            help="With --network-node: the file with the metadata proxies' shared secret "
                 "(the controller's keys/metadata_secret in its data dir); or "
                 "NUBO_METADATA_PROXY_SHARED_SECRET"),
        service_password_file: Path = typer.Option(
            None, "--password-file",
            help="The file with the service user's password (the controller's "
                 "keys/service_password in its data dir); or NUBO_SERVICE_PASSWORD"),
        data_dir: Path = typer.Option(None, "--data-dir",
                                      help="Where this agent keeps its hosts' state "
                                           "[default: the nubo data dir /agents/HOST]"),
        report_interval: int = typer.Option(None, "--report-interval",
                                            help="Seconds between heartbeats [10]"),
        fake_hosts: int = typer.Option(1, "--fake-hosts", min=1, max=10000,
                                       help="With --virt fake: simulate this many hosts in "
                                            "this one process, HOST-fake-0 ..., each its own "
                                            "queue, heartbeats and reports (scale tests) [1]"),
        log_level: str = typer.Option(None, "--log-level")) -> None:
    """Run one hypervisor host's agents (compute, network, metadata), reaching the
    controller over RabbitMQ and HTTP only: no database options, no database access."""
    if virt not in ("fake", "libvirt"):
        raise typer.BadParameter("--virt must be fake or libvirt")
    if network not in ("linux", "noop"):
        raise typer.BadParameter("--network must be linux or noop")
    if network == "linux" and not vtep_ip:
        raise typer.BadParameter("--network linux needs --vtep-ip (this host's address "
                                 "the other hosts' VXLAN traffic reaches)")
    _check_ip("--vtep-ip", vtep_ip)
    if network_node and network != "linux":
        raise typer.BadParameter("--network-node needs --network linux")
    secret = None
    if metadata_secret_file is not None:
        try:
            secret = metadata_secret_file.read_text().strip()
        except OSError as exc:
            raise _fail("agent", f"--metadata-secret-file {metadata_secret_file}: "
                        f"{exc.strerror}") from None
    if report_interval is not None and report_interval < 1:
        raise typer.BadParameter("--report-interval must be at least 1 (seconds)")
    if fake_hosts > 1 and virt != "fake":
        raise typer.BadParameter("--fake-hosts needs --virt fake")
    if not host:
        raise _fail("agent", "--host NAME is required: this compute host's name, unique in "
                    "the cloud")
    if not controller_url or not controller_url.startswith(("http://", "https://")):
        raise _fail("agent", "--controller-url http://HOST:PORT is required: the "
                    "controller's base URL")
    from nubo.config import default_data_dir
    base = controller_url.rstrip("/")
    password = None
    if service_password_file is not None:
        try:
            password = service_password_file.read_text().strip()
        except OSError as exc:
            raise _fail("agent", f"--password-file {service_password_file}: "
                        f"{exc.strerror}") from None
    settings = _settings(service_password=password,
                         data_dir=data_dir or default_data_dir() / "agents" / host,
                         compute_host=host, transport_url=transport_url, virt=virt,
                         network=network, public_url=base, metadata_url=base + "/metadata",
                         vtep_ip=vtep_ip, network_node=network_node,
                         metadata_proxy_shared_secret=secret,
                         report_interval=report_interval, log_level=log_level,
                         fake_hosts=fake_hosts, test_image=False)
    if not settings.service_password:
        raise _fail("agent", "the service user's password is needed: "
                    "--password-file FILE (the controller's "
                    "DATA_DIR/keys/service_password) or NUBO_SERVICE_PASSWORD")
    if settings.network_node and not settings.metadata_proxy_shared_secret:
        raise _fail("agent", "--network-node needs the controller's metadata secret: "
                    "--metadata-secret-file FILE (the controller's DATA_DIR/keys/"
                    "metadata_secret) or NUBO_METADATA_PROXY_SHARED_SECRET")
    if not settings.transport_url:
        raise _fail("agent", "--transport-url amqp://USER:PASSWORD@HOST:5672/VHOST (or "
                    "NUBO_TRANSPORT_URL) is required")
    from nubo.roles.agent_node import run_agent
    from nubo.roles.host import service_credentials
    sys.exit(asyncio.run(run_agent(settings, service_credentials(settings))))


@db_app.command("upgrade")
def db_upgrade(data_dir: Path = DataDir, database_url: str = DbUrl,
               check: bool = typer.Option(False, "--check",
                                          help="Only say whether the schema is current "
                                               "(exit 1 when it is not)")) -> None:
    """Apply the schema migrations (`nubo up` does this itself on start)."""
    from nubo.ops.schema import schema_state
    settings = _settings(data_dir=data_dir, database_url=database_url)
    if check:
        try:
            state = schema_state(settings.db_url)
        except Exception as exc:  # noqa: BLE001 - any driver's error: say it, exit 1
            typer.echo(f"cannot reach the database: {exc}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(state.line)
        raise typer.Exit(0 if state.current else 1)
    from nubo.core.db import Database

    async def run() -> None:
        db = Database(settings.db_url)
        await db.migrate()
        await db.dispose()
    asyncio.run(run())
    typer.echo("database schema is up to date")


@app.command()
def backup(to: Path = typer.Option(..., "--to", help="The backup file to write (a tar; "
                                   ".tar.gz to compress)"),
           data_dir: Path = DataDir, database_url: str = DbUrl,
           include_disks: bool = typer.Option(False, "--include-disks",
                                              help="Also the guests' disks (crash-consistent "
                                                   "copies of running guests)")) -> None:
    """Back up a cloud, running or not: database, keys, image store, with checksums."""
    from nubo.ops.backup import BackupError, create
    settings = _settings(data_dir=data_dir, database_url=database_url)
    try:
        s = create(settings.data_dir, settings.db_url, to, include_disks)
    except BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{s.path}: {s.files} files, {s.bytes / 2**20:.1f} MiB, {s.database} "
               f"database at schema {','.join(s.schema) or '(none)'}")


@app.command()
def restore(archive: Path = typer.Argument(..., help="A file made by `nubo backup`"),
            data_dir: Path = DataDir, database_url: str = DbUrl) -> None:
    """Restore a backup onto a fresh data dir (and an empty database); all or nothing."""
    from nubo.ops.backup import BackupError
    from nubo.ops.restore import restore as run
    settings = _settings(data_dir=data_dir, database_url=database_url)
    try:
        r = run(archive, settings.data_dir, settings.db_url)
    except BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"restored {r.files} files ({r.bytes / 2**20:.1f} MiB) and the {r.database} "
               f"database into {r.data_dir}; start it with `nubo up --data-dir {r.data_dir}`")


@app.command()
def doctor(data_dir: Path = DataDir, database_url: str = DbUrl,
           url: str = typer.Option(None, "--url", help="Where the cloud answers "
                                   "[default: http://127.0.0.1:PORT]"),
           virt: str = typer.Option(None, "--virt", help="What `nubo up` runs with: "
                                    "auto, libvirt or fake"),
           network: str = typer.Option(None, "--network",
                                       help="auto, linux or noop")) -> None:
    """Check the database, schema, hypervisor, network tools, disk, keys and services;
    print each with its fix. Exit 1 when something fails."""
    from nubo.ops.doctor import FAIL, run
    settings = _settings(data_dir=data_dir, database_url=database_url, virt=virt,
                         network=network)
    checks = run(settings, url)
    for c in checks:
        typer.echo(c.line)
    failed = [c.name for c in checks if c.status == FAIL]
    typer.echo(f"{len(failed)} problem(s): {', '.join(failed)}" if failed else "all good")
    raise typer.Exit(1 if failed else 0)


@keys_app.command("rotate")
def keys_rotate(data_dir: Path = DataDir) -> None:
    """Rotate the Fernet token keys (tokens made with the previous keys stay valid)."""
    from nubo.identity.tokens import KeyRepository
    settings = _settings(data_dir=data_dir)
    repo = KeyRepository(settings.data_dir / "keys" / "fernet")
    repo.setup()
    typer.echo(f"new primary key: {repo.rotate()}")


@image_app.command("build-test")
def image_build_test(
        data_dir: Path = DataDir,
        cache_dir: Path = typer.Option(None, "--cache-dir",
                                       help="Where packages and images are cached "
                                            "[default: DATA_DIR/cache/guest]")) -> None:
    """Build the small test guest image from Debian packages (or reuse the cached one)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from nubo.guest import GuestBuildError, build_test_image
    cache = cache_dir or _settings(data_dir=data_dir).data_dir / "cache" / "guest"
    with Progress(TextColumn("{task.description:<24}"), BarColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("starting", total=1.0)

        def progress(message: str, fraction: float) -> None:
            bar.update(task, description=message, completed=fraction)
        try:
            result = build_test_image(cache, progress)
        except GuestBuildError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(1) from e
    how = (f"{result.seconds:.2f} s (cached; built in {result.built_seconds:.1f} s)"
           if result.cached else f"{result.seconds:.1f} s (built)")
    typer.echo(f"{result.path}\n"
               f"  size     {result.size / 2**20:.1f} MiB ({result.size} bytes, qcow2), "
               f"virtual {result.virtual_size / 2**20:.0f} MiB\n"
               f"  sha256   {result.sha256}\n"
               f"  kernel   {result.kernel}\n"
               f"  time     {how}")


@host_app.command("cleanup")
def host_cleanup(data_dir: Path = DataDir, database_url: str = DbUrl,
                 purge: bool = typer.Option(False, "--purge",
                                            help="Also remove the data dir")) -> None:
    """After the cloud stopped: destroy its guests, remove its dataplane (namespaces, bridges,
    taps, VXLAN links, nft tables, dnsmasq, metadata proxies) and stop the libvirtd it
    started. Only what this data dir made is touched."""
    from nubo.host_cleanup import host_cleanup as clean
    from nubo.host_cleanup import purge_refused, still_running
    settings = _settings(data_dir=data_dir, database_url=database_url)
    if still_running(settings.data_dir):
        typer.echo(f"error: the cloud on {settings.data_dir} still runs; stop it first "
                   "(SIGTERM)", err=True)
        raise typer.Exit(1)
    if purge and (why := purge_refused(settings.data_dir)):
        typer.echo(f"error: {why}", err=True)
        raise typer.Exit(1)
    for line in asyncio.run(clean(settings, purge)):
        typer.echo(f"removed {line}" if not line.startswith("kept") else line)


def main() -> None:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    logging.captureWarnings(True)
    app()
