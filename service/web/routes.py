"""HTTP routes of the web domain."""

routes: list = []
