"""What `nubo up` does before its listener answers: no work the readiness path does not need."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import bcrypt
import pytest

from nubo.identity.passwords import Hasher


def test_the_server_module_does_not_import_the_libvirt_driver() -> None:
    """--virt fake never needs the libvirt driver, the guest builder or pycdlib."""
    code = ("import sys, nubo.server; "
            "print(sorted(m for m in sys.modules if m.startswith("
            "('nubo.compute.agent.virt.libvirt.driver', 'pycdlib'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_a_hasher_hashes_nothing_until_a_password_is_checked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []
    real = bcrypt.hashpw

    def counting(password: bytes, salt: bytes) -> bytes:
        calls.append(password)
        return real(password, salt)
    monkeypatch.setattr(bcrypt, "hashpw", counting)
    hasher = Hasher(4)
    assert calls == []
    # an unknown user (no hash) is compared against the dummy hash, made once, and refused
    assert asyncio.run(hasher.check("secret", None)) is False
    assert asyncio.run(hasher.check("nubo-dummy-password", None)) is False
    assert len(calls) == 1
    assert asyncio.run(hasher.check("secret", asyncio.run(hasher.hash("secret")))) is True
