from tests.roots.conftest import settings, world  # noqa: F401  (a publishing key; a paid household)
