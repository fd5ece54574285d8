"""iSCSI targets for volumes, served in user space by Debian's `tgt` (the daemon `tgtd`,
driven with `tgtadm` as Cinder's TgtAdm target helper drives it).

One target per volume, IQN `iqn.2010-10.org.openstack:volume-<id>` (Cinder's default
target_prefix), LUN 1 the volume's raw file through tgt's `rdwr` backing store, one CHAP
account per target (Cinder's auth_method CHAP). tgt has no qcow2 backing store, so the file
backend hands it a raw view of the volume (see FileDriver.initialize_connection).

Restart-safe the way Cinder's tgt helper is: each export is also a small JSON file under
`state_dir` (Cinder writes tgt config files under volumes_dir), and `restore()` re-creates
every recorded target in a tgtd that lost them (a restart of tgtd, of Nubo, of the host).
Every operation is idempotent. No database here: this runs on the volume host.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from nubo.volume.agent.backend.base import BackendError

IQN_PREFIX = "iqn.2010-10.org.openstack:"
LUN = 1
_TARGET_LINE = re.compile(r"^Target (\d+): (\S+)$", re.M)


@dataclass(frozen=True)
class Export:
    volume_id: str
    iqn: str
    path: str
    username: str
    password: str


class TgtTargets:
    """The targets of one tgtd, listening on `address`:`port`, controlled through its
    socket number `control_port` (tgtd -C / tgtadm -C; 0 is the system daemon's)."""

    def __init__(self, state_dir: Path, address: str, port: int = 3260,
                 control_port: int = 0, tgtd: str = "tgtd", tgtadm: str = "tgtadm") -> None:
        self.state_dir, self.address, self.port = state_dir, address, port
        self.control_port, self.tgtd, self.tgtadm = control_port, tgtd, tgtadm
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def portal(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"

    def iqn(self, volume_id: str) -> str:
        return IQN_PREFIX + f"volume-{volume_id}"

    # -- exports

    def export(self, volume_id: str, path: Path) -> Export:
        """Serve `path` (a raw file) as LUN 1 of the volume's target, CHAP-protected; an
        export already recorded keeps its credentials (may_exist)."""
        rec = self._load(volume_id)
        if rec is None or rec.path != str(path):
            rec = Export(volume_id, self.iqn(volume_id), str(path),
                         secrets.token_hex(10), secrets.token_hex(12))
            self.state_dir.mkdir(parents=True, exist_ok=True)
            tmp = self._state(volume_id).with_suffix(".part")
            tmp.write_text(json.dumps(asdict(rec)))
            os.chmod(tmp, 0o600)
            os.replace(tmp, self._state(volume_id))
        if self.ensure_daemon():
            self.restore()
        else:
            self._apply(rec)
        return rec

    def remove(self, volume_id: str) -> None:
        """Delete the volume's target and account (if_exists); its record goes last, so a
        crash in between is finished by the next remove."""
        rec = self._load(volume_id)
        iqn = self.iqn(volume_id)
        if self._running():
            tid = self.targets().get(iqn)
            if tid is not None:
                self._adm("--op", "delete", "--mode", "target", "--tid", str(tid),
                          "--force")
            if rec is not None and rec.username in self._accounts():
                self._adm("--op", "delete", "--mode", "account", "--user", rec.username)
        self._state(volume_id).unlink(missing_ok=True)

    def restore(self) -> list[str]:
        """Re-create every recorded export missing from tgtd; the volume ids restored."""
        done = []
        for f in sorted(self.state_dir.glob("*.json")) if self.state_dir.exists() else []:
            rec = self._load(f.stem)
            if rec is not None and Path(rec.path).exists():
                self.ensure_daemon()
                self._apply(rec)
                done.append(rec.volume_id)
        return done

    def exported(self) -> set[str]:
        """The volume ids with a recorded export."""
        if not self.state_dir.exists():
            return set()
        return {f.stem for f in self.state_dir.glob("*.json")}

    def targets(self) -> dict[str, int]:
        """IQN -> tid of the targets tgtd serves now."""
        out = self._adm("--op", "show", "--mode", "target")
        return {iqn: int(tid) for tid, iqn in _TARGET_LINE.findall(out)}

    # -- the daemon

    def ensure_daemon(self) -> bool:
        """Start tgtd when nothing answers on the control socket; True when started (it
        then has no targets: the caller restores them)."""
        if self._running():
            return False
        cmd = [self.tgtd, "-f", "-C", str(self.control_port), "--iscsi",
               f"portal={self.portal}"]
        try:
            self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL,
                                            start_new_session=True)
        except OSError as exc:
            raise BackendError(f"cannot start tgtd: {exc}") from None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._running():
                return True
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise BackendError(f"tgtd did not start on {self.portal} (control port "
                           f"{self.control_port}): is the portal in use?")

    def stop_daemon(self) -> None:
        """Stop the tgtd this object started (tests; the volume host's tgtd outlives Nubo).
        tgtd ignores SIGTERM while it has targets: they go first, then `--mode system`."""
        if self.process is not None and self.process.poll() is None:
            try:
                for tid in self.targets().values():
                    self._adm("--op", "delete", "--mode", "target", "--tid", str(tid),
                              "--force", check=False)
            except BackendError:
                pass            # then the kill below
            subprocess.run([self.tgtadm, "-C", str(self.control_port), "--op", "delete",
                            "--mode", "system"], capture_output=True, timeout=10,
                           check=False)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    # -- helpers

    def _apply(self, rec: Export) -> None:
        present = self.targets()
        if rec.iqn in present:
            return
        tid = max(present.values(), default=0) + 1
        self._adm("--op", "new", "--mode", "target", "--tid", str(tid), "-T", rec.iqn)
        try:
            self._adm("--op", "new", "--mode", "logicalunit", "--tid", str(tid),
                      "--lun", str(LUN), "-b", rec.path, "--bstype", "rdwr")
            if rec.username not in self._accounts():
                self._adm("--op", "new", "--mode", "account", "--user", rec.username,
                          "--password", rec.password)
            self._adm("--op", "bind", "--mode", "account", "--tid", str(tid),
                      "--user", rec.username)
            # CHAP is the guard; any initiator address may log in with the secret
            self._adm("--op", "bind", "--mode", "target", "--tid", str(tid), "-I", "ALL")
        except BackendError:
            self._adm("--op", "delete", "--mode", "target", "--tid", str(tid), "--force",
                      check=False)
            raise

    def _accounts(self) -> set[str]:
        out = self._adm("--op", "show", "--mode", "account")
        return {line.strip() for line in out.splitlines()[1:] if line.strip()}

    def _running(self) -> bool:
        try:
            done = subprocess.run([self.tgtadm, "-C", str(self.control_port), "--op", "show",
                                   "--mode", "sys"], capture_output=True, timeout=10,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0

    def _adm(self, *args: str, check: bool = True) -> str:
        cmd = [self.tgtadm, "-C", str(self.control_port), "--lld", "iscsi", *args]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BackendError(f"tgtadm {' '.join(args[:4])} failed: {exc}") from None
        if check and done.returncode != 0:
            raise BackendError(f"tgtadm {' '.join(args[:4])} failed: "
                               f"{done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def _state(self, volume_id: str) -> Path:
        return self.state_dir / f"{volume_id}.json"

    def _load(self, volume_id: str) -> Export | None:
        try:
            raw = json.loads(self._state(volume_id).read_text())
            return Export(**raw)
        except (OSError, ValueError, TypeError):
            return None
