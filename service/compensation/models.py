"""Tables of the compensation domain."""
