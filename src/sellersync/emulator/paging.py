"""Pagination tokens: a signed snapshot of the resolved query plus the next offset."""

from __future__ import annotations

from typing import Any

from .errors import invalid_input
from .tokens import InvalidToken, Signer


def make_token(signer: Signer, kind: str, query: dict[str, Any], offset: int, **extra: Any) -> str:
    return signer.dumps({"k": kind, "q": query, "o": offset, **extra})


def read_token(signer: Signer, kind: str, token: str, name: str = "NextToken") -> dict[str, Any]:
    try:
        data = signer.loads(token)
    except InvalidToken:
        raise invalid_input(f"Invalid {name}.", f"The {name} is not valid.") from None
    if data.get("k") != kind or not isinstance(data.get("q"), dict):
        raise invalid_input(f"Invalid {name}.", f"The {name} was not issued for this operation.")
    return data
