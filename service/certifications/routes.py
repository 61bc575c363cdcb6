"""HTTP routes of the certifications domain."""

routes: list = []
