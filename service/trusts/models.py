"""Tables of the trusts domain."""
