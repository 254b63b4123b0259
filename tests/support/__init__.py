"""Shared test support (fixtures and harnesses reused by several suites)."""
