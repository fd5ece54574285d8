"""Nova's faults (nova.exception and the messages its API handlers give) as typed errors.

Each class has a stable `code` (its nova.exception name, or the name of the API message it
stands for) and a message `template` filled from keyword arguments, as Nova's
`msg_fmt % kwargs`. The service raises them; `core/faults.py` renders every one as
`{"badRequest"|"itemNotFound"|...: {"code": <status>, "message": ...}}` in one place. The HTTP
status and title come from the core class each one extends (Nova's API decides the status per
handler, so the same upstream name can appear as a 400 here and a 404 there; the 400 variants
are named after what the request got wrong).
"""

from __future__ import annotations

from nubo.core import errors


class NovaError(errors.TemplatedError):
    """A Nova fault: `template` formatted with the keyword arguments given."""


# ------------------------------------------------------------------------------ 400

class Invalid(NovaError, errors.BadRequest):
    """nova.exception.Invalid: the request is not valid."""

    template = "Bad Request - Invalid Parameters"


class ValidationError(NovaError, errors.ValidationError):
    """nova.exception.ValidationError: the JSON Schema's message as it is."""

    template = "{detail}"


class FieldValidationError(ValidationError):
    """A JSON Schema error on one field (nova.api.validation's wording)."""

    template = "Invalid input for field/attribute {path}. Value: {value}. {message}"


class AdditionalProperties(ValidationError):
    template = ("Invalid input for field/attribute {path}. Additional properties are not "
                "allowed ('{prop}' was unexpected)")


class InvalidFieldValue(ValidationError):
    template = "Invalid input for field/attribute {path}."


class QueryParamNotOneOf(ValidationError):
    template = ("Invalid input for query parameters {name}. Value: {value}. '{value}' is not "
                "one of {allowed}")


class QueryParamNotDigits(ValidationError):
    template = ("Invalid input for query parameters {name}. Value: {value}. '{value}' does "
                "not match '^[0-9]*$'")


class QueryParamBelowMinimum(ValidationError):
    template = ("Invalid input for query parameters {name}. Value: {raw}. {value} is less "
                "than the minimum of {minimum}")


class EmptyBody(ValidationError):
    template = "The request body is empty; a JSON document is expected."


class InvalidInput(Invalid):
    template = "Invalid input received: {reason}"


class InvalidAction(Invalid):
    """An action body naming no action this resource has."""

    template = "There is no such action: {action}"


class MalformedRequestBody(Invalid):
    template = "Malformed request body"


class BodyUriMismatch(Invalid):
    template = "Request body and URI mismatch"


class RequestBodyEmpty(Invalid):
    template = "The request body can't be empty"


class MissingParameter(Invalid):
    template = "Missing parameter {param}"


class ParamNotInteger(Invalid):
    template = "{param} param must be an integer"


class ParamNotPositive(Invalid):
    template = "{param} param must be positive"


class InvalidFilter(Invalid):
    template = "Invalid {name} filter [{value}]"


class InvalidRegexFilter(Invalid):
    template = "Invalid {name} filter {value!r}: not a regular expression."


class InvalidStatusFilter(Invalid):
    template = "Invalid status value: {status}"


class InvalidChangesSince(Invalid):
    template = "Invalid changes-since value {value!r}"


class ChangesSinceAfterChangesBefore(Invalid):
    template = ("The value of changes-since ({since}) must be earlier than or equal to "
                "changes-before ({before}).")


class InvalidSortKey(Invalid):
    template = "Invalid sort key {key}."


class InvalidSortDirection(Invalid):
    template = "Invalid sort direction {direction}."


class MarkerNotFound(Invalid):
    template = "marker [{marker}] not found"


class InvalidTimestamp(Invalid):
    template = "Invalid timestamp for date {value}"


class InvalidDatetime(Invalid):
    template = "Invalid datetime string: Datetime is in invalid format"


class InvalidStartTime(Invalid):
    template = "Invalid start time. The start time cannot occur after the end time."


class InvalidProject(Invalid):
    template = "Project ID {project_id} is not a valid project."


class NeutronBadRequest(Invalid):
    """Neutron refused what the proxy asked (its message, as Nova passes it on)."""

    template = "{reason}"


# -- servers
class MissingImageRef(Invalid):
    template = "Missing imageRef attribute"


