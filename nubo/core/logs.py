"""Structured logs: JSON lines in `DATA_DIR/logs/nubo.log`, a readable line on stderr.

Every record carries the request id of the request being served, if any. Secrets never reach
a log: handlers log ids, never bodies. The access log (`nubo.access`) and the conductor's steps
(`nubo.steps`, with `instance_id` and the request id of the action) go to the file only, so
`grep SERVER_ID nubo.log` and then `grep REQUEST_ID nubo.log` tell the story of one server.
"""

from __future__ import annotations

import contextvars
import logging
import sys
from datetime import UTC, datetime
from logging.handlers import WatchedFileHandler
from pathlib import Path

import orjson

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "nubo_request_id", default=None)

_STD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # a record may name its request itself (a conductor step resumed after a restart
        # belongs to the request that asked for it, not to whatever runs now)
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STD and value is not None:
                doc[key] = value
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(doc, default=str).decode()


def setup(log_dir: Path | None, level: str = "INFO", access_to_stderr: bool = False) -> None:
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.setLevel(level)
    rid = _RequestIdFilter()
    err = logging.StreamHandler(sys.stderr)
    err.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    err.addFilter(rid)
    if not access_to_stderr:
        err.addFilter(lambda r: not r.name.startswith(("nubo.access", "nubo.steps")))
    root.addHandler(err)
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        fh = WatchedFileHandler(log_dir / "nubo.log")
        fh.setFormatter(JsonFormatter())
        fh.addFilter(rid)
        root.addHandler(fh)
    for noisy in ("uvicorn.access", "aiosqlite", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
