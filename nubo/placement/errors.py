"""Placement's faults (placement.exception and the webob errors its handlers raise) as typed
errors.

Each class has a message `template` filled from keyword arguments, as Placement's
`msg_fmt % kwargs`, and a stable `code` that becomes `placement.<code>` in the fault body, as
Placement names them (1.23+); errors Placement gives no code of its own are `undefined_code`.
`core/faults.py` renders every one in Placement's `{"errors": [...]}` format in one place. The
HTTP status and title come from the core class each one extends.
"""

from __future__ import annotations

from nubo.core import errors

UNDEFINED = "undefined_code"


class PlacementError(errors.TemplatedError):
    """A Placement fault: its code is Placement's (never the class name)."""

    code_from_name = False
    code = UNDEFINED


# ------------------------------------------------------------------------------ 400

class BadRequest(PlacementError, errors.BadRequest):
    code = UNDEFINED


class InvalidQueryString(BadRequest):
    """A query string the schema refuses (Placement's JSON Schema message is the detail)."""

    template = "Invalid query string parameters: {detail}"


class MalformedConsumerUuid(BadRequest):
    template = "Malformed consumer_uuid: {consumer_uuid}"


class InvalidResourceClassName(BadRequest):
    template = ("Invalid resource class name {name!r}: custom resource classes start with "
                "CUSTOM_ and use only A-Z, 0-9 and _.")


class ResourceClassCannotUpdateStandard(BadRequest):
    template = "Cannot update standard resource class {resource_class}"


class ResourceClassCannotDeleteStandard(BadRequest):
    template = "Cannot delete standard resource class {resource_class}"


class InvalidTrait(BadRequest):
    template = ('The trait is invalid. A valid trait must be no longer than 255 characters, '
                'start with the prefix "CUSTOM_" and use following characters: "A"-"Z", '
                '"0"-"9" and "_"')


class TraitCannotDeleteStandard(BadRequest):
    template = "Cannot delete standard trait {name}."


class TraitsNotFound(BadRequest):
    """Traits named in a request body or query that do not exist (a 400, as Placement)."""

    template = "No such trait(s): {names}"


class BadNameFilter(BadRequest):
    template = ("Badly formatted name parameter. Expected name query string parameter in form: "
                "?name=[in|startswith]:[name1,name2|prefix]. Got: \"{value}\"")


class InvalidInventoryCapacity(BadRequest):
    template = ("Unable to update inventory for resource provider {uuid}: Invalid inventory for "
                "'{resource_class}' on resource provider '{uuid}'. The reserved value is "
                "greater than or equal to total.")


class InvalidInventoryUnits(BadRequest):
    template = ("Unable to update inventory for resource provider {uuid}: Invalid inventory for "
                "'{resource_class}': min_unit is greater than max_unit.")


class UnknownInventoryClass(BadRequest):
    template = "Unknown resource class in inventory for resource provider {uuid}: {classes}"


class BadInventory(BadRequest):
    template = "Bad inventory {inventory}: 'total' is required; known fields are {fields}."


class InventoryWithResourceClassNotFound(BadRequest):
    """An inventory named in an update that the provider does not have."""

    template = ("No inventory record with resource class {resource_class} for resource provider "
                "{uuid}")


class ParentProviderNotFound(BadRequest):
    template = "parent provider UUID {parent_uuid} does not exist."


class ObjectActionError(BadRequest):
    template = ("Unable to save resource provider {uuid}: Object action {action} failed "
                "because: {reason}.")


class ProviderTreeLoop(BadRequest):
    template = "creating loop in the provider tree is not allowed."


class ConflictingTraits(BadRequest):
    template = ("Conflicting required and forbidden traits found in the following traits "
                "keys: {key}: ({traits})")


class GroupPolicyRequired(BadRequest):
    template = ('The "group_policy" parameter is required when specifying more than one '
                '"resources{{N}}" parameter.')


class BadResources(BadRequest):
    template = ("Badly formed resources parameter. Expected resources query string parameter "
                "in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: {value}.")


class BadResourceAmount(BadRequest):
    template = ("Requested resource {resource_class} expected positive integer amount. Got: "
                "{amount}.")


class DuplicateResourceClassRequest(BadRequest):
    template = ("Resource class {resource_class} is requested more than once in one resources "
                "parameter: {value}.")


class OrphanedTraits(BadRequest):
    template = ("All traits parameters must be associated with resources. Found the following "
                "orphaned traits keys: required{suffix}")


class UnknownSameSubtreeSuffix(BadRequest):
    template = ("Real suffixes should be specified in same_subtree: {suffixes} not found in "
                "request groups.")


