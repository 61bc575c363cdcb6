"""HTTP routes of the trusts domain."""

routes: list = []
