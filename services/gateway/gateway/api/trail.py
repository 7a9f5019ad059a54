"""The gateway's audit trail: one record per audited call (who, what, where, the answer's status),
appended to the store's append-only audit log."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from fastapi import Request

from gateway.adapters.group_commit import Write
from gateway.adapters.store import GatewayStore, audit_write
from gateway.auth import Principal

ANONYMOUS = Principal("anonymous", "", "", "none")
MAX_PURPOSE = 900  # characters of X-Purpose kept


class AuditTrail:
    def __init__(self, store: GatewayStore, clock: Callable[[], float]):
        self.store, self.clock = store, clock

    def entry(self, p: Principal, action: str, request: Request, status: int, resource_id: str | None = None,
              target_area: str | None = None) -> Write:
        """The record of one call, for the store's write() (the forwarder commits it with the call's other writes)."""
        purpose = request.headers.get("x-purpose")
        return audit_write(at=self.clock(), actor=p.name, role=p.role, actor_area=p.area_code, action=action,
                           method=request.method, path=request.url.path, resource_id=resource_id,
                           target_area=target_area, status=status,
                           purpose=unquote(purpose)[:MAX_PURPOSE] if purpose else None)

    def record(self, p: Principal, action: str, request: Request, status: int, resource_id: str | None = None,
               target_area: str | None = None) -> None:
        """Commits the record before it returns (the gateway's own routes)."""
        self.store.write_now([self.entry(p, action, request, status, resource_id, target_area)])
