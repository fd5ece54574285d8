"""`nubo backup` / `nubo restore` on PostgreSQL (pg_dump, psql) and MariaDB (mariadb-dump,
mariadb): a running node's database and image store come back in another empty database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from nubo.core.db import async_url
from nubo.ops.backup import BackupError, create
from nubo.ops.restore import restore
from nubo.roles.all_in_one import AllInOne
from tests.conftest import BASE, Api, make_settings
from tests.integration.test_databases import SERVERS, server_url


@pytest.fixture(params=list(SERVERS))
async def two_databases(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, str]]:
    admin = server_url(request.param)
    names = [f"nubo_test_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    engine = create_async_engine(async_url(admin), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        for name in names:
            extra = " CHARACTER SET utf8mb4" if request.param == "mariadb" else ""
            await conn.execute(text(f"CREATE DATABASE {name}{extra}"))
    try:
        urls = [make_url(admin).set(database=n).render_as_string(hide_password=False)
                for n in names]
        yield urls[0], urls[1]
    finally:
        async with engine.connect() as conn:
            for name in names:
                if request.param == "postgresql":
                    await conn.execute(text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"))
                await conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        await engine.dispose()


async def started(data: Path, url: str) -> tuple[AllInOne, httpx.AsyncClient, Api]:
    node = AllInOne(make_settings(data, database_url=url))
    await node.start()
    await node.converged()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app), base_url=BASE)
    api = Api(client, node)
    api.admin_token = await api.token("admin", "admin-secret", "admin")
    return node, client, api


async def test_backup_and_restore_on_a_database_server(two_databases: tuple[str, str],
                                                       tmp_path: Path) -> None:
    source, target = two_databases
    node, client, api = await started(tmp_path / "a", source)
    try:
        project = await api.make_project("kept")
        img = await api.ok("POST", "/image/v2/images", 201, json={
            "name": "kept", "disk_format": "raw", "container_format": "bare"})
        await api.ok("PUT", f"/image/v2/images/{img['id']}/file", 204, content=b"x" * 5000,
                     headers={"Content-Type": "application/octet-stream"})
        archive = tmp_path / "b.tar"
        # while the node runs, from another thread (the command is another process)
        summary = await asyncio.to_thread(create, tmp_path / "a", source, archive)
        assert summary.database == make_url(source).get_backend_name()
    finally:
        await client.aclose()
        await node.stop()
    with pytest.raises(BackupError, match="sqlite"):       # not onto another kind
        restore(archive, tmp_path / "wrong", f"sqlite:///{tmp_path / 'wrong' / 'nubo.db'}")
    assert not (tmp_path / "wrong").exists()
    restore(archive, tmp_path / "c", target)
    node, client, api = await started(tmp_path / "c", target)
    try:
        got = await api.ok("GET", f"/v3/projects/{project['id']}")
        assert got["project"]["name"] == "kept"
        r = await api.req("GET", f"/image/v2/images/{img['id']}/file")
        assert r.status_code == 200 and r.content == b"x" * 5000
    finally:
        await client.aclose()
        await node.stop()
