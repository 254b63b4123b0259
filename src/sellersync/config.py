"""Settings for sellersync, read once from the environment (prefix ``SELLERSYNC_``) and passed down."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FeeTierVersion(BaseModel):
    """One version of the FBA fulfillment fee table: per size tier and currency, per unit."""

    valid_from: date
    fees: dict[str, dict[str, Decimal]]  # size tier -> currency -> fee per unit


def _fee_table(valid_from: date, rows: dict[str, tuple[str, str, str, str]]) -> FeeTierVersion:
    return FeeTierVersion(
        valid_from=valid_from,
        fees={
            tier: dict(zip(("USD", "CAD", "GBP", "EUR"), (Decimal(v) for v in values), strict=True))
            for tier, values in rows.items()
        },
    )


#: The fee table of docs/emulator.md ("FBA fulfillment fee per unit"), newest last.
DEFAULT_FEE_TIERS: tuple[FeeTierVersion, ...] = (
    _fee_table(
        date(2024, 1, 15),
        {
            "Small standard-size": ("3.22", "4.05", "2.35", "2.70"),
            "Large standard-size": ("4.75", "6.20", "3.10", "3.64"),
            "Large bulky": ("9.61", "12.40", "6.90", "7.55"),
        },
    ),
    _fee_table(
        date(2025, 1, 15),
        {
            "Small standard-size": ("3.31", "4.15", "2.41", "2.78"),
            "Large standard-size": ("4.99", "6.45", "3.22", "3.78"),
            "Large bulky": ("9.95", "12.85", "7.15", "7.80"),
        },
    ),
    _fee_table(
        date(2026, 1, 15),
        {
            "Small standard-size": ("3.46", "4.30", "2.48", "2.86"),
            "Large standard-size": ("5.21", "6.70", "3.31", "3.90"),
            "Large bulky": ("10.30", "13.30", "7.40", "8.05"),
        },
    ),
)


class Settings(BaseSettings):
    """Every tunable of the service. Build one with :func:`get_settings` or ``Settings(...)`` in tests."""

    model_config = SettingsConfigDict(env_prefix="SELLERSYNC_", env_file=None, extra="ignore")

    env: str = Field("development", description="development | production")
    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{Path('var').resolve() / 'sellersync.db'}",
        description="SQLAlchemy URL; SQLite file under ./var/ by default, or postgresql+psycopg://…",
    )
    spapi_endpoint: str = Field(
        "https://sellingpartnerapi-na.amazon.com",
        description="Base URL of the SP-API (Amazon's regional endpoint or the emulator).",
    )
    lwa_endpoint: str = Field(
        "https://api.amazon.com/auth/o2/token", description="Login with Amazon token URL."
    )
    lwa_client_id: str = "amzn1.application-oa2-client.sellersync-dev"
    lwa_client_secret: str = "sellersync-dev-secret"
    app_id: str = "amzn1.sp.solution.sellersync-dev"
    secret_key: str = Field(
        "", description="Key material for encrypting refresh tokens (required outside development)."
    )
    backfill_days: int = Field(548, description="History covered by a first sync (18 months).")
    incremental_overlap_hours: int = 48
    http_timeout_seconds: float = 60.0
    max_retries: int = 6
    retry_backoff_seconds: float = Field(1.0, description="Base of the exponential backoff between retries.")
    unit_retries: int = Field(
        2, description="Times a unit is tried again after its calls ran out of retries."
    )
    report_poll_max_seconds: float = 3600.0
    report_poll_initial_seconds: float = Field(2.0, description="First getReport poll interval.")
    report_fatal_backoff_seconds: float = Field(30.0, description="Wait before re-requesting a FATAL report.")
    report_prefetch: int = Field(
        8, description="Reports requested ahead of the unit being read, while the bucket has room."
    )
    orders_api_hours: int = Field(6, description="Freshest hours read with getOrders instead of reports.")
    streams: str = Field("", description="Comma-separated stream names to sync; empty syncs every stream.")
    detect_after_sync: bool = Field(True, description="Run claim detection after every successful sync.")
    max_attempts: int = Field(
        5,
        description="Failed attempts (a crash that left a unit half done and committed none) before a "
        "sync gives up; hand-backs (shutdown, database unavailable, a worker lost before it ran a unit) "
        "don't count.",
    )
    max_handbacks: int = Field(
        100, description="Hand-backs of one sync after which each further one counts as a failed attempt."
    )
    max_run_retries: int = Field(
        3, description="Times the reaper queues a sync that gave up (failed) again, under the same id."
    )
    run_retry_backoff_seconds: float = Field(
        300.0, description="Wait before the reaper retries a failed sync; doubles with each retry."
    )
    job_concurrency: int = Field(4, description="Syncs run at once by the embedded runner.")
    reaper_interval_seconds: float = Field(10.0, description="How often orphaned syncs are looked for.")
    schedule_check_seconds: float = Field(60.0, description="How often schedules are checked.")
    api_key: str = Field("", description="Bearer key for the HTTP API until accounts land.")
    metrics_token: str = Field(
        "",
        description="Bearer token Prometheus sends to GET /metrics. Unset: /metrics is open in "
        "development and off (404) in production.",
    )
    sse_poll_seconds: float = Field(0.5, description="How often the SSE stream reads new events.")
    sse_heartbeat_seconds: float = Field(15.0, description="Comment lines that keep proxies open.")
    lease_seconds: float = Field(60.0, description="A running sync's lease; renewed every third of it.")
    batch_size: int = 1000
    sqlite_busy_seconds: float = Field(
        30.0, description="On SQLite, how long a write waits for another writer's lock before it fails."
    )
    # --- claim detection (docs/detection.md) ---
    detect_lost_reasons: str = Field("M,5", description="Ledger adjustment reasons of units lost in an FC.")
    detect_found_reasons: str = Field("F,N", description="Ledger adjustment reasons of units found again.")
    detect_damaged_reasons: str = Field(
        "E,6,7,U,Q",
        description="Amazon-fault damage reasons (H and K are customer/manufacturer fault: left out).",
    )
    detect_min_unit_difference: Decimal = Field(
        Decimal("0.01"), description="Smallest per-unit overcharge or underpayment that makes a claim."
    )
    detect_min_claim_amount: Decimal = Field(
        Decimal("0"), description="Claims estimated below this amount are not reported."
    )
    detect_inbound_grace_days: int = Field(
        30, description="A RECEIVING inbound shipment this many days after its last update counts as closed."
    )
    detect_fee_tiers: list[FeeTierVersion] = Field(
        default_factory=lambda: list(DEFAULT_FEE_TIERS),
        description="FBA fulfillment fee per unit by size tier and currency, versioned by valid_from (JSON).",
    )
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Public base URL of this server (the OAuth redirect_uri is under it).",
    )
    consent_url: str = Field(
        "", description="Base URL of the consent page instead of the regional Seller Central host."
    )
    consent_beta: bool = Field(False, description="Add version=beta to the consent URL (draft apps).")
    amazon_region: str = Field("NA", description="Region connected when /api/amazon/connect names none.")
    dashboard_url: str = Field("/", description="Where the OAuth callback sends the browser (?syncId=…).")
    session_days: float = Field(14.0, description="Lifetime of a dashboard sign-in session.")
    oauth_state_ttl_seconds: float = Field(600.0, description="Lifetime of an OAuth consent state.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
