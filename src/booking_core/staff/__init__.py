"""The platform's staff: sub-roles and what each may do (FEATURES P1)."""

from booking_core.staff.roles import PERMISSIONS, Permission, StaffRole, permissions_of

__all__ = ["PERMISSIONS", "Permission", "StaffRole", "permissions_of"]
