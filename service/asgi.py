"""ASGI entry point for uvicorn or any ASGI server: `uvicorn service.asgi:app`."""

from service.app import create_app

app = create_app(server=True)
