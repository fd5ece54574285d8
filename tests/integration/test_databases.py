"""The same migrations and the same identity code on PostgreSQL and MariaDB.

Each test makes a throwaway database on the local server, runs the schema up, drives a real
identity flow through the API, runs the schema down and up again, and drops the database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from nubo.core.db import Database, async_url
from nubo.core.migrations import downgrade, upgrade
from nubo.roles.all_in_one import AllInOne
from tests.conftest import BASE, ID, Api, make_settings
from tests.install import missing

SERVERS = {"postgresql": "NUBO_TEST_PG_URL", "mariadb": "NUBO_TEST_MYSQL_URL"}


def server_url(kind: str) -> str:
    url = os.environ.get(SERVERS[kind])
    if not url:
        missing("dbs", f"{SERVERS[kind]} is not set")
    return url


@pytest.fixture(params=list(SERVERS))
async def database_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    async with throwaway_database(request.param) as url:
        yield url


@asynccontextmanager
async def throwaway_database(kind: str) -> AsyncIterator[str]:
    """A new empty database on the local `kind` server, dropped afterwards."""
    admin = server_url(kind)
    name = f"nubo_test_{uuid.uuid4().hex[:10]}"
    engine = create_async_engine(async_url(admin), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        if kind == "mariadb":
            await conn.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
        else:
            await conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        async with engine.connect() as conn:
            if kind == "postgresql":
                await conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"))
            await conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        await engine.dispose()


async def test_identity_flow_on_server(database_url: str, tmp_path: Path) -> None:
    node = AllInOne(make_settings(tmp_path, database_url=database_url))
    await node.start()
    await node.converged()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                     base_url=BASE) as client:
            api = Api(client, node)
            api.admin_token = await api.token("admin", "admin-secret", "admin")
            p = await api.make_project("on-server")
            user = await api.make_user("srv-user", "pw", project="on-server")
            tok = await api.token("srv-user", "pw", "on-server")
            r = await api.req("GET", "/v3/auth/tokens", headers={"X-Subject-Token": tok})
            assert r.json()["token"]["project"]["id"] == p["id"]
            # unique constraints hold on the server too
            await api.ok("POST", "/v3/projects", 409, json={"project": {"name": "on-server"}})
            # revocation: microsecond timestamps survive the round trip (MariaDB DATETIME(6))
            await api.ok("PATCH", f"/v3/users/{user['id']}", json={"user": {"password": "pw2"}})
            assert (await api.req("GET", "/v3/auth/projects", token=tok)).status_code == 401
            new = await api.token("srv-user", "pw2", "on-server")
            assert (await api.req("GET", "/v3/auth/projects", token=new)).status_code == 200
            eff = await api.ok("GET", f"/v3/role_assignments?user.id={user['id']}&effective")
            assert {a["role"]["id"] for a in eff["role_assignments"]} >= {
                await api.role_id("member"), await api.role_id("reader")}
            r = await client.post(f"{ID}/auth/tokens", json={"auth": {"identity": {
                "methods": ["password"], "password": {"user": {
                    "name": "srv-user", "password": "pw", "domain": {"id": "default"}}}}}})
            assert r.status_code == 401
    finally:
        await node.stop()


async def test_migrations_down_and_up(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(upgrade)
            await conn.run_sync(downgrade)
            await conn.run_sync(upgrade)
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        assert len(rows) == 1
    finally:
        await db.dispose()


async def test_server_list_paging_on_server(database_url: str, tmp_path: Path) -> None:
    """The server list's page cut in SQL (ids in the list's order, then the page's rows)
    answers as the Python cut on PostgreSQL and MariaDB too."""
    from tests.api.test_compute_list_paging import check_paging
    node = AllInOne(make_settings(tmp_path, database_url=database_url))
    await node.start()
    await node.converged()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                     base_url=BASE) as client:
            api = Api(client, node)
            api.admin_token = await api.token("admin", "admin-secret", "admin")
            await check_paging(api)
    finally:
        await node.stop()