class ImageNotFound(Invalid):
    """nova.exception.ImageNotFound, a 400 when a server is created from it."""

    template = "Image {image_id} could not be found."


class ImageNotActive(Invalid):
    template = "Image {image_id} is not active."


class InvalidFlavorRef(Invalid):
    """nova.exception.FlavorNotFound, a 400 when a server is created or resized to it."""

    template = "Flavor {flavor_id} could not be found."


class FlavorMemoryTooSmall(Invalid):
    template = "Flavor's memory is too small for requested image."


class FlavorDiskSmallerThanMinDisk(Invalid):
    template = ("Flavor's disk is too small for requested image. Flavor disk is {flavor_size} "
                "bytes, minimum requested disk is {image_min_disk} bytes.")


class FlavorDiskSmallerThanImage(Invalid):
    template = ("Flavor's disk is too small for requested image. Flavor disk is {flavor_size} "
                "bytes, image is {image_size} bytes.")


class InvalidBDM(Invalid):
    template = "Block Device Mapping is Invalid."


class InvalidBDMFormat(InvalidBDM):
    template = "Block Device Mapping is Invalid: {details}"


class InvalidBDMVolume(InvalidBDM):
    template = "Block Device Mapping is Invalid: failed to get volume {id}."


class InvalidBDMSnapshot(InvalidBDM):
    template = "Block Device Mapping is Invalid: failed to get snapshot {id}."


class InvalidBDMImage(InvalidBDM):
    template = "Block Device Mapping is Invalid: failed to get image {id}."


class InvalidBDMBootSequence(InvalidBDM):
    template = ("Block Device Mapping is Invalid: Boot sequence for the instance and "
                "image/block device mapping combination is not valid.")


class InvalidBDMVolumeNotBootable(InvalidBDM):
    template = "Block Device {id} is not bootable."


class VolumesToMultipleInstances(Invalid):
    """A volume named in the mapping of a multi-create (Nova's API refuses it)."""

    template = "Cannot attach one or more volumes to multiple instances"


class CannotDetachRootVolume(Invalid):
    template = "Cannot detach a root device volume"


class InvalidMinCount(Invalid):
    template = "min_count and max_count must be at least 1"


class MinCountAboveMaxCount(Invalid):
    template = "min_count must be <= max_count"


class HostnameWithMultipleInstances(Invalid):
    template = ("Unable to set 'hostname' when creating more than one instance; each would "
                "get the same hostname.")


class MultiplePortsNotApplicable(Invalid):
    template = ("Unable to launch multiple instances with a single configured port ID. Please "
                "launch your instance one by one with different ports.")


class InvalidFixedIpAndMaxCountRequest(Invalid):
    template = "max_count cannot be greater than 1 if an fixed_ip is specified."


class InvalidServerGroup(Invalid):
    template = "Invalid server group {group}: it could not be found."


class InvalidUserData(Invalid):
    template = "User data needs to be valid base 64."


class AvailabilityZoneNotAvailable(Invalid):
    template = "The requested availability zone is not available"


class CannotResizeToSameFlavor(Invalid):
    template = "When resizing, instances must change flavor!"


class CannotResizeDisk(Invalid):
    template = "Resizing to a smaller disk flavor is not allowed."


class InvalidKeyName(Invalid):
    """nova.exception.KeypairNotFound, a 400 when a server is created with it."""

    template = "Invalid key_name provided."


class InvalidInstanceTag(ValidationError):
    template = ("Invalid input for field/attribute tag. Value: {tag}. A tag is 1 to 60 "
                "characters without ',' or '/'.")


class TooManyTags(Invalid):
    template = "The number of tags exceeded the per-server limit {limit}"


class PasswordTooLarge(Invalid):
    template = "Request is too large."


class PasswordInstanceNotFound(Invalid):
    template = "Instance {instance_id} could not be found."


# -- server actions
class AdminPasswordOnExistingDisk(Invalid):
    template = "admin password can't be changed on existing disk"


class ConsoleTypeUnavailable(Invalid):
    template = "Unavailable console type {console_type}."


class CannotMigrateToSameHost(Invalid):
    template = "Cannot migrate to the host where the server exists."


class UnableToMigrateToSelf(Invalid):
    template = "Unable to migrate instance ({instance_id}) to current host ({host})."


class EvacuateToSameHost(Invalid):
    template = "The target host can't be the same one."


