"""Encryption at rest for secrets locum must be able to show again (secret keys, signing keys, TOTP
secrets, OAuth tokens, client tokens, webhook secrets).

A Fernet key (the "master key") seals them; it comes from LOCUM_MASTER_KEY or a file in the data
directory, never from the database it protects. Whether a key may be created, and whether it fits
the database, is decided in locum.instances.master_key.
"""

import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIRECTORY_MODE = 0o700


class Sealer:
    def __init__(self, master_key: bytes) -> None:
        """Raises ValueError when `master_key` is not a Fernet key (32 url-safe base64-encoded bytes)."""
        self._fernet = Fernet(master_key)
        # Names the key without revealing it (snapshot headers): a digest of 256 random bits.
        self.fingerprint = hashlib.sha256(master_key).hexdigest()[:16]

    def seal(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def unseal(self, sealed: bytes) -> str:
        try:
            return self._fernet.decrypt(bytes(sealed)).decode()
        except InvalidToken as exc:
            raise ValueError("sealed value does not match the master key (LOCUM_MASTER_KEY)") from exc

    def opens(self, sealed: bytes) -> bool:
        try:
            self._fernet.decrypt(bytes(sealed))
        except InvalidToken:
            return False
        return True


def make_private_directory(path: Path) -> None:
    """Create `path` readable by its owner only; an existing directory is left as it is."""
    path.mkdir(mode=PRIVATE_DIRECTORY_MODE, parents=True, exist_ok=True)


def read_master_key(key_file: Path) -> bytes | None:
    try:
        return key_file.read_bytes().strip()
    except FileNotFoundError:
        return None


def create_master_key(key_file: Path) -> bytes:
    """A new key written to `key_file` (mode 0600); a key file that appeared meanwhile wins and is returned.

    The key is written whole to a file of its own first, then linked into place: another process
    starting at the same moment never reads a half-written key, and never has its key replaced.
    """
    make_private_directory(key_file.parent)
    key = Fernet.generate_key()
    draft = key_file.with_name(f"{key_file.name}.{os.getpid()}.new")
    draft.unlink(missing_ok=True)  # left by a process that died here
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key)
    try:
        os.link(draft, key_file)
    except FileExistsError:
        return key_file.read_bytes().strip()
    finally:
        draft.unlink()
    return key