class ResourcelessGroupOutsideSubtree(BadRequest):
    template = ("Resourceless suffixed group request should be specified in `same_subtree` "
                "query param: {suffix}")


class ResourceClassNotFoundInQuery(BadRequest):
    template = "Invalid resource class in resources parameter: No such resource class {names}."


class QueryBadValue(BadRequest):
    code = "query.bad_value"
    template = "At least one resources query parameter must be provided."


class QueryDuplicateKey(BadRequest):
    code = "query.duplicate_key"


class QueryMissingValue(BadRequest):
    code = "query.missing_value"


class ConstraintsViolated(BadRequest):
    """An allocation breaks min_unit, max_unit or step_size, or names a missing inventory."""

    template = "Unable to allocate inventory: {reason}"


class AllocationProviderNotFound(ConstraintsViolated):
    template = "Allocation for resource provider '{uuid}' that does not exist."


class InvalidAllocationInventory(ConstraintsViolated):
    template = ("Unable to allocate inventory: Inventory for '{resource_class}' on resource "
                "provider '{uuid}' invalid.")


class InvalidAllocationConstraintsViolated(ConstraintsViolated):
    template = ("Unable to allocate inventory: Allocation for {resource_class} on resource "
                "provider {uuid} violates min_unit, max_unit, or step_size. Requested: {amount}, "
                "min_unit: {min_unit}, max_unit: {max_unit}, step_size: {step_size}")


# ------------------------------------------------------------------------------ 404

class NotFound(PlacementError, errors.NotFound):
    code = UNDEFINED


class ProviderNotFound(NotFound):
    code = "resource_provider.not_found"
    template = "No resource provider with uuid {uuid} found"


class ResourceClassNotFound(NotFound):
    template = "No such resource class {resource_class}."


class TraitNotFound(NotFound):
    template = "No such trait(s): {names}"


class InventoryNotFound(NotFound):
    template = "No inventory of class {resource_class} for {uuid}"


class InventoryNotFoundForDelete(NotFound):
    template = "No inventory of class {resource_class} found for delete"


class ConsumerAllocationsNotFound(NotFound):
    template = "No allocations for consumer '{uuid}'"


# ------------------------------------------------------------------------------ 409

class Conflict(PlacementError, errors.Conflict):
    code = UNDEFINED


class ConcurrentUpdate(Conflict):
    """A provider's or consumer's generation did not match: re-read and retry."""

    code = "concurrent_update"
    template = ("Resource provider's generation already changed. Please update the generation "
                "and try again.")


class ConsumerGenerationConflict(ConcurrentUpdate):
    template = "consumer generation conflict - expected {expected} but got {got}"


class ConsumerConcurrentUpdate(ConcurrentUpdate):
    template = "consumer generation conflict - the consumer's allocations changed concurrently"


class MaxDBRetriesExceeded(ConcurrentUpdate):
    template = "The request lost too many races with concurrent updates; try again."


class DuplicateName(Conflict):
    code = "duplicate_name"
    template = "Conflicting resource provider name: {name} already exists."


class ProviderExists(Conflict):
    template = "Conflicting resource provider uuid: {uuid} already exists."


class InventoryInUse(Conflict):
    code = "inventory.inuse"
    template = "Inventory for '{resource_classes}' on resource provider '{uuid}' in use."


class InventoryExists(Conflict):
    template = ("Unable to create inventory for resource provider {uuid}: Inventory for "
                "'{resource_class}' already exists.")


class ProviderInUse(Conflict):
    code = "resource_provider.inuse"
    template = ("Unable to delete resource provider {uuid}: Resource provider has "
                "allocations.")


class CannotDeleteParent(Conflict):
    code = "resource_provider.cannot_delete_parent"
    template = ("Unable to delete parent resource provider {uuid}: It has child resource "
                "providers.")


class ResourceClassExists(Conflict):
    template = "Resource class already exists: {resource_class}"


class ConflictingResourceClass(ResourceClassExists):
    template = "Conflicting resource class already exists: {resource_class}"


class ResourceClassInUse(Conflict):
    template = ("Unable to delete resource class {resource_class}. The resource class is in use "
                "in inventory.")


class TraitInUse(Conflict):
    template = "The trait {name} is in use by a resource provider."


class CapacityExceeded(Conflict):
    """An allocation would exceed a provider's capacity (the caller may pick another)."""

    template = ("Unable to allocate inventory: Unable to create allocation for "
                "'{resource_class}' on resource provider '{uuid}'. The requested amount would "
                "exceed the capacity.")
