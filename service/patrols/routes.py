"""HTTP routes of the patrols domain."""

routes: list = []
