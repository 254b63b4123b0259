"""A local SMTP server (aiosmtpd), a local webhook receiver, and a workspace with real detected claims."""

from __future__ import annotations

import email
import email.policy
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from sellersync.config import Settings
from sellersync.detect.service import run_detection
from sellersync.store.models import User
from sellersync.store.types import utcnow
from tests.conftest import Database
from tests.detect.conftest import Seller
from tests.support.sellersync import free_port

SMTP_USER, SMTP_PASSWORD = "digest", "smtp-secret"
WEBHOOK_SECRET = "whsec-test"
COST = Decimal("7.50")


class Inbox:
    """aiosmtpd handler: keeps every accepted message; ``refuse`` makes it answer 451 to DATA."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.logins: list[str] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 mailbox busy, try again later"
        self.messages.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            SMTP_USER.encode(),
            SMTP_PASSWORD.encode(),
        )
        if ok:
            self.logins.append(SMTP_USER)
        return AuthResult(success=ok)


@dataclass
class SmtpServer:
    port: int
    inbox: Inbox
    controller: Controller | None = None
    tls: ssl.SSLContext | None = None  # set: STARTTLS is offered and required

    def start(self) -> None:
        self.controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self.inbox.authenticate,
            auth_require_tls=self.tls is not None,
            tls_context=self.tls,
            require_starttls=self.tls is not None,
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port(), Inbox())
    server.start()
    yield server
    server.stop()


@dataclass
class Hook:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    url: str
    requests: list[Hook] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if receiver.status < 300:
                receiver.requests.append(Hook(dict(self.headers.items()), body))
            self.send_response(receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/sellersync"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def digest_settings(
    db: Database, smtp: SmtpServer | None, webhook: WebhookReceiver | None, **kw: Any
) -> Settings:
    values: dict[str, Any] = {
        "database_url": db.url,
        "public_url": "https://sellersync.example/",
        "digest_smtp_starttls": False,
        "digest_smtp_from": "digest@sellersync.example",
        "digest_retry_seconds": 60.0,
    }
    if smtp is not None:
        values.update(
            digest_smtp_host="127.0.0.1",
            digest_smtp_port=smtp.port,
            digest_smtp_username=SMTP_USER,
            digest_smtp_password=SMTP_PASSWORD,
        )
    if webhook is not None:
        values.update(digest_webhook_url=webhook.url, digest_webhook_secret=WEBHOOK_SECRET)
    values.update(kw)
    return Settings(**values)


def noon(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 12, tzinfo=UTC)


@dataclass
class World:
    """One workspace whose claims were written by detection, as of today (the real clock)."""

    seller: Seller
    db: Database
    today: date

    @property
    def workspace_id(self) -> int:
        return self.seller.workspace_id

    def detect(self) -> None:
        self.seller.flush()
        run_detection(
            self.db.uow,
            Settings(database_url=self.db.url),
            connection_id=self.seller.connection_id,
            sync_id="test-sync",
            today=self.today,
        )

    def claims(self) -> dict[str, dict[str, Any]]:
        from sellersync.store.models import Claim

        with self.db.uow() as s:
            return {
                c.sku: {"id": c.id, "status": c.status, "deadline": c.deadline}
                for c in s.query(Claim).filter(Claim.workspace_id == self.workspace_id)
            }


@pytest.fixture
def world(db: Database) -> World:
    """Lost units (FACTS §8: 60-day window from the ledger date) at known distances from today:
    SOON closes in 4 days, LATER in 40, GONE expired; PAID is a loss Amazon has reimbursed."""
    today = utcnow().date()
    seller = Seller(db)
    with db.uow() as s:
        s.add(
            User(
                workspace_id=seller.workspace_id,
                email=f"owner{seller.workspace_id}@example.com",
                role="owner",
            )
        )
        s.add(
            User(
                workspace_id=seller.workspace_id,
                email=f"member{seller.workspace_id}@example.com",
                role="member",
            )
        )
    for sku in ("SOON", "LATER", "GONE", "PAID"):
        seller.product(sku, COST)
    seller.ledger(noon(today - timedelta(days=56)), "SOON", -3, "M")
    seller.ledger(noon(today - timedelta(days=20)), "LATER", -1, "M")
    seller.ledger(noon(today - timedelta(days=70)), "GONE", -2, "M")
    seller.ledger(noon(today - timedelta(days=10)), "PAID", -2, "M")
    w = World(seller, db, today)
    w.detect()
    return w


def self_signed_tls(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context for 127.0.0.1 and the path of its certificate (to trust as a CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path
