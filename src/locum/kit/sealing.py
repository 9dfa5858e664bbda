"""Encryption at rest for secrets locum must be able to show again (secret keys, signing keys).

A Fernet key (the "master key") seals them; it comes from LOCUM_MASTER_KEY or a file in the data
directory, never from the database it protects.
"""

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken


class Sealer:
    def __init__(self, master_key: bytes) -> None:
        self._fernet = Fernet(master_key)

    def seal(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def unseal(self, sealed: bytes) -> str:
        try:
            return self._fernet.decrypt(sealed).decode()
        except InvalidToken as exc:
            raise ValueError("sealed value does not match the master key (LOCUM_MASTER_KEY)") from exc


def load_or_create_master_key(explicit: str | None, key_file: Path) -> bytes:
    if explicit:
        return explicit.encode()
    if key_file.exists():
        return key_file.read_bytes().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    key_file.touch(mode=0o600)
    key_file.write_bytes(key)
    return key
