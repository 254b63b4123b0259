"""The daily digest against a local SMTP server and a local webhook receiver, on real detected claims."""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sellersync.digest.schedule import run_digests, take
from sellersync.store.models import DigestDelivery
from sellersync.store.types import utcnow
from tests.conftest import Database
from tests.detect.conftest import Seller
from tests.digest.conftest import (
    COST,
    SMTP_USER,
    WEBHOOK_SECRET,
    Inbox,
    SmtpServer,
    WebhookReceiver,
    World,
    digest_settings,
    noon,
    self_signed_tls,
)
from tests.support.sellersync import env_for, free_port, run_server


def same_day(now: datetime, later: timedelta) -> datetime:
    """``later`` after ``now`` but still on ``now``'s UTC day (the next day has a digest of its own)."""
    return min(now + later, datetime.combine(now.date(), datetime.max.time(), tzinfo=UTC))


def ledger(db: Database) -> list[tuple[int, str, str, int]]:
    with db.uow() as s:
        return [
            (r.workspace_id, r.channel, r.status, r.attempts)
            for r in s.query(DigestDelivery).order_by(DigestDelivery.id)
        ]


def parts(message: Any) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def reimburse_paid(world: World) -> None:
    world.seller.reimbursement(
        noon(world.today - timedelta(days=2)), "Lost_Warehouse", "PAID", 2, COST, rid="R-PAID-1"
    )
    world.detect()


def test_digest_lists_new_claims_deadlines_and_reimbursements(
    world: World, smtp: SmtpServer, webhook: WebhookReceiver
) -> None:
    reimburse_paid(world)
    claims = world.claims()
    assert claims["PAID"]["status"] == "reimbursed" and claims["SOON"]["status"] == "open"
    settings = digest_settings(world.db, smtp, webhook)

    reports = run_digests(world.db.uow, settings, now=utcnow())

    assert sorted((r.channel, r.status) for r in reports) == [("email", "sent"), ("webhook", "sent")]
    # e-mail: to the workspace's owner (not the member), after SMTP AUTH, text and HTML
    ((to, msg),) = smtp.inbox.messages
    assert to == [f"owner{world.workspace_id}@example.com"] and smtp.inbox.logins == [SMTP_USER]
    assert msg["From"] == "digest@sellersync.example"
    assert msg["Subject"].endswith("4 new claims, 1 deadline within 7 days, 1 reimbursement")
    text, html = parts(msg)
    soon_url = f"https://sellersync.example/claims/{claims['SOON']['id']}"
    soon_deadline = (world.today + timedelta(days=4)).isoformat()
    assert "New claims: 4 · recoverable (not expired): 30.00 USD" in text  # SOON 22.50 + LATER 7.50
    assert "Claim windows closing within 7 days: 1 · total: 22.50 USD" in text
    assert f"SKU SOON · FNSKU XSOON · 3 units · 22.50 USD · file by {soon_deadline}" in text
    assert soon_url in text and f'<a href="{soon_url}">' in html
    assert "Reimbursements received: 1 · total: 15.00 USD" in text and "id R-PAID-1" in text
    assert "Claims reimbursed: 1 · total: 15.00 USD" in text

    # webhook: signed over timestamp and body with the shared secret
    (hook,) = webhook.requests
    ts = hook.headers["X-Sellersync-Timestamp"]
    expected = hmac.new(WEBHOOK_SECRET.encode(), ts.encode() + b"." + hook.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(hook.headers["X-Sellersync-Signature"], f"sha256={expected}")
    assert abs(time.time() - int(ts)) < 300
    body = hook.json()
    assert body["workspace"]["id"] == world.workspace_id
    assert sorted(c["sku"] for c in body["newClaims"]["items"]) == ["GONE", "LATER", "PAID", "SOON"]
    assert [(c["sku"], c["url"], c["deadline"]) for c in body["closingSoon"]["items"]] == [
        ("SOON", soon_url, soon_deadline)
    ]
    assert body["closingSoon"]["totals"] == {"USD": "22.50"}
    assert [(r["reimbursementId"], r["amount"]) for r in body["reimbursements"]["items"]] == [
        ("R-PAID-1", "15.00")
    ]
    assert [c["sku"] for c in body["reimbursedClaims"]["items"]] == ["PAID"]
    assert ledger(world.db) == [
        (world.workspace_id, "email", "sent", 1),
        (world.workspace_id, "webhook", "sent", 1),
    ]


def test_one_digest_per_day_and_the_next_day_reports_only_what_is_new(
    world: World, smtp: SmtpServer, webhook: WebhookReceiver
) -> None:
    settings = digest_settings(world.db, smtp, webhook)
    now = utcnow()
    run_digests(world.db.uow, settings, now=now)
    assert run_digests(world.db.uow, settings, now=same_day(now, timedelta(hours=3))) == []
    assert len(smtp.inbox.messages) == 1 and len(webhook.requests) == 1

    world.seller.product("NEXT", COST)
    world.seller.ledger(noon(world.today - timedelta(days=1)), "NEXT", -1, "M")
    world.detect()
    run_digests(world.db.uow, settings, now=now + timedelta(days=1))

    assert len(smtp.inbox.messages) == 2 and len(webhook.requests) == 2
    second = webhook.requests[1].json()
    assert [c["sku"] for c in second["newClaims"]["items"]] == ["NEXT"]
    assert [c["sku"] for c in second["closingSoon"]["items"]] == ["SOON"]
    assert second["periodStart"] == webhook.requests[0].json()["periodEnd"]
    assert [row[1:] for row in ledger(world.db)] == [("email", "sent", 1), ("webhook", "sent", 1)] * 2


def test_concurrent_calls_for_the_same_day_deliver_once_per_channel(
    world: World, smtp: SmtpServer, webhook: WebhookReceiver
) -> None:
    settings = digest_settings(world.db, smtp, webhook)
    now = utcnow()
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            start.wait()
            run_digests(world.db.uow, settings, now=now)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(smtp.inbox.messages) == 1 and len(webhook.requests) == 1
    assert [row[1:] for row in ledger(world.db)] == [("email", "sent", 1), ("webhook", "sent", 1)]


def test_two_processes_send_the_days_digest_once(
    world: World, smtp: SmtpServer, webhook: WebhookReceiver
) -> None:
    env = env_for(digest_settings(world.db, smtp, webhook))
    cmd = [sys.executable, "-m", "sellersync.cli", "digest", "send"]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0].decode() for p in procs]

    assert [p.returncode for p in procs] == [0, 0], outputs
    assert len(smtp.inbox.messages) == 1 and len(webhook.requests) == 1
    for out in outputs:
        assert f"workspace {world.workspace_id} {world.today.isoformat()} email: sent, 1 attempts" in out
    assert [row[1:] for row in ledger(world.db)] == [("email", "sent", 1), ("webhook", "sent", 1)]


