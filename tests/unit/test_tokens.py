from __future__ import annotations

import stat
import time
from pathlib import Path

from nubo.identity.tokens import KeyRepository, TokenPayload, new_audit_id


def payload(**kw: object) -> TokenPayload:
    base = dict(user_id="u1", methods=("password", "token"), scope="project", scope_id="p1",
                issued_at=time.time(), expires_at=time.time() + 60,
                audit_ids=(new_audit_id(),), app_cred_id=None)
    base.update(kw)
    return TokenPayload(**base)  # type: ignore[arg-type]


def test_round_trip_and_tamper(tmp_path: Path) -> None:
    repo = KeyRepository(tmp_path / "k")
    repo.setup()
    p = payload()
    tok = repo.encrypt(p)
    assert repo.decrypt(tok) == p
    assert len(tok) < 300
    flipped = tok[:40] + ("A" if tok[40] != "A" else "B") + tok[41:]
    assert repo.decrypt(flipped) is None
    assert repo.decrypt("not-a-token") is None
    assert repo.decrypt("é") is None


def test_key_files_are_private(tmp_path: Path) -> None:
    repo = KeyRepository(tmp_path / "k")
    repo.setup()
    assert stat.S_IMODE((tmp_path / "k").stat().st_mode) == 0o700
    for f in (tmp_path / "k").iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600


def test_rotation_keeps_recent_tokens_and_drops_old_keys(tmp_path: Path) -> None:
    repo = KeyRepository(tmp_path / "k", max_active=3)
    repo.setup()
    old = repo.encrypt(payload())
    repo.rotate()
    assert repo.decrypt(old) is not None          # previous primary still decrypts
    newer = repo.encrypt(payload())
    repo.rotate()
    assert repo.decrypt(old) is None              # pruned: only max_active keys remain
    assert repo.decrypt(newer) is not None
    repo.rotate()
    assert repo.decrypt(newer) is None
    assert sorted(p.name for p in (tmp_path / "k").iterdir())[0] == "0"
    assert len(list((tmp_path / "k").iterdir())) == 3


def test_rotation_by_another_process_is_noticed(tmp_path: Path) -> None:
    a = KeyRepository(tmp_path / "k")
    a.setup()
    b = KeyRepository(tmp_path / "k")
    tok_b_before = b.encrypt(payload())
    a.rotate()
    time.sleep(0.01)
    tok_a = a.encrypt(payload())
    assert b.decrypt(tok_a) is not None and a.decrypt(tok_b_before) is not None
