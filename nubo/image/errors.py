"""Glance's faults (glance.common.exception and the webob errors its API raises) as typed
errors.

Each class has a stable `code` (its Glance name) and a message `template` filled from keyword
arguments, as Glance's `message % kwargs`. The service raises them; `core/faults.py` renders
every one in Glance's plain-text webob format in one place. The HTTP status and title come from
the core class each one extends.
"""

from __future__ import annotations

from nubo.core import errors


class GlanceError(errors.TemplatedError):
    """A Glance fault: `template` formatted with the keyword arguments given."""


# ------------------------------------------------------------------------------ 400

class Invalid(GlanceError, errors.BadRequest):
    """glance.common.exception.Invalid: data supplied was not valid."""

    template = "Data supplied was not valid."


class ImageRejected(Invalid):
    """The format inspector refused the uploaded data (its reason is the message)."""

    template = "{reason}"


class ImageFormatsRequired(Invalid):
    template = "Properties disk_format, container_format must be set prior to saving data."


class UploadCutOff(Invalid):
    template = "Upload was cut off before all data arrived ({reason}); the image is queued again."


class UnsupportedImportMethod(Invalid):
    template = "Import method {method} is not supported; this cloud offers glance-direct."


class MultipleRangesNotSupported(Invalid):
    template = ("Requests with multiple ranges are not supported in Glance. You may make "
                "multiple single-range requests instead.")


class InvalidContentLength(Invalid):
    template = "Invalid Content-Length header."


class ImageBodyNotObject(Invalid):
    template = "The request body must be a JSON object of image attributes."


class InvalidImageTag(Invalid):
    template = "A tag is 1 to 255 characters."


class InvalidJsonPatchPath(Invalid):
    template = "Invalid JSON pointer for this resource: '{path}'"


class MissingJsonPatchValue(Invalid):
    template = "Operation '{op}' on {path} needs a value."


class InvalidStatusValue(Invalid):
    template = "Invalid status value: {status}"


class InvalidTaskType(Invalid):
    template = "Invalid type value: {type}"


class InvalidSortKey(Invalid):
    template = "Invalid sort key: {sort_key}"


class InvalidImageSortKey(InvalidSortKey):
    template = "Invalid sort key: {sort_key}. It must be one of: {keys}."


class InvalidMetadefSortKey(InvalidSortKey):
    template = "Invalid sort key: {sort_key!r}; use one of {keys}."


class InvalidSortDir(Invalid):
    template = "Invalid sort direction: {sort_dir}"


class InvalidMetadefSortDir(InvalidSortDir):
    template = "Invalid sort direction: {sort_dir!r}; use asc or desc."


class MixedSortSyntax(Invalid):
    template = "Use either sort or sort_key/sort_dir, not both."


class SortDirCount(Invalid):
    template = "Give one sort_dir, or one per sort_key."


class InvalidMarkerFormat(Invalid):
    template = "Invalid marker format"


class InvalidImageMarker(Invalid):
    template = "Invalid marker: image {marker} could not be found."


class TaskMarkerNotFound(Invalid):
    template = "Marker {marker} could not be found."


class LimitNotPositive(Invalid):
    template = "limit param must be positive"


class LimitNotInteger(Invalid):
    template = "limit param must be an integer"


class MetadefLimitNotPositive(Invalid):
    template = "limit param must be positive."


class MetadefLimitNotInteger(Invalid):
    template = "limit param must be an integer, not {value!r}."


class InvalidParameterValue(Invalid):
    """glance.common.exception.InvalidParameterValue, for the image list's query."""

    template = "{param} must be an integer, not {value!r}."


class ParameterBelowMinimum(InvalidParameterValue):
    template = "{param} must be at least {minimum}."


class ParameterAboveMaximum(InvalidParameterValue):
    template = "{param} must be at most {maximum}."


class InvalidBooleanParameter(InvalidParameterValue):
    template = "{param} must be true or false, not {value!r}."


class InvalidFilterOperator(Invalid):
    template = "{param} filter must be <op>:<ISO 8601 time> with op one of {operators}."


