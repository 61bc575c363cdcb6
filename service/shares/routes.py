"""HTTP routes of the shares domain."""

routes: list = []
