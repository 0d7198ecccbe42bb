"""Tenant isolation on PostgreSQL: row-level security on the marts and per-tenant login roles
(docs/decisions/0009-tenant-isolation-rls.md)."""

from cerebro.serving.security.rls import (
    IsolationReport,
    TenantIsolationError,
    apply_tenant_isolation,
)
from cerebro.serving.security.roles import TenantRole, create_tenant_role

__all__ = [
    "IsolationReport",
    "TenantIsolationError",
    "TenantRole",
    "apply_tenant_isolation",
    "create_tenant_role",
]