def test_nothing_is_sent_or_recorded_when_both_channels_are_off(
    world: World, smtp: SmtpServer, webhook: WebhookReceiver
) -> None:
    settings = digest_settings(world.db, None, None)
    assert run_digests(world.db.uow, settings, now=utcnow()) == []
    out = subprocess.run(
        [sys.executable, "-m", "sellersync.cli", "digest", "send"],
        env=env_for(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1 and "no digest channel is configured" in out.stdout
    assert smtp.inbox.messages == [] and webhook.requests == [] and ledger(world.db) == []


def test_dry_run_prints_the_digest_and_sends_nothing(
    world: World, smtp: SmtpServer, webhook: WebhookReceiver
) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sellersync.cli",
            "digest",
            "send",
            "--dry-run",
            "--workspace",
            str(world.workspace_id),
        ],
        env=env_for(digest_settings(world.db, smtp, webhook)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Claim windows closing within 7 days: 1 · total: 22.50 USD" in out.stdout
    assert smtp.inbox.messages == [] and webhook.requests == [] and ledger(world.db) == []


def test_the_schedule_waits_for_the_configured_hour(world: World, webhook: WebhookReceiver) -> None:
    settings = digest_settings(world.db, None, webhook, digest_hour_utc=7)
    tomorrow = noon(world.today + timedelta(days=1))
    assert (
        run_digests(world.db.uow, settings, now=tomorrow.replace(hour=6, minute=59), on_schedule=True) == []
    )
    assert webhook.requests == [] and ledger(world.db) == []
    run_digests(world.db.uow, settings, now=tomorrow.replace(hour=7), on_schedule=True)
    assert len(webhook.requests) == 1 and [row[1:] for row in ledger(world.db)] == [("webhook", "sent", 1)]


def test_an_smtp_failure_is_recorded_and_retried_later_once(
    world: World, smtp: SmtpServer, webhook: WebhookReceiver
) -> None:
    settings = digest_settings(world.db, smtp, webhook, digest_retry_seconds=60.0)
    now = utcnow()
    smtp.stop()  # the SMTP server is down
    run_digests(world.db.uow, settings, now=now)
    assert [row[1:] for row in ledger(world.db)] == [("email", "failed", 1), ("webhook", "sent", 1)]
    with world.db.uow() as s:
        row = s.query(DigestDelivery).filter_by(channel="email").one()
        assert row.error and row.error.startswith("smtp: ConnectionRefusedError")
        assert row.next_attempt_at == now + timedelta(seconds=60)

    smtp.inbox.refuse = True  # back, but refusing the message: a second recorded failure
    smtp.start()
    assert run_digests(world.db.uow, settings, now=now + timedelta(seconds=30)) == []  # not due yet
    (report,) = run_digests(world.db.uow, settings, now=now + timedelta(seconds=61))
    assert (report.status, report.attempts) == ("failed", 2) and "451" in (report.error or "")

    smtp.inbox.refuse = False
    (report,) = run_digests(world.db.uow, settings, now=now + timedelta(seconds=61 + 121))
    assert (report.channel, report.status, report.attempts) == ("email", "sent", 3)
    assert run_digests(world.db.uow, settings, now=same_day(now, timedelta(hours=2))) == []
    assert len(smtp.inbox.messages) == 1 and len(webhook.requests) == 1
    ((_, msg),) = smtp.inbox.messages
    assert "Claim windows closing within 7 days: 1" in parts(msg)[0]  # the day's content, not lost


def test_a_webhook_error_answer_is_retried(world: World, webhook: WebhookReceiver) -> None:
    settings = digest_settings(world.db, None, webhook)
    now = utcnow()
    webhook.status = 503
    (report,) = run_digests(world.db.uow, settings, now=now)
    assert (report.status, report.error) == ("failed", "webhook answered 503")
    webhook.status = 200
    (report,) = run_digests(world.db.uow, settings, now=now + timedelta(seconds=61))
    assert (report.status, report.attempts) == ("sent", 2) and len(webhook.requests) == 1


def test_a_send_whose_process_died_is_taken_over_after_its_lease(
    world: World, webhook: WebhookReceiver
) -> None:
    settings = digest_settings(world.db, None, webhook, digest_lease_seconds=120.0, digest_hour_utc=0)
    now = utcnow()
    # a process claims the day and takes the send, then dies before sending anything
    from sellersync.digest.schedule import claim_day

    assert claim_day(world.db.uow, settings, world.workspace_id, "webhook", now)
    with world.db.uow() as s:
        delivery_id = s.query(DigestDelivery.id).scalar()
    assert take(world.db.uow, settings, delivery_id, now) is not None

    assert run_digests(world.db.uow, settings, now=now + timedelta(seconds=60)) == []  # still leased
    assert webhook.requests == []
    (report,) = run_digests(world.db.uow, settings, now=now + timedelta(seconds=121))
    assert (report.status, report.attempts) == ("sent", 2) and len(webhook.requests) == 1
    assert webhook.requests[0].headers["X-Sellersync-Delivery"] == str(delivery_id)


def test_a_quiet_day_sends_nothing_unless_asked(db: Database, webhook: WebhookReceiver) -> None:
    quiet = Seller(db)  # a workspace without claims
    now = utcnow()
    run_digests(db.uow, digest_settings(db, None, webhook), now=now)
    assert webhook.requests == [] and ledger(db) == [(quiet.workspace_id, "webhook", "empty", 0)]
    run_digests(
        db.uow, digest_settings(db, None, webhook, digest_send_empty=True), now=now + timedelta(days=1)
    )
    assert len(webhook.requests) == 1 and webhook.requests[0].json()["newClaims"]["count"] == 0


def test_an_email_digest_without_recipients_is_recorded(db: Database, smtp: SmtpServer) -> None:
    quiet = Seller(db)  # no users in it
    run_digests(db.uow, digest_settings(db, smtp, None, digest_send_empty=True), now=utcnow())
    assert ledger(db) == [(quiet.workspace_id, "email", "no_recipients", 0)] and smtp.inbox.messages == []


def test_the_server_scheduler_sends_the_digest(world: World, webhook: WebhookReceiver) -> None:
    settings = digest_settings(world.db, None, webhook, digest_hour_utc=0, digest_check_seconds=0.2)
    with run_server(settings):
        deadline = time.monotonic() + 60
        while not webhook.requests:
            assert time.monotonic() < deadline, "the server's digest tick sent nothing"
            time.sleep(0.05)
    assert [row[1:] for row in ledger(world.db)] == [("webhook", "sent", 1)]
    assert Decimal(webhook.requests[0].json()["closingSoon"]["totals"]["USD"]) == Decimal("22.50")


def test_the_email_goes_over_starttls_with_a_verified_certificate(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context, cert = self_signed_tls(tmp_path)
    server = SmtpServer(free_port(), Inbox(), tls=context)
    server.start()
    try:
        settings = digest_settings(world.db, server, None, digest_smtp_starttls=True)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the test certificate, nothing else
        (report,) = run_digests(world.db.uow, settings, now=utcnow())
        assert (report.status, report.error) == ("sent", None)
        assert len(server.inbox.messages) == 1 and server.inbox.logins == [SMTP_USER]

        monkeypatch.delenv("SSL_CERT_FILE")  # an untrusted certificate: refused, recorded, not sent
        (report,) = run_digests(
            world.db.uow, settings, now=utcnow() + timedelta(days=1), workspace_id=world.workspace_id
        )
    finally:
        server.stop()
    assert report.status == "failed" and "CERTIFICATE_VERIFY_FAILED" in (report.error or "")
    assert len(server.inbox.messages) == 1


def test_a_delivery_is_given_up_after_its_attempts_and_stays_recorded(
    world: World, webhook: WebhookReceiver
) -> None:
    settings = digest_settings(world.db, None, webhook, digest_max_attempts=2)
    now = utcnow()
    webhook.status = 500
    assert [r.status for r in run_digests(world.db.uow, settings, now=now)] == ["failed"]
    assert [r.status for r in run_digests(world.db.uow, settings, now=now + timedelta(seconds=61))] == [
        "gave_up"
    ]
    webhook.status = 200
    assert run_digests(world.db.uow, settings, now=same_day(now, timedelta(hours=5))) == []
    assert webhook.requests == [] and [row[1:] for row in ledger(world.db)] == [("webhook", "gave_up", 2)]