class InvalidFilterRangeValue(Invalid):
    template = "Invalid time {value!r} in {param} filter."


class InvalidVisibility(Invalid):
    template = "Invalid visibility value: {visibility}"


class InvalidMetadefVisibility(Invalid):
    template = "Invalid visibility value: {visibility!r}; use public or private."


class BodyExpected(Invalid):
    template = "Body expected in request: send a JSON object."


class BodyNotObject(Invalid):
    template = "The request body must be a JSON object."


class NamespaceOwnerRequired(Invalid):
    template = "Name the namespace's owner: this token is not scoped to a project."


# ------------------------------------------------------------------------------ 403

class Forbidden(GlanceError, errors.Forbidden):
    """glance.common.exception.Forbidden."""

    template = "You are not authorized to complete this action."


class ImageActionForbidden(Forbidden):
    template = "You are not permitted to {action} image {image_id}."


class ForeignImageForbidden(Forbidden):
    template = "You are not permitted to {action} image {image_id}: it belongs to another project."


class ForeignOwnerForbidden(Forbidden):
    template = "You are not permitted to create images owned by another project."


class DeactivatedImageDownload(Forbidden):
    template = "The requested image has been deactivated. Image data download is forbidden."


class ReadonlyProperty(Forbidden):
    template = "Attribute '{property}' is read-only."


class ReservedProperty(Forbidden):
    template = "Attribute '{property}' is reserved."


class LocationsForbidden(Forbidden):
    template = "Image locations cannot be changed on this cloud."


class TagsNotRemovable(Forbidden):
    template = "Attribute 'tags' cannot be removed; replace it with an empty list."


class BaseAttributeNotRemovable(Forbidden):
    template = "Attribute '{property}' is a base attribute and cannot be removed."


class OwnerAdminOnly(Forbidden):
    template = "Attribute 'owner' can only be changed by an admin."


class QueuedOnlyAttribute(Forbidden):
    template = "Attribute {property} can be only replaced for a queued image."


class PublicizeAdminOnly(Forbidden):
    template = "Only an admin may publicize an image."


class ProtectedImageDelete(Forbidden):
    template = "Image {image_id} is protected and cannot be deleted."


class MembersNotShared(Forbidden):
    template = "Only shared images have members."


class MembersOwnerOnly(Forbidden):
    template = "Only the image owner can {action} members."


class MemberStatusMemberOnly(Forbidden):
    template = "Only the member itself can accept or reject an image."


class ForeignNamespaceOwner(Forbidden):
    template = "You are not permitted to give a namespace to another project."


class ProtectedMetadefNamespaceDelete(Forbidden):
    template = "Metadata definition namespace {namespace} is protected and cannot be deleted."


class ProtectedMetadefContentDelete(Forbidden):
    template = ("Metadata definition {what} cannot be deleted: namespace {namespace} is "
                "protected.")


# ------------------------------------------------------------------------------ 404

class NotFound(GlanceError, errors.NotFound):
    """glance.common.exception.NotFound (webob's text for a resource that is not there)."""

    template = "The resource could not be found."


class ImageNotFound(NotFound):
    template = "No image found with ID {image_id}"


class ImageDataNotFound(NotFound):
    template = "Image {image_id} has no data in the store."


class ImageTagNotFound(NotFound):
    template = "Tag {tag} not found."


class ImageMemberNotFound(NotFound):
    template = "Member {member} not found for image {image_id}."


class TaskNotFound(NotFound):
    template = "Task with identifier {task_id} not found"


class MetadefNamespaceNotFound(NotFound):
    template = "Metadata definition namespace={namespace_name} was not found."


class MetadefSchemaNotFound(NotFound):
    template = "There is no such metadef schema."


class MetadefContentNotFound(NotFound):
    """MetadefObjectNotFound, MetadefPropertyNotFound and MetadefTagNotFound in one."""

    template = ("The metadata definition {what} with name={name} was not found in "
                "namespace={namespace_name}.")


class MetadefResourceTypeAssociationNotFound(NotFound):
    template = "Failed to find resource type {resource_type} associated with namespace {namespace}."


