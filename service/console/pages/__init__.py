"""Console pages, one module per area. Every module here that defines `routes` is mounted under
/console by service/console/router.py (no registration list to edit)."""
