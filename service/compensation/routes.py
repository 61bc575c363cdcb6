"""HTTP routes of the compensation domain."""

routes: list = []
