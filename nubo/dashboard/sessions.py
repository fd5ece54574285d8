"""Server-side sessions: the browser holds an opaque id in an HttpOnly, SameSite=Lax cookie;
the Keystone tokens stay here. Each session has its CSRF token, checked on every POST.

Kept in this process's memory, bounded and expiring with the tokens: a controller replica
that restarts logs its users out (sessions in the database are a later step for several
replicas behind a load balancer without affinity)."""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE = "nubo_session"
#: sessions kept at most (the oldest go first)
MAX_SESSIONS = 10_000
#: an idle session ends after this many seconds
IDLE_SECONDS = 8 * 3600


@dataclass
class Project:
    id: str
    name: str


@dataclass
class Session:
    id: str
    csrf: str
    user: str = ""
    domain: str = "Default"
    #: the unscoped token (re-scoping to another project), the project-scoped one
    unscoped: str = ""
    token: str = ""
    project: Project | None = None
    projects: list[Project] = field(default_factory=list)
    roles: tuple[str, ...] = ()
    flash: list[tuple[str, str]] = field(default_factory=list)
    #: the next page's errors by the form or row they belong to (shown beside it)
    errors_at: dict[str, str] = field(default_factory=dict)
    seen: float = 0.0

    @property
    def logged_in(self) -> bool:
        return bool(self.token)

    def csrf_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.csrf, given or "")

    def say(self, kind: str, text: str) -> None:
        """A message shown on the next page ("ok" or "error")."""
        self.flash.append((kind, text))

    def take_errors(self) -> dict[str, str]:
        out, self.errors_at = self.errors_at, {}
        return out

    def take_flash(self) -> list[tuple[str, str]]:
        out, self.flash = self.flash, []
        return out


class Sessions:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._by_id: OrderedDict[str, Session] = OrderedDict()
        self._clock = clock

    def new(self) -> Session:
        s = Session(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32),
                    seen=self._clock())
        self._by_id[s.id] = s
        while len(self._by_id) > MAX_SESSIONS:
            self._by_id.popitem(last=False)
        return s

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        s = self._by_id.get(sid)
        if s is None:
            return None
        now = self._clock()
        if now - s.seen > IDLE_SECONDS:
            del self._by_id[sid]
            return None
        s.seen = now
        self._by_id.move_to_end(sid)
        return s

    def rotate(self, old: Session) -> Session:
        """A new id and CSRF token for the same session (at login: an id the browser had
        before it logged in is worth nothing after)."""
        self._by_id.pop(old.id, None)
        old.id, old.csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self._by_id[old.id] = old
        return old

    def drop(self, sid: str) -> None:
        self._by_id.pop(sid, None)
