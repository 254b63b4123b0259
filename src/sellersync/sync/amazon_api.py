"""Builds the SP-API client of one connection for one sync, sharing process-wide token cache and buckets."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from sellersync.amazon import (
    AccessTokenCache,
    CallStats,
    CancelToken,
    LwaClient,
    RateLimiter,
    ReportFetcher,
    SpApiClient,
)
from sellersync.config import Settings


@dataclass
class AmazonApi:
    """What a sync needs to talk to Amazon for one connection."""

    client: SpApiClient
    reports: ReportFetcher
    stats: CallStats
    http: httpx.Client

    def close(self) -> None:
        self.reports.close()
        self.client.close()
        self.http.close()


@dataclass
class AmazonApiFactory:
    """Process-wide: access tokens are cached per connection, buckets kept per connection."""

    settings: Settings
    token_cache: AccessTokenCache = field(default_factory=AccessTokenCache)
    limiter: RateLimiter = field(default_factory=RateLimiter)

    def lwa(self, http: httpx.Client) -> LwaClient:
        """The Login with Amazon client of this deployment's application (one token URL, every region)."""
        return LwaClient(
            self.settings.lwa_endpoint, self.settings.lwa_client_id, self.settings.lwa_client_secret, http
        )

    def client(
        self,
        region: str,
        key: str,
        refresh_token: str,
        http: httpx.Client,
        *,
        cancel: CancelToken | None = None,
        stats: CallStats | None = None,
        token_cache: AccessTokenCache | None = None,
        limiter: RateLimiter | None = None,
    ) -> SpApiClient:
        """An SP-API client on the endpoint of ``region`` (the one place that picks an endpoint)."""
        return SpApiClient(
            self.settings.endpoint_for(region),
            key,
            refresh_token,
            self.lwa(http),
            token_cache if token_cache is not None else self.token_cache,
            limiter if limiter is not None else self.limiter,
            stats if stats is not None else CallStats(),
            cancel or CancelToken(),
            settings=self.settings,
            http=http,
            backoff_base=self.settings.retry_backoff_seconds,
        )

    def for_connection(
        self, connection_id: int, refresh_token: str, cancel: CancelToken, *, region: str
    ) -> AmazonApi:
        http = httpx.Client(timeout=self.settings.http_timeout_seconds, follow_redirects=True)
        stats = CallStats()
        client = self.client(region, str(connection_id), refresh_token, http, cancel=cancel, stats=stats)
        reports = ReportFetcher(
            client,
            cancel,
            self.settings,
            http=http,
            poll_initial=self.settings.report_poll_initial_seconds,
            fatal_backoff=self.settings.report_fatal_backoff_seconds,
            download_backoff=self.settings.retry_backoff_seconds,
        )
        return AmazonApi(client=client, reports=reports, stats=stats, http=http)
