"""Planning a run: read what the plan needs (marketplaces, checkpoints, settlement listings), plan once.

The windows themselves come from the pure ``planner``; this step gathers its inputs from Amazon and the
ledger, and records the planned units (pending) on the run in one transaction.
"""

from __future__ import annotations

from datetime import timedelta

from sellersync.amazon import get_region, parse_datetime
from sellersync.config import Settings
from sellersync.store.models import AmazonConnection, SyncRun
from sellersync.store.types import utcnow
from sellersync.store.uow import UnitOfWork
from sellersync.sync import ledger
from sellersync.sync.amazon_api import AmazonApi
from sellersync.sync.planner import PlanInputs, SettlementListing, plan
from sellersync.sync.progress import ProgressSink
from sellersync.sync.streams import BY_NAME


def ensure_plan(
    uow: UnitOfWork, settings: Settings, sync_id: str, api: AmazonApi, progress: ProgressSink
) -> None:
    """Plan the run's units once (a resumed run keeps its plan): its marketplaces, streams and windows."""
    with uow() as s:
        if ledger.units_of(s, sync_id):
            return
        run = s.get_one(SyncRun, sync_id)
        conn = s.get_one(AmazonConnection, run.connection_id)
        checkpoints = ledger.checkpoints(s, conn.id)
        region = conn.region
    markets = _marketplaces(api, region)
    streams = _streams(settings)
    now = utcnow()
    listings = [
        SettlementListing(
            report_id=str(r["reportId"]),
            document_id=str(r.get("reportDocumentId") or ""),
            marketplace_id=str((r.get("marketplaceIds") or [""])[0]),
            start=parse_datetime(str(r.get("dataStartTime"))),
            end=parse_datetime(str(r.get("dataEndTime"))),
        )
        for r in (
            api.reports.list_settlement_reports(now - timedelta(days=settings.backfill_days))
            if not streams or "settlements" in streams
            else []
        )
    ]
    planned = plan(
        PlanInputs(
            now=now,
            marketplace_ids=markets,
            backfill_days=settings.backfill_days,
            overlap=timedelta(hours=settings.incremental_overlap_hours),
            orders_api_hours=settings.orders_api_hours,
            checkpoints=checkpoints,
            settlements=[x for x in listings if x.marketplace_id in markets],
            streams=streams,
        )
    )
    with uow() as s:
        run = s.get_one(SyncRun, sync_id)
        conn = s.get_one(AmazonConnection, run.connection_id)
        conn.marketplace_ids = markets
        run.kind = "incremental" if checkpoints else "full"
        ledger.add_units(s, sync_id, planned)
        text = f"planned {len(planned)} units over {len(markets)} marketplace(s)"
        run.message = text
        ledger.add_event(s, run, "sync.log", {"message": text})
    progress.message(text)


def _streams(settings: Settings) -> list[str]:
    names = [n.strip() for n in settings.streams.split(",") if n.strip()]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise ValueError(f"unknown stream(s) {unknown}; known: {sorted(BY_NAME)}")
    return names


def _marketplaces(api: AmazonApi, region: str) -> list[str]:
    """All marketplaces of the connection's region that the seller participates in."""
    allowed = set(get_region(region).marketplaces.values())
    found = []
    for p in api.client.get_marketplace_participations():
        mkt = (p.get("marketplace") or {}).get("id")
        if mkt in allowed and (p.get("participation") or {}).get("isParticipating", True):
            found.append(str(mkt))
    return sorted(set(found))
