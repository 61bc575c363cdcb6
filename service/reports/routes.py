"""HTTP routes of the reports domain."""

routes: list = []
