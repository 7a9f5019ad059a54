"""The read audit (查阅审计): every audited read and erasure, and the check of its hash chain; the routes are
pzh_shared.personal_api's (talent offers its people's read audit the same way)."""

from __future__ import annotations

from pzh_shared.personal_api import read_audit_router

from casework.api.dependencies import _application

router = read_audit_router(_application,
                           "read、export、client_read、client_search、caseload、erasure、merge、duplicate_dismissal")