class TargetHostNotFound(Invalid):
    """nova.exception.ComputeHostNotFound, a 400 when an action names its target host."""

    template = "Compute host {host} could not be found."


class ComputeServiceInUse(Invalid):
    template = "Compute service of {host} is still in use."


class ComputeServiceUnavailable(Invalid):
    template = "Compute service of {host} is unavailable at this time."


class MigrationNotFoundByStatus(Invalid):
    template = "Migration {migration_id} not found for instance {instance_id}"


class InvalidMigrationState(Invalid):
    template = ("Migration {migration_id} state of instance {instance_uuid} is {state}. "
                "Cannot {method} while the migration is in this state.")


class NotLiveMigration(Invalid):
    template = "Migration {migration_id} for instance {instance_id} is not live migration"


# -- networking
class NetworkAndPortGiven(Invalid):
    template = "Must not input both network_id and port_id"


class FixedIpWithoutNetwork(Invalid):
    template = "Must input network_id when request IP address"


class DuplicatePortIds(Invalid):
    template = "Invalid input for field/attribute networks. Duplicate port ids"


class RequestedNetworkNotFound(Invalid):
    template = "Network {network_id} could not be found."


class RequestedPortNotFound(Invalid):
    template = "Port id {port_id} could not be found."


class PortNotUsable(Invalid):
    template = "Port {port_id} not usable for instance {instance}."


class PortNotUsableAtCreate(Invalid):
    template = "Port {port_id} not usable for instance."


class PortRequiresFixedIP(Invalid):
    template = "Port {port_id} requires a FixedIP in order to be used."


class InterfaceAttachFailedNoNetwork(Invalid):
    template = ("No specific network was requested and none are available for project "
                "'{project_id}'.")


class InterfaceNetworkAmbiguous(Invalid):
    template = "Multiple possible networks found, use a Network ID to be more specific."


class NoMoreFixedIps(Invalid):
    template = "No fixed IP addresses available for network: {net}"


class FixedIpNotInNetwork(Invalid):
    template = "Fixed IP address {address} is not in a subnet of network {network_id}."


class FixedIpInvalidForNetwork(Invalid):
    template = ("Invalid input received: IP address {address} is not a valid IP for the "
                "specified network {network_id}.")


class RequestedFixedIpInUse(Invalid):
    template = "Fixed IP address {address} is already in use on instance {instance_uuid}."


class InstanceNetworkNotReady(Invalid):
    template = "Instance network is not ready yet"


class NoFixedIpsForInstance(Invalid):
    template = "No fixed IPs associated to instance"


class FixedIpNotAssigned(Invalid):
    template = "Specified fixed address not assigned to instance"


class FloatingIpNoFixedIpv4(Invalid):
    template = ("Unable to associate floating IP {address} to any fixed IPs for instance "
                "{instance_id}. Instance has no fixed IPv4 addresses to associate.")


class FloatingIpAssociateFailed(Invalid):
    template = ("Unable to associate floating IP {address} to fixed IP {fixed_ip} for instance "
                "{instance_id}. Error: {error}")


class FloatingIpPoolAmbiguous(Invalid):
    template = "Multiple floating IP pools matches found for name '{pool}'"


class SecurityGroupNameEmpty(Invalid):
    template = "Security group name cannot be empty"


class InvalidSecurityGroup(Invalid):
    """A server create names a group the project does not have."""

    template = "Security group {name} is not found for project {project_id}"


class SecurityGroupNotFoundForProject(Invalid):
    template = "Security group {name} not found for project {project_id}."


class SecurityGroupCannotBeApplied(Invalid):
    template = ("Network requires port_security_enabled and subnet associated in order to "
                "apply security groups.")


class DuplicateSecurityGroup(Invalid):
    template = ("Invalid input for security_groups. Reason: Duplicate items in the list: "
                "'{group}'.")


class SecurityGroupIdNotUuid(Invalid):
    template = "Security group id should be uuid"


class SecurityGroupFieldNotString(Invalid):
    template = "{name} has to be a string"


class SecurityGroupFieldTooLong(Invalid):
    template = "{name} has more than 255 characters."


class InvalidIpProtocol(Invalid):
    template = "Invalid IP protocol {protocol}."


class InvalidPortRange(Invalid):
    template = "Invalid port range {from_port}:{to_port}. {msg}"


