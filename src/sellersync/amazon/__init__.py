"""Amazon Selling Partner API client: LWA auth, pacing, retries, reports, streaming documents.

This package imports nothing from the rest of sellersync except :mod:`sellersync.config`.
"""

from sellersync.amazon.cancel import Cancelled, CancelToken
from sellersync.amazon.client import (
    SpApiClient,
    backoff_delay,
    format_datetime,
    parse_datetime,
)
from sellersync.amazon.errors import (
    AmazonError,
    AuthorizationRevoked,
    DocumentDownloadFailed,
    DocumentError,
    DocumentUnreadable,
    LwaError,
    ReportFailed,
    ReportTimedOut,
    RetriesExhausted,
    SpApiError,
)
from sellersync.amazon.flatfile import charset_from_content_type, parse_flat_file
from sellersync.amazon.lwa import AccessTokenCache, LwaClient, TokenGrant
from sellersync.amazon.ratelimit import (
    DEFAULT_LIMITS,
    ConnectionRateLimiter,
    Limit,
    RateLimiter,
    TokenBucket,
)
from sellersync.amazon.regions import (
    REGIONS,
    Region,
    get_region,
    marketplace_id,
    region_for_marketplace,
)
from sellersync.amazon.reports import (
    SETTLEMENT_REPORT_TYPE,
    ReportData,
    ReportDocument,
    ReportFetcher,
    ReportOutcome,
)
from sellersync.amazon.stats import CallStats, OperationStats

__all__ = [
    "DEFAULT_LIMITS",
    "REGIONS",
    "SETTLEMENT_REPORT_TYPE",
    "AccessTokenCache",
    "AmazonError",
    "AuthorizationRevoked",
    "CallStats",
    "CancelToken",
    "Cancelled",
    "ConnectionRateLimiter",
    "DocumentDownloadFailed",
    "DocumentError",
    "DocumentUnreadable",
    "Limit",
    "LwaClient",
    "LwaError",
    "OperationStats",
    "RateLimiter",
    "Region",
    "ReportData",
    "ReportDocument",
    "ReportFailed",
    "ReportFetcher",
    "ReportOutcome",
    "ReportTimedOut",
    "RetriesExhausted",
    "SpApiClient",
    "SpApiError",
    "TokenBucket",
    "TokenGrant",
    "backoff_delay",
    "charset_from_content_type",
    "format_datetime",
    "get_region",
    "marketplace_id",
    "parse_datetime",
    "parse_flat_file",
    "region_for_marketplace",
]
