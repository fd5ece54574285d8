"""Which committed transactions touched the network tables: a callback per database.

One set of SQLAlchemy session events, installed once, notices network model instances that a
flush adds, changes or deletes, and ORM-enabled bulk UPDATE/DELETE statements on those tables
(`session.execute(delete(Port)...)`). When such a transaction commits, the callbacks watching
that database's engine run. Nothing in the handlers has to remember to say "changed": compute's
port create/bind/delete goes through the same tables and is seen the same way.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from nubo.core.db import Database

LOG = logging.getLogger("nubo.network.service.hostsync")

#: The tables whose rows make up a host's desired state (not tags, quotas or agents: an
#: agent heartbeat must not wake the loop that writes it).
TABLES = frozenset({"network", "network_segment", "subnet", "port", "port_security_group",
                    "ip_allocation", "router", "router_port", "floating_ip", "security_group",
                    "security_group_rule"})
_FLAG = "nubo.network.changed"
_watchers: weakref.WeakKeyDictionary[Engine, list[Callable[[], None]]] = \
    weakref.WeakKeyDictionary()
_installed = False


def watch(db: Database, callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` after each commit on `db` that changed a network table; returns a
    function that stops watching."""
    _install()
    engine = db.engine.sync_engine
    _watchers.setdefault(engine, []).append(callback)

    def unwatch() -> None:
        callbacks = _watchers.get(engine, [])
        if callback in callbacks:
            callbacks.remove(callback)
    return unwatch


def _table_of(obj: Any) -> str | None:
    table = getattr(type(obj), "__table__", None)
    return getattr(table, "name", None)


def _callbacks(session: Session) -> list[Callable[[], None]]:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return list(_watchers.get(engine, ()))


def _mark(session: Session) -> None:
    if _callbacks(session):
        session.info[_FLAG] = True


def _after_flush(session: Session, _ctx: UOWTransaction) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if _table_of(obj) in TABLES:
            _mark(session)
            return


def _orm_execute(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in TABLES:
        _mark(state.session)


def _after_commit(session: Session) -> None:
    if not session.info.pop(_FLAG, False):
        return
    for callback in _callbacks(session):
        try:
            callback()
        except Exception:  # noqa: BLE001 - a watcher never breaks a commit
            LOG.exception("network change callback failed")


def _after_soft_rollback(session: Session, previous: Any) -> None:
    # A savepoint rolled back (IPAM's retry) leaves the outer transaction's changes standing.
    if previous.parent is None:
        session.info.pop(_FLAG, None)


def _install() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _orm_execute)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_soft_rollback)
    _installed = True
