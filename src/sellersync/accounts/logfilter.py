"""Keep OAuth query strings (authorization code, state) out of access logs."""

from __future__ import annotations

import logging

SENSITIVE_PATHS = ("/api/amazon/callback",)


class RedactQuery(logging.Filter):
    """uvicorn's access record args are (client, method, path with query, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2]
            if path.startswith(SENSITIVE_PATHS) and "?" in path:
                record.args = (*args[:2], path.split("?", 1)[0] + "?<redacted>", *args[3:])
        return True


def redact_access_log() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQuery) for f in logger.filters):
        logger.addFilter(RedactQuery())
