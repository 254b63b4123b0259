"""Claim detection (DESIGN.md step 6): rules over the canonical tables, claims with evidence,
amounts and policy windows. Entry point: :func:`sellersync.detect.service.run_detection`."""
