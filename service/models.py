"""Every table, imported in one place for Alembic and for `create_all` in tests."""

from service.auth.models import ApiToken, User  # noqa: F401
from service.db import Base  # noqa: F401
from service.ledger import append_only  # noqa: F401  (journal triggers)
from service.idempotency import IdempotencyRecord  # noqa: F401
from service.ledger.models import Account, JournalEntry, LedgerHead, Posting  # noqa: F401
from service.parties.models import Party  # noqa: F401

# Domain tables: each domain package keeps its own models module.
from service.compensation import models as _compensation  # noqa: F401,E402
from service.trusts import models as _trusts  # noqa: F401,E402
from service.shares import models as _shares  # noqa: F401,E402
from service.patrols import models as _patrols  # noqa: F401,E402
from service.certifications import models as _certifications  # noqa: F401,E402
from service.console import models as _console  # noqa: F401,E402
from service.roots import models as _roots  # noqa: F401,E402
from service.roots import append_only as _roots_append_only  # noqa: F401,E402  (published roots' triggers)
from service.grievances import models as _grievances  # noqa: F401,E402
from service.enrollments import models as _enrollments  # noqa: F401,E402
