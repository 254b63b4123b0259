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

    def for_connection(self, connection_id: int, refresh_token: str, cancel: CancelToken) -> AmazonApi:
        http = httpx.Client(timeout=self.settings.http_timeout_seconds, follow_redirects=True)
        lwa = LwaClient(
            self.settings.lwa_endpoint, self.settings.lwa_client_id, self.settings.lwa_client_secret, http
        )
        stats = CallStats()
        client = SpApiClient(
            self.settings.spapi_endpoint,
            str(connection_id),
            refresh_token,
            lwa,
            self.token_cache,
            self.limiter,
            stats,
            cancel,
            settings=self.settings,
            http=http,
            backoff_base=self.settings.retry_backoff_seconds,
        )
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
