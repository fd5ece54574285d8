"""The dashboard's pure helpers: how many more of a flavor placement would place, times and
sizes as people read them, shell quoting of the CLI lines."""

from __future__ import annotations

from datetime import UTC, datetime

from nubo.dashboard.cli import ago, quote, size
from nubo.dashboard.handlers.admin import fits

INV = {"VCPU": {"total": 8, "reserved": 0, "allocation_ratio": 4.0, "max_unit": 8},
       "MEMORY_MB": {"total": 8192, "reserved": 512, "allocation_ratio": 1.0,
                     "max_unit": 8192},
       "DISK_GB": {"total": 100, "reserved": 0, "allocation_ratio": 1.0, "max_unit": 100}}


def test_fits_counts_with_allocation_ratio_and_reserved() -> None:
    small = {"vcpus": 1, "ram": 512, "disk": 1}
    assert fits(INV, {}, small) == 15                      # RAM: (8192 - 512) // 512
    assert fits(INV, {"MEMORY_MB": 7168}, small) == 1
    assert fits(INV, {"VCPU": 32}, small) == 0             # 8 x 4 vCPUs all used
    assert fits(INV, {}, {"vcpus": 16, "ram": 1, "disk": 0}) == 0   # over max_unit
    assert fits({}, {}, small) is None                     # nothing known


def test_ago_and_size() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert ago("2026-01-01T11:59:30Z", now) == "just now"
    assert ago("2026-01-01T11:55:00Z", now) == "5 min ago"
    assert ago("2026-01-01T08:59:59.123456", now) == "3 h ago"
    assert ago("not a time", now) == "not a time" and ago(None) == ""
    assert size(128) == "128 MiB" and size(2048) == "2 GiB" and size(65536, "B") == "64 KiB"


def test_quote() -> None:
    assert quote("web1") == "web1" and quote("my vm") == "'my vm'"
