"""Settings for sellersync, read once from the environment (prefix ``SELLERSYNC_``) and passed down."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    orders_api_hours: int = Field(6, description="Freshest hours read with getOrders instead of reports.")
    streams: str = Field("", description="Comma-separated stream names to sync; empty syncs every stream.")
    max_attempts: int = Field(5, description="Times a sync is (re)started after crashes before it fails.")
    job_concurrency: int = Field(4, description="Syncs run at once by the embedded runner.")
    reaper_interval_seconds: float = Field(10.0, description="How often orphaned syncs are looked for.")
    schedule_check_seconds: float = Field(60.0, description="How often schedules are checked.")
    api_key: str = Field("", description="Bearer key for the HTTP API until accounts land.")
    sse_poll_seconds: float = Field(0.5, description="How often the SSE stream reads new events.")
    sse_heartbeat_seconds: float = Field(15.0, description="Comment lines that keep proxies open.")
    lease_seconds: float = Field(60.0, description="A running sync's lease; renewed every third of it.")
    batch_size: int = 1000
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
