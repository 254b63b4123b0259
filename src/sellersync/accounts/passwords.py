"""Password hashing with scrypt (stdlib), in a self-describing format so parameters can change.

``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>``; verification is constant-time and re-reads the
parameters stored with the hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2**15, 8, 1
DKLEN = 32
MAXMEM = 128 * N * R * 2
MIN_LENGTH = 8
MAX_LENGTH = 1024


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValueError(f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, maxmem=MAXMEM, dklen=DKLEN)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """True if ``password`` matches ``stored``; a missing or malformed hash never matches."""
    if not stored or len(password) > MAX_LENGTH:
        dummy_check()
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=128 * int(n) * int(r) * 2,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def dummy_check() -> None:
    """Spend the time of one verification (unknown e-mail addresses answer as slowly as known ones)."""
    hashlib.scrypt(b"y", salt=b"sellersync-dummy", n=N, r=R, p=P, maxmem=MAXMEM, dklen=DKLEN)
