"""Key pairs: a user's named SSH public keys, imported or generated (RSA 2048, as Nova
generates them), with Nova's MD5 fingerprint. Key pairs belong to a user, not a project."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from nubo.compute import errors
from nubo.compute import models_keypairs as m
from nubo.compute.service.quotas import QuotaExceeded, QuotaService
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.errors import NotFound


@dataclass
class Keypair:
    id: int
    name: str
    user_id: str
    fingerprint: str
    public_key: str
    type: str
    created_at: datetime
    updated_at: datetime | None
    private_key: str | None = None


def _dto(row: m.KeyPair, private_key: str | None = None) -> Keypair:
    return Keypair(id=row.id, name=row.name, user_id=row.user_id, fingerprint=row.fingerprint,
                   public_key=row.public_key, type=row.type, created_at=row.created_at,
                   updated_at=row.updated_at, private_key=private_key)


def fingerprint(public_key: str) -> str:
    """MD5 of the key blob as colon-separated hex pairs; a 400 when it is no SSH key."""
    try:
        serialization.load_ssh_public_key(public_key.encode("utf-8"))
        raw = hashlib.md5(base64.b64decode(public_key.split(" ")[1]),
                          usedforsecurity=False).hexdigest()
    except Exception:  # noqa: BLE001 - anything unparsable is the same user error
        raise errors.InvalidKeypair(reason="failed to generate fingerprint") from None
    return ":".join(a + b for a, b in zip(raw[::2], raw[1::2], strict=True))


def generate() -> tuple[str, str, str]:
    """(private key PEM, public key in OpenSSH form, fingerprint), as Nova's crypto does."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    public = f"{public} Generated-by-Nova"
    return private, public, fingerprint(public)


def x509_fingerprint(pem: str) -> str:
    """Nova's x509 fingerprint: SHA-1 of the DER certificate, colon-separated."""
    from cryptography import x509  # 60 ms to import: not on every start
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("utf-8"))
    except Exception:  # noqa: BLE001 - anything unparsable is the same user error
        raise errors.InvalidKeypair(reason="failed to generate fingerprint") from None
    raw = hashlib.sha1(cert.public_bytes(serialization.Encoding.DER),
                       usedforsecurity=False).hexdigest()
    return ":".join(a + b for a, b in zip(raw[::2], raw[1::2], strict=True))


def generate_x509() -> tuple[str, str, str]:
    """(private key PEM, self-signed certificate PEM, fingerprint), as Nova makes an x509
    key pair when none is given."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Nova")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = cert.public_bytes(serialization.Encoding.PEM).decode()
    return private, public, x509_fingerprint(public)


class KeypairService:
    def __init__(self, db: Database, quotas: QuotaService) -> None:
        self.db = db
        self.quotas = quotas
        quotas.register_counter("key_pairs", self.count)

    async def count(self, project_id: str | None, user_id: str | None) -> int:
        async with self.db.read() as s:
            return int((await s.execute(select(func.count()).select_from(m.KeyPair).where(
                m.KeyPair.user_id == (user_id or "")))).scalar_one())

    async def _check_quota(self, ctx: RequestContext, user_id: str) -> None:
        try:
            await self.quotas.check_deltas(ctx.project_id or "", user_id, {"key_pairs": 1})
        except QuotaExceeded:
            raise errors.KeypairLimitExceeded() from None

    async def create(self, ctx: RequestContext, user_id: str, name: str,
                     public_key: str | None, key_type: str = "ssh") -> Keypair:
        """Import `public_key`, or generate a pair (the private key is returned once).
        `key_type` (2.2): "ssh", or "x509" for a PEM certificate."""
        await self._check_quota(ctx, user_id)
        private = None
        if public_key is None:
            private, public_key, fp = await asyncio.to_thread(
                generate_x509 if key_type == "x509" else generate)
        else:
            fp = x509_fingerprint(public_key) if key_type == "x509" else \
                fingerprint(public_key)
        async with self.db.write() as s:
            exists = (await s.execute(select(m.KeyPair.id).where(
                m.KeyPair.user_id == user_id, m.KeyPair.name == name))).first()
            if exists:
                raise errors.KeyPairExists(key_name=name)
            row = m.KeyPair(user_id=user_id, name=name, fingerprint=fp,
                            public_key=public_key, type=key_type)
            s.add(row)
        return _dto(row, private)

    async def of_user(self, user_id: str, limit: int | None = None,
                      marker: str | None = None) -> list[Keypair]:
        """A user's key pairs by name; a page after the key pair named `marker` (2.35)."""
        async with self.db.read() as s:
            rows = list((await s.execute(select(m.KeyPair).where(
                m.KeyPair.user_id == user_id).order_by(m.KeyPair.name))).scalars())
        if marker is not None:
            names = [r.name for r in rows]
            if marker not in names:
                raise errors.KeypairMarkerNotFound(marker=marker)
            rows = rows[names.index(marker) + 1:]
        if limit is not None:
            rows = rows[:limit]
        return [_dto(r) for r in rows]

    async def get(self, user_id: str, name: str) -> Keypair:
        async with self.db.read() as s:
            row = (await s.execute(select(m.KeyPair).where(
                m.KeyPair.user_id == user_id, m.KeyPair.name == name))).scalars().first()
        if row is None:
            raise errors.KeypairNotFound(name=name, user_id=user_id)
        return _dto(row)

    async def get_for(self, ctx: RequestContext, name: str) -> Keypair:
        """The caller's key pair a server is created with: a 400 when there is none."""
        try:
            return await self.get(ctx.user_id or "", name)
        except NotFound:
            raise errors.InvalidKeyName() from None

    async def delete(self, user_id: str, name: str) -> None:
        async with self.db.write() as s:
            row = (await s.execute(select(m.KeyPair).where(
                m.KeyPair.user_id == user_id, m.KeyPair.name == name))).scalars().first()
            if row is None:
                raise errors.KeypairNotFound(name=name, user_id=user_id)
            await s.delete(row)
