"""Tables of the patrols domain."""