class RuleParametersMissing(Invalid):
    template = "Not enough parameters to build a valid rule."


class InvalidCidr(Invalid):
    template = "{cidr} is not a valid IP network."


class InvalidCidrPrefix(Invalid):
    template = "Bad prefix for network in cidr {cidr}"


class SecurityGroupRuleExists(Invalid):
    template = "This rule already exists in group {rule}"


# -- flavors, keypairs, groups, quotas, aggregates, services
class InvalidKeypair(Invalid):
    template = "Keypair data is invalid: {reason}"


class KeypairMarkerNotFound(Invalid):
    template = "Marker keypair {marker} could not be found."


class SoftPoliciesNeedMicroversion(ValidationError):
    template = ("Invalid input for field/attribute policies. Value: {policies}. The soft "
                "policies come with 2.15")


class InvalidServerGroupPolicy(ValidationError):
    template = ("Invalid input for field/attribute policies. Value: {policies}. It must be a "
                "list with one of {allowed}")


class InvalidMaxServerPerHost(ValidationError):
    template = ("Invalid input for field/attribute max_server_per_host. Value: {value}. 0 is "
                "less than the minimum of 1")


class RulesOnlyForAntiAffinity(Invalid):
    template = "Only anti-affinity policy supports rules."


class QuotaLimitBelowUsage(Invalid):
    template = ("Quota limit {limit} for {resource} must be greater than or equal to already "
                "used and reserved {minimum}.")


class QuotaLimitAboveMaximum(Invalid):
    template = "Quota limit {limit} for {resource} must be less than or equal to {maximum}."


class AggregateNotEmpty(Invalid):
    template = ("Cannot remove host from aggregate {aggregate_id}. Reason: Host aggregate is "
                "not empty.")


class InvalidAggregateAction(Invalid):
    template = "{action} {aggregate_id}. Reason: {reason}."


class ServiceUpdateEmpty(Invalid):
    template = "At least one of status or forced_down must be specified."


class DisabledReasonWhenEnabled(Invalid):
    template = "Specifying 'disabled_reason' with status 'enabled' is invalid."


class MissingForcedDown(Invalid):
    template = "Missing forced_down field"


class MissingDisabledReason(Invalid):
    template = "Missing disabled reason field"


# ------------------------------------------------------------------------------ 403

class Forbidden(NovaError, errors.Forbidden):
    """nova.exception.Forbidden."""

    template = "Forbidden"


class OverQuota(Forbidden):
    """nova.exception.OverQuota: a 403 in Nova's API."""

    template = "Quota exceeded for resources: {overs}"


class TooManyInstances(OverQuota):
    template = ("Quota exceeded for {overs}: Requested {req}, but already used {used} of "
                "{allowed} {overs}")


class MetadataLimitExceeded(OverQuota):
    template = ("Quota exceeded for metadata_items: Requested {count}, but already used 0 of "
                "{limit} metadata_items")


class KeypairLimitExceeded(OverQuota):
    template = "Quota exceeded, too many key pairs."


class PortLimitExceeded(OverQuota):
    template = "Maximum number of ports exceeded"


class FloatingIpLimitExceeded(OverQuota):
    template = "IP allocation over quota."


class FloatingIpPoolLimitExceeded(OverQuota):
    template = "IP allocation over quota in pool {pool}."


class SecurityGroupLimitExceeded(OverQuota):
    """Neutron refused a group or rule (Nova makes any 409 there an over-quota 403)."""

    template = "{reason}"


class ImageMetadataLimitExceeded(OverQuota):
    template = "Image metadata limit exceeded"


class ImageDeleteForbidden(Forbidden):
    template = "You are not allowed to delete the image."


class ImageNotAuthorized(Forbidden):
    template = "Not authorized for image {image_id}."


class ExternalNetworkAttachForbidden(Forbidden):
    template = "It is not allowed to create an interface on external network {network_uuid}"


class HostRequestForbidden(Forbidden):
    template = "Only an admin may request a host with availability_zone zone:host."


# ------------------------------------------------------------------------------ 404

class NotFound(NovaError, errors.NotFound):
    """nova.exception.NotFound."""

    template = "Resource could not be found."


class ResourceNotFound(NotFound):
    """webob's HTTPNotFound with its default explanation."""

    template = "The resource could not be found."


class UnknownAction(NotFound):
    template = "Unknown action"


