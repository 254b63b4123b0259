"""All tables of the store. Importing this module registers them on ``Base.metadata``."""

from sellersync.store.models.accounts import AmazonConnection, User, Workspace
from sellersync.store.models.auth import ApiToken, LoginFailure, OAuthState, UserSession
from sellersync.store.models.canonical import (
    CANONICAL_MODELS,
    CanonicalRow,
    CustomerReturn,
    FbaShipment,
    FinancialEvent,
    InboundShipment,
    InboundShipmentItem,
    InventorySummary,
    LedgerEvent,
    Order,
    OrderItem,
    QuarantinedRow,
    Reimbursement,
    RemovalOrder,
    RemovalShipment,
    Settlement,
    SettlementLine,
)
from sellersync.store.models.claims import Claim, ClaimEvent
from sellersync.store.models.detection import DetectionRun, SellerProduct
from sellersync.store.models.digest import DigestDelivery
from sellersync.store.models.sync import (
    ACTIVE_STATUSES,
    AgentEvent,
    SyncCheckpoint,
    SyncEvent,
    SyncRun,
    SyncUnit,
)

__all__ = [
    "ACTIVE_STATUSES",
    "CANONICAL_MODELS",
    "AgentEvent",
    "AmazonConnection",
    "ApiToken",
    "CanonicalRow",
    "Claim",
    "ClaimEvent",
    "CustomerReturn",
    "DetectionRun",
    "DigestDelivery",
    "FbaShipment",
    "FinancialEvent",
    "InboundShipment",
    "InboundShipmentItem",
    "InventorySummary",
    "LedgerEvent",
    "LoginFailure",
    "OAuthState",
    "Order",
    "OrderItem",
    "QuarantinedRow",
    "Reimbursement",
    "RemovalOrder",
    "RemovalShipment",
    "SellerProduct",
    "Settlement",
    "SettlementLine",
    "SyncCheckpoint",
    "SyncEvent",
    "SyncRun",
    "SyncUnit",
    "User",
    "UserSession",
    "Workspace",
]
