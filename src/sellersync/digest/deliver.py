"""Sending one digest: an e-mail over SMTP, or a JSON POST signed with HMAC-SHA256.

Both carry the delivery's id (``Message-ID`` / ``X-Sellersync-Delivery``), so a receiver can recognise
a message it already has. Failures raise :class:`DeliveryFailed` with a reason fit for the ledger.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import httpx

from sellersync.config import Settings
from sellersync.digest import render

SIGNATURE_HEADER = "X-Sellersync-Signature"
TIMESTAMP_HEADER = "X-Sellersync-Timestamp"
DELIVERY_HEADER = "X-Sellersync-Delivery"
EVENT_HEADER = "X-Sellersync-Event"


class DeliveryFailed(RuntimeError):
    """The channel refused or could not be reached; the delivery is tried again later."""


def webhook_body(digest: dict[str, Any]) -> bytes:
    return json.dumps(digest, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, ``timestamp + "." + body``): the timestamp is signed too,
    so a receiver that rejects old timestamps cannot be replayed a captured request."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def post_webhook(settings: Settings, digest: dict[str, Any], delivery_id: int) -> None:
    body = webhook_body(digest)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        EVENT_HEADER: "digest",
        DELIVERY_HEADER: str(delivery_id),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(settings.digest_webhook_secret, timestamp, body),
    }
    try:
        answer = httpx.post(
            settings.digest_webhook_url,
            content=body,
            headers=headers,
            timeout=settings.digest_timeout_seconds,
        )
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"webhook unreachable: {type(exc).__name__}: {exc}") from exc
    if not answer.is_success:
        raise DeliveryFailed(f"webhook answered {answer.status_code}")


def email_message(
    settings: Settings, digest: dict[str, Any], recipients: list[str], delivery_id: int
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = render.subject(digest)
    msg["From"] = settings.digest_smtp_from
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(usegmt=True)
    domain = settings.digest_smtp_from.rpartition("@")[2] or "sellersync"
    msg["Message-ID"] = f"<digest-{delivery_id}-{digest['day']}@{domain}>"
    msg[DELIVERY_HEADER] = str(delivery_id)
    msg.set_content(render.text(digest))
    msg.add_alternative(render.html(digest), subtype="html")
    return msg


def send_email(settings: Settings, message: EmailMessage) -> str | None:
    """Send; returns a note naming recipients the server refused while accepting the others."""
    try:
        with smtplib.SMTP(
            settings.digest_smtp_host, settings.digest_smtp_port, timeout=settings.digest_timeout_seconds
        ) as smtp:
            if settings.digest_smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.digest_smtp_username:
                smtp.login(settings.digest_smtp_username, settings.digest_smtp_password)
            refused = smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"smtp: {type(exc).__name__}: {exc}") from exc
    # some recipients refused, the others got it: sent (never again to the others), with a note
    return f"smtp refused recipients: {', '.join(sorted(refused))}" if refused else None