class InstanceNotFound(NotFound):
    template = "Instance {instance_id} could not be found."


class InstanceActionNotFound(NotFound):
    template = "Action for request_id {request_id} on instance {instance_uuid} not found"


class MetadataItemNotFound(NotFound):
    template = "Metadata item was not found"


class InstanceTagNotFound(NotFound):
    template = "Tag '{tag}' could not be found for instance {instance_id}."


class FlavorNotFound(NotFound):
    template = "Flavor {flavor_id} could not be found."


class FlavorExtraSpecsNotFound(NotFound):
    template = "Flavor {flavor_id} has no extra specs with key {extra_specs_key}."


class FlavorAccessNotFound(NotFound):
    template = "Flavor access not found for {flavor_id} / {project_id} combination."


class FlavorAccessNotAvailable(NotFound):
    template = "Access list not available for public flavors."


class KeypairNotFound(NotFound):
    template = "Keypair {name} not found for user {user_id}"


class InstanceGroupNotFound(NotFound):
    template = "Instance group {group_uuid} could not be found."


class AggregateNotFound(NotFound):
    template = "Aggregate {aggregate_id} could not be found."


class AggregateHostNotFound(NotFound):
    template = "Cannot remove host {host} in aggregate {aggregate_id}"


class ComputeHostNotFound(NotFound):
    template = "Compute host {host} could not be found."


class EvacuateHostNotFound(NotFound):
    template = "Compute host {host} not found."


class HostMappingNotFound(NotFound):
    template = "Host '{name}' is not mapped to any cell"


class HypervisorNotFound(NotFound):
    template = "Hypervisor with ID '{hypervisor_id}' could not be found."


class HypervisorNotFoundByPattern(NotFound):
    template = "No hypervisor matching '{pattern}' could be found."


class ServiceNotFound(NotFound):
    template = "Service {service_id} could not be found."


class HostBinaryNotFound(NotFound):
    template = "Could not find binary {binary} on host {host}."


class MigrationNotFoundForInstance(NotFound):
    template = "Migration {migration_id} not found for instance {instance_id}"


class LiveMigrationNotFound(NotFound):
    template = "In-progress live migration {migration_id} is not found for server {server_id}."


class InvalidToken(NotFound):
    template = "The token '{token}' is invalid or has expired"


class ConsoleNotAvailable(NotFound):
    template = "Guest does not have a console available."


class NoInstancesForEvents(NotFound):
    template = "No instances found for any event"


class ImageNotFoundInGlance(NotFound):
    """The image proxy's 404 (nova.exception.ImageNotFound as its API words it)."""

    template = "Image not found."


class ImageDataNotFound(NotFound):
    template = "image {image_id} has no data to copy"


class ImageMetadataKeyNotFound(NotFound):
    template = "Invalid metadata key"


class NetworkNotFound(NotFound):
    template = "Network {network_id} could not be found."


class NetworkNotFoundForProxy(NotFound):
    template = "Network not found"


class InstanceNotInNetwork(NotFound):
    template = "Instance is not a member of specified network"


class PortNotFound(NotFound):
    template = "Port id {port_id} could not be found."


class PortNotFoundForInstance(NotFound):
    template = "Instance {instance_id} does not have a port with id {port_id}"


class PortNotAttached(NotFound):
    template = "Port {port_id} is not attached"


class InstanceHasNoPorts(NotFound):
    template = "instance_id {instance_id} could not be found as device id on any ports"


class FloatingIpNotFound(NotFound):
    template = "Floating IP not found for ID {id}"


class FloatingIpNotFoundForAddress(NotFound):
    template = "Floating IP not found for address {address}."


class FloatingIpNotFoundForInstance(NotFound):
    template = "floating IP not found"


class FloatingIpPoolNotFound(NotFound):
    template = "Floating IP pool not found."


class NoMoreFloatingIps(NotFound):
    template = "No more floating IPs available."


class NoMoreFloatingIpsInPool(NotFound):
    template = "No more floating IPs in pool {pool}."


class SecurityGroupNotFound(NotFound):
    template = "Security group {security_group_id} not found."


class SecurityGroupNotFoundInProject(NotFound):
    template = "Security group {name} is not found for project {project_id}"


class SecurityGroupNotExistsForInstance(NotFound):
    template = "Security group {name} not associated with the instance {instance_id}"


