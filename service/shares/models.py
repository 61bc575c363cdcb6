"""Tables of the shares domain."""
