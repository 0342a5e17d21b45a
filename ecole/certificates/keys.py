"""The school's signing keys (Ed25519), kept as files in SIGNING_KEYS_DIR, never in the database, so a
database backup never holds them; encrypted at rest with ECOLE_SIGNING_KEY_PASSPHRASE when it is set.

Each key is a pair of files named by its creation time: `<stamp>.pem` (the private key, mode 0600)
and `<stamp>.pub` (the raw public key, hex). The newest signs; every key ever used stays published in
`/issuer.json`, so a certificate signed before a rotation still verifies. Created and rotated through
`flask ecole signing-key create|rotate` (and `init` creates the first one)."""
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app


class NoSigningKey(RuntimeError):
    """No key to sign with: `flask ecole signing-key create` makes one."""


@dataclass(frozen=True)
class SigningKey:
    stamp: str
    public: bytes
    path: Path

    def private_bytes(self) -> bytes:
        passphrase = os.environ.get("ECOLE_SIGNING_KEY_PASSPHRASE") or current_app.config.get("SIGNING_KEY_PASSPHRASE")
        key = serialization.load_pem_private_key(self.path.read_bytes(), password=passphrase.encode() if passphrase else None)
        if not isinstance(key, Ed25519PrivateKey):
            raise NoSigningKey(f"{self.path} is not an Ed25519 key")
        return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def keys_dir() -> Path:
    return Path(current_app.config["SIGNING_KEYS_DIR"])


def all_keys() -> list[SigningKey]:
    """Every key, newest first."""
    folder = keys_dir()
    if not folder.is_dir():
        return []
    found = []
    for pub in sorted(folder.glob("*.pub"), reverse=True):
        private = pub.with_suffix(".pem")
        try:
            public = bytes.fromhex(pub.read_text().strip())
        except ValueError:
            continue
        if len(public) == 32 and private.is_file():
            found.append(SigningKey(pub.stem, public, private))
    return found


def current_key() -> SigningKey:
    keys = all_keys()
    if not keys:
        raise NoSigningKey("no signing key: run `flask --app wsgi ecole signing-key create`")
    return keys[0]


def create_key() -> SigningKey:
    """A new key, which signs from now on (the older ones stay published)."""
    folder = keys_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    key = Ed25519PrivateKey.generate()
    passphrase = os.environ.get("ECOLE_SIGNING_KEY_PASSPHRASE") or current_app.config.get("SIGNING_KEY_PASSPHRASE")
    encryption = (serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
                  else serialization.NoEncryption())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    private = folder / f"{stamp}.pem"
    descriptor = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    (folder / f"{stamp}.pub").write_text(public.hex() + "\n")
    return SigningKey(stamp, public, private)
