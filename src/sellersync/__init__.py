"""sellersync: Amazon SP-API data sync and FBA reimbursement detection."""

__version__ = "0.1.0"