class MetadefNamespaceNotAssociated(NotFound):
    template = "Namespace {namespace} is not associated with resource type {resource_type}."


class MetadefPropertyPrefixMismatch(NotFound):
    template = ("Property {name} does not start with the expected resource type association "
                "prefix of '{prefix}'.")


# ------------------------------------------------------------------------------ 405 410 413 415 416

class TaskDeleteNotAllowed(GlanceError, errors.MethodNotAllowed):
    template = ("This operation is currently not permitted on Glance Tasks. They are auto "
                "deleted after reaching the time based on their expires_at property.")


class ImageDeletedDuringUpload(GlanceError, errors.Gone):
    template = "Image {image_id} was deleted during the upload."


class LimitExceeded(GlanceError, errors.PayloadTooLarge):
    """glance.common.exception.LimitExceeded: a quota or a size cap."""

    template = "Quota exceeded: project {owner} may own at most {limit} images."


class StorageQuotaFull(LimitExceeded):
    template = "Image exceeds the project's image storage quota or the size cap."


class ImageSizeLimitExceeded(LimitExceeded):
    template = ("Image of {size} bytes exceeds the {room} bytes left in the project's image "
                "storage quota or the size cap.")


class ImagePropertyLimitExceeded(LimitExceeded):
    template = "Maximum number of image properties is {limit}."


class ImageTagLimitExceeded(LimitExceeded):
    template = "Maximum number of image tags is {limit}."


class ImageMemberLimitExceeded(LimitExceeded):
    template = "Maximum number of image members is {limit}."


class InvalidContentType(GlanceError, errors.UnsupportedMediaType):
    template = ("Unsupported Content-Type {content_type!r}: image data is sent as "
                "application/octet-stream.")


class InvalidPatchContentType(InvalidContentType):
    template = "Unsupported Content-Type {content_type!r}: send {expected}."


class InvalidRange(GlanceError, errors.RangeNotSatisfiable):
    template = "Invalid Range header."


class InvalidRangeStart(InvalidRange):
    template = ("Invalid start position in Range header. Start position MUST be in the "
                "inclusive range [0, {last}].")


# ------------------------------------------------------------------------------ 409

class Conflict(GlanceError, errors.Conflict):
    """glance.common.exception.Conflict."""

    template = "The request conflicts with the current state of the resource."


class Duplicate(Conflict):
    template = "Image with identifier {image_id} already exists!"


class InvalidImageStatusTransition(Conflict):
    template = "Image status transition from {cur_status} to {new_status} is not allowed"


class ImageActivationConflict(Conflict):
    template = "Not allowed to {action} image in status '{status}'"


class ImageNotStaged(Conflict):
    template = ("Image {image_id} has no staged data to import (status {status}): PUT it to "
                "/v2/images/{image_id}/stage first.")


class ImportInProgress(Conflict):
    template = "Image {image_id} is already being imported."


class DuplicateMember(Conflict):
    template = "Member {member} already has access to image {image_id}."


class PropertyNotFound(Conflict):
    """Removing or replacing a property the image does not have (a 409 in Glance)."""

    template = "Property {property} does not exist."


class MetadefDuplicateInRequest(Conflict):
    template = "Duplicate metadata definition {what} {name!r} in namespace={namespace}."


class MetadefDuplicate(Conflict):
    """MetadefDuplicateObject, MetadefDuplicateProperty and MetadefDuplicateTag in one."""

    template = ("A metadata definition {what} with name={name} already exists in "
                "namespace={namespace_name}.")


class MetadefDuplicateNamespace(Conflict):
    template = "The metadata definition namespace={namespace_name} already exists."


class MetadefNamespaceNameTaken(Conflict):
    template = ("Invalid update: there is already a metadata definition namespace named "
                "{namespace_name}.")


class MetadefDuplicateResourceTypeAssociation(Conflict):
    template = ("The metadata definition resource-type association of "
                "resource-type={resource_type_name} to namespace={namespace_name}, already "
                "exists.")
