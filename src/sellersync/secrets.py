"""Encryption of secrets at rest (refresh tokens): Fernet with a key derived from SELLERSYNC_SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from sellersync.config import Settings

DEV_KEY_MATERIAL = "sellersync-development-only-key"


class SecretKeyMissing(RuntimeError):
    """Raised outside development when no SELLERSYNC_SECRET_KEY is configured."""


class SecretBox:
    """Encrypts and decrypts short secrets. Never logs or returns plaintext in reprs."""

    def __init__(self, key_material: str) -> None:
        digest = hashlib.sha256(key_material.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        if settings.secret_key:
            return cls(settings.secret_key)
        if settings.env != "development":
            raise SecretKeyMissing("SELLERSYNC_SECRET_KEY must be set outside development")
        return cls(DEV_KEY_MATERIAL)

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken as exc:
            raise ValueError("stored secret cannot be decrypted with the configured key") from exc

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"
