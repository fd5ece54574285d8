"""Placement's typed errors. `code` becomes `placement.<code>` in the fault body, as Placement
names them (1.23+); errors Placement gives no code of its own are `undefined_code`."""

from __future__ import annotations

from nubo.core import errors

UNDEFINED = "undefined_code"


class BadRequest(errors.BadRequest):
    code = UNDEFINED


class NotFound(errors.NotFound):
    code = UNDEFINED


class ProviderNotFound(errors.NotFound):
    code = "resource_provider.not_found"


class Conflict(errors.Conflict):
    code = UNDEFINED


class ConcurrentUpdate(errors.Conflict):
    """A provider's or consumer's generation did not match: re-read and retry."""

    code = "concurrent_update"


class DuplicateName(errors.Conflict):
    code = "duplicate_name"


class InventoryInUse(errors.Conflict):
    code = "inventory.inuse"


class ProviderInUse(errors.Conflict):
    code = "resource_provider.inuse"


class CannotDeleteParent(errors.Conflict):
    code = "resource_provider.cannot_delete_parent"


class CapacityExceeded(errors.Conflict):
    """An allocation would exceed a provider's capacity (the caller may pick another)."""

    code = UNDEFINED


class ConstraintsViolated(errors.BadRequest):
    """An allocation breaks min_unit, max_unit or step_size, or names a missing inventory."""

    code = UNDEFINED


class QueryBadValue(errors.BadRequest):
    code = "query.bad_value"


class QueryDuplicateKey(errors.BadRequest):
    code = "query.duplicate_key"


class QueryMissingValue(errors.BadRequest):
    code = "query.missing_value"