class SecurityGroupRuleNotFound(NotFound):
    template = "Security group rule {rule_id} not found."


# ------------------------------------------------------------------------------ 409

class Conflict(NovaError, errors.Conflict):
    """webob's HTTPConflict with its default explanation."""

    template = "There was a conflict when trying to complete your request."


class InstanceInvalidState(Conflict):
    """nova.exception.InstanceInvalidState as the API words it
    (common.raise_http_conflict_for_instance_invalid_state)."""

    template = "Cannot '{action}' instance {uuid} while it is in {attr} {state}"


class InstanceIsLocked(Conflict):
    template = "Instance {instance_uuid} is locked"


class InstanceNotReady(Conflict):
    template = "Instance {instance_id} is not ready"


class UnshelveInstanceInvalidState(Conflict):
    template = ('Specifying an availability zone or a host when unshelving server '
                '"{instance_uuid}" with status "{state}" is not supported. The server status '
                'must be SHELVED_OFFLOADED.')


class UnshelveHostNotInAZ(Conflict):
    template = 'Host "{host}" is not in the availability zone "{availability_zone}".'


class FlavorIdExists(Conflict):
    template = "Flavor with ID {flavor_id} already exists."


class FlavorExists(Conflict):
    template = "Flavor with name {name} already exists."


class FlavorAccessExists(Conflict):
    template = ("Flavor access already exists for flavor {flavor_id} and project {project_id} "
                "combination.")


class KeyPairExists(Conflict):
    template = "Key pair '{key_name}' already exists."


class AggregateNameExists(Conflict):
    template = "Aggregate {aggregate_name} already exists."


class AggregateHostExists(Conflict):
    template = "Aggregate {aggregate_id} already has host {host}."


class PortInUse(Conflict):
    template = "Port {port_id} is still in use."


class FixedIpAlreadyInUse(Conflict):
    template = "Fixed IP address {address} is already in use on instance {instance_uuid}."


class NetworkAmbiguous(Conflict):
    template = "Multiple possible networks found, use a Network ID to be more specific."


class InvalidAggregateActionAdd(Conflict):
    template = "Cannot add host to aggregate {aggregate_id}. Reason: {reason}."


class FloatingIpNotAssociated(Conflict):
    template = "Floating IP {address} is not associated with instance {instance_id}."


class NoUniqueMatch(Conflict):
    template = ("Multiple security_group matches found for name '{name}', use an ID to be more "
                "specific.")


# ------------------------------------------------------------------------------ 410, 5xx

class ResourceGone(NovaError, errors.Gone):
    template = "This resource is no longer available.  No forwarding address is given."


class InterfaceAttachFailed(NovaError, errors.NuboError):
    template = "Failed to attach network adapter device to {instance_uuid}"


class InterfaceDetachFailed(NovaError, errors.NuboError):
    template = "Failed to detach network adapter device from {instance_uuid}"


class NotSupported(NovaError, errors.NotImplementedYet):
    template = "The requested functionality is not supported."


class UptimeNotImplemented(NovaError, errors.NotImplementedYet):
    template = "Virt driver does not implement uptime function."


# ---------------------------------------------------------- os-volume_attachments (all status)

class InvalidVolume(Invalid):
    """nova.exception.InvalidVolume (a 400 in os-volume_attachments)."""

    template = "Invalid volume: {reason}"


class VolumeNotAttached(NotFound):
    """The API's VolumeBDMNotFound message (show, update, detach)."""

    template = "Instance {instance_uuid} is not attached to volume {volume_id}"


class TooManyDiskDevices(Forbidden):
    template = ("The maximum allowed number of disk devices ({maximum}) to attach to a single "
                "instance has been exceeded.")


class DevicePathInUse(Conflict):
    template = "The supplied device path ({path}) is in use."


class VolumeSwapNotSupported(Conflict):
    """A PUT naming another volume: the data copy (blockRebase) is not built yet."""

    template = ("Swapping the volume of a server (volume migration) is not supported by this "
                "cloud yet.")


class VolumeAttachFailed(NovaError, errors.NuboError):
    """nova.exception.VolumeAttachFailed: the host could not plug it (rolled back)."""

    template = "Volume {volume_id} could not be attached. Reason: {reason}"


class DeviceDetachFailed(NovaError, errors.NuboError):
    template = "Device detach failed for {device}: {reason}"
