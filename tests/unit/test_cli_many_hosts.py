"""`nubo controller` and `nubo agent` refuse what they cannot run with, in one line, before
anything starts (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from nubo.cli import app

AMQP = "amqp://nubo:secret@127.0.0.1:5672/nubo"


def run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(argv), env={"NUBO_DATABASE_URL": "",
                                                      "NUBO_TRANSPORT_URL": "",
                                                      "NUBO_SERVICE_PASSWORD": "",
                                                      **(env or {})})
    return result.exit_code, result.output


@pytest.mark.parametrize("argv, said", [
    ((), "--database-url postgresql://... or mysql://... is required"),
    (("--database-url", "sqlite:////tmp/x.db"), "SQLite cannot be shared"),
    (("--database-url", "postgresql://u:p@h/db"), "--transport-url amqp://"),
    (("--database-url", "postgresql://u:p@h/db", "--transport-url", "http://x"),
     "--transport-url amqp://"),
])
def test_controller_refuses(tmp_path: Path, argv: tuple[str, ...], said: str) -> None:
    code, out = run("controller", "--data-dir", str(tmp_path), *argv)
    assert code == 2 and out.startswith("nubo controller: error: ") and said in out, out


def test_controller_takes_the_transport_url_from_the_environment(tmp_path: Path) -> None:
    code, out = run("controller", "--data-dir", str(tmp_path), "--service-down-time", "0",
                    env={"NUBO_TRANSPORT_URL": AMQP})
    assert code == 2 and "--service-down-time must be at least 1" in out, out


@pytest.mark.parametrize("argv, said", [
    (("--controller-url", "http://c:8880"), "--host NAME is required"),
    (("--host", "h1"), "--controller-url http://HOST:PORT is required"),
    (("--host", "h1", "--controller-url", "ftp://c"), "--controller-url http://HOST:PORT"),
    (("--host", "h1", "--controller-url", "http://c:8880", "--transport-url", AMQP),
     "the service user's password is needed"),
    (("--host", "h1", "--controller-url", "http://c:8880", "--password-file", "/nonexistent"),
     "--password-file /nonexistent: No such file or directory"),
])
def test_agent_refuses(tmp_path: Path, argv: tuple[str, ...], said: str) -> None:
    code, out = run("agent", "--data-dir", str(tmp_path), *argv)
    assert code == 2 and out.startswith("nubo agent: error: ") and said in out, out


def test_agent_needs_a_transport_url(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    code, out = run("agent", "--data-dir", str(tmp_path), "--host", "h1",
                    "--controller-url", "http://c:8880", "--password-file", str(secret))
    assert code == 2 and "--transport-url amqp://" in out, out


@pytest.mark.parametrize(("argv", "said"), [
    (("--virt", "auto"), "--virt must be"),
    (("--network", "ovs"), "--network must be linux or noop"),
    (("--network", "linux"), "--network linux needs --vtep-ip"),
    (("--network", "linux", "--vtep-ip", "10.0.0.300"), "--vtep-ip must be an IP address"),
    (("--network-node",), "--network-node needs --network linux"),
])
def test_agent_bad_network_options_are_refused(tmp_path: Path, argv: tuple[str, ...],
                                               said: str) -> None:
    code, out = run("agent", "--host", "h1", "--controller-url", "http://c:8880", *argv)
    assert code == 2 and said in " ".join(out.split()), out


def test_a_network_node_agent_needs_the_metadata_secret(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    code, out = run("agent", "--data-dir", str(tmp_path), "--host", "h1", "--controller-url",
                    "http://c:8880", "--password-file", str(secret), "--transport-url",
                    "amqp://u:p@c:5672/v", "--network", "linux", "--vtep-ip", "10.0.0.3",
                    "--network-node")
    assert code == 2 and "--metadata-secret-file" in out, out


@pytest.mark.parametrize(("argv", "said"), [
    (("--network", "linux"), "--network linux needs --vtep-ip"),
    (("--network", "linux", "--vtep-ip", "nope"), "--vtep-ip must be an IP address"),
])
def test_controller_bad_network_options_are_refused(argv: tuple[str, ...], said: str) -> None:
    code, out = run("controller", *argv)
    assert code == 2 and said in " ".join(out.split()), out


def test_agent_has_no_database_option() -> None:
    code, out = run("agent", "--help")
    assert code == 0 and "--database-url" not in out and "database" in out.lower()


@pytest.mark.parametrize("argv, said", [
    (("--virt", "libvirt", "--fake-hosts", "3"), "--fake-hosts needs --virt fake"),
    (("--fake-hosts", "0"), "--fake-hosts"),
])
def test_agent_fake_hosts_only_for_the_fake_driver(tmp_path: Path, argv: tuple[str, ...],
                                                   said: str) -> None:
    code, out = run("agent", "--host", "h1", "--controller-url", "http://c:8880", *argv)
    assert code == 2 and said in out, out
