"""Settings for sellersync, read once from the environment (prefix ``SELLERSYNC_``) and passed down."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from pydantic import BaseModel, Field, model_validator
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


DEV_LWA_CLIENT_ID = "amzn1.application-oa2-client.sellersync-dev"
DEV_LWA_CLIENT_SECRET = "sellersync-dev-secret"
MIN_SECRET_KEY = 32


class Settings(BaseSettings):
    """Every tunable of the service. Build one with :func:`get_settings` or ``Settings(...)`` in tests."""

    model_config = SettingsConfigDict(env_prefix="SELLERSYNC_", env_file=None, extra="ignore")

    env: str = Field("development", description="development | production")
    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{Path('var').resolve() / 'sellersync.db'}",
        description="SQLAlchemy URL; SQLite file under ./var/ by default, or postgresql+psycopg://…",
    )
    spapi_endpoint: str = Field(
        "",
        description="One SP-API base URL for every region (backward compatible); empty: per region.",
    )
    spapi_endpoints: dict[str, str] = Field(
        default_factory=dict,
        description="Region -> SP-API base URL (JSON); a region not named uses SELLERSYNC_SPAPI_ENDPOINT "
        "or else Amazon's endpoint of the region.",
    )
    consent_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Region -> base URL of the consent page (JSON); else SELLERSYNC_CONSENT_URL or "
        "the region's Seller Central host.",
    )
    lwa_endpoint: str = Field(
        "https://api.amazon.com/auth/o2/token", description="Login with Amazon token URL."
    )
    lwa_client_id: str = DEV_LWA_CLIENT_ID
    lwa_client_secret: str = DEV_LWA_CLIENT_SECRET
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
    orders_api_hours: int = Field(6, description="Freshest hours read with searchOrders instead of reports.")
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
    regions: str = Field("NA,EU,FE", description="Comma-separated regions the dashboard's Connect offers.")
    dashboard_url: str = Field("/", description="Where the OAuth callback sends the browser (?syncId=…).")
    session_days: float = Field(14.0, description="Lifetime of a dashboard sign-in session.")
    oauth_state_ttl_seconds: float = Field(600.0, description="Lifetime of an OAuth consent state.")
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or networks (CIDR) of reverse proxies whose "
        "X-Forwarded-For is believed. Empty: the direct peer is the client.",
    )
    max_body_bytes: int = Field(
        8_388_608,
        description="Largest request body accepted (413 above it); 8 MiB holds PUT /api/claims/products "
        "with its 10,000 products, every field given.",
    )

    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return tuple(
            ip_network(p.strip(), strict=False) for p in self.trusted_proxies.split(",") if p.strip()
        )

    def production_problems(self) -> list[str]:
        """Why these settings are unsafe in production (empty when they are fine, or not production)."""
        if self.env != "production":
            return []
        problems = []
        if len(self.secret_key) < MIN_SECRET_KEY:
            problems.append(f"SELLERSYNC_SECRET_KEY must be at least {MIN_SECRET_KEY} characters")
        if self.lwa_client_id == DEV_LWA_CLIENT_ID or self.lwa_client_secret == DEV_LWA_CLIENT_SECRET:
            problems.append(
                "SELLERSYNC_LWA_CLIENT_ID and SELLERSYNC_LWA_CLIENT_SECRET must be your app's credentials, "
                "not the built-in development ones"
            )
        if not self.public_url.startswith("https://"):
            problems.append("SELLERSYNC_PUBLIC_URL must be an https:// URL (sign-in cookies are Secure)")
        return problems

    def check_production(self) -> None:
        problems = self.production_problems()
        if problems:
            raise UnsafeSettings("refusing to start in production: " + "; ".join(problems))

    # --- daily digest (docs/operations.md, "Daily digest"); each channel is off until configured ---
    digest_hour_utc: int = Field(7, ge=0, le=23, description="UTC hour from which the day's digest is sent.")
    digest_check_seconds: float = Field(60.0, description="How often the server looks for digests due.")
    digest_deadline_days: int = Field(7, description="Claims whose window closes within this many days.")
    digest_send_empty: bool = Field(False, description="Send a digest on days with nothing to report.")
    digest_smtp_host: str = Field("", description="SMTP server for the e-mail digest; empty: no e-mail.")
    digest_smtp_port: int = Field(587, description="SMTP port.")
    digest_smtp_username: str = Field("", description="SMTP login; empty: no AUTH.")
    digest_smtp_password: str = Field("", description="SMTP password.")
    digest_smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS.")
    digest_smtp_from: str = Field("sellersync@localhost", description="From address of the e-mail digest.")
    digest_email_to: str = Field(
        "", description="Comma-separated recipients for every workspace; empty: the workspace's owners."
    )
    digest_webhook_url: str = Field("", description="URL the digest is POSTed to as JSON; empty: none.")
    digest_webhook_secret: str = Field("", description="HMAC-SHA256 key of the webhook signature.")
    digest_timeout_seconds: float = Field(30.0, description="Timeout of one SMTP or webhook delivery.")
    digest_retry_seconds: float = Field(
        300.0, description="First wait before a failed delivery is tried again (doubles, at most 1 hour)."
    )
    digest_max_attempts: int = Field(12, description="Tries of one delivery before it is given up.")
    digest_lease_seconds: float = Field(
        300.0, description="A delivery still `sending` after this long (its process died) is tried again."
    )

    def endpoint_for(self, region: str) -> str:
        """The SP-API base URL of ``region`` (KeyError for a region Amazon does not have)."""
        from sellersync.amazon.regions import get_region

        amazon = get_region(region)
        return (self.spapi_endpoints.get(amazon.code) or self.spapi_endpoint or amazon.endpoint).rstrip("/")

    def region_list(self) -> list[str]:
        """The regions this deployment connects sellers in (``SELLERSYNC_REGIONS``), in order."""
        return [r.strip().upper() for r in self.regions.split(",") if r.strip()]

    def consent_base_for(self, region: str) -> str:
        """The configured consent page base URL of ``region``; empty: the region's Seller Central."""
        return (self.consent_urls.get(region.upper()) or self.consent_url).strip()

    @model_validator(mode="after")
    def _regions_known(self) -> Settings:
        from sellersync.amazon.regions import REGIONS

        for name, mapping in (("SPAPI_ENDPOINTS", self.spapi_endpoints), ("CONSENT_URLS", self.consent_urls)):
            unknown = sorted(set(k.upper() for k in mapping) - set(REGIONS))
            if unknown:
                raise ValueError(
                    f"SELLERSYNC_{name} names unknown region(s) {', '.join(unknown)} "
                    f"(regions: {', '.join(REGIONS)})"
                )
        unknown = sorted(set(self.region_list()) - set(REGIONS))
        if unknown:
            raise ValueError(f"SELLERSYNC_REGIONS names unknown region(s) {', '.join(unknown)}")
        self.spapi_endpoints = {k.upper(): v for k, v in self.spapi_endpoints.items()}
        self.consent_urls = {k.upper(): v for k, v in self.consent_urls.items()}
        return self

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.digest_webhook_url and not self.digest_webhook_secret:
            raise ValueError("SELLERSYNC_DIGEST_WEBHOOK_URL needs SELLERSYNC_DIGEST_WEBHOOK_SECRET")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()


class UnsafeSettings(ValueError):
    """Production settings that would leave the service open (short key, development credentials…)."""
