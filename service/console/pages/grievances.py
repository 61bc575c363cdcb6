"""The grievance pages live with their domain (service/grievances/console.py); the console finds them here."""

from service.grievances.console import routes  # noqa: F401
