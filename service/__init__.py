"""Shanshui Ledger: an append-only, tamper-evident ledger for ecological compensation."""
