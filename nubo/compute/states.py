"""Nova's instance states and how they show in the API's `status` field."""

from __future__ import annotations

from datetime import timedelta

# vm_state
ACTIVE, BUILDING, STOPPED, ERROR, DELETED = "active", "building", "stopped", "error", "deleted"
RESIZED = "resized"
PAUSED, SUSPENDED, SOFT_DELETED = "paused", "suspended", "soft-delete"
RESCUED, SHELVED, SHELVED_OFFLOADED = "rescued", "shelved", "shelved_offloaded"
# task_state
SCHEDULING, SPAWNING, NETWORKING, BLOCK_DEVICE_MAPPING = (
    "scheduling", "spawning", "networking", "block_device_mapping")
DELETING, POWERING_OFF, POWERING_ON = "deleting", "powering-off", "powering-on"
REBOOTING, REBOOTING_HARD = "rebooting", "rebooting_hard"
REBOOT_PENDING, REBOOT_STARTED = "reboot_pending", "reboot_started"
RESIZE_PREP, RESIZE_MIGRATING, RESIZE_FINISH = "resize_prep", "resize_migrating", "resize_finish"
RESIZE_REVERTING, RESIZE_CONFIRMING = "resize_reverting", "resize_confirming"
RESIZE_TASKS = (RESIZE_PREP, RESIZE_MIGRATING, RESIZE_FINISH)
IMAGE_SNAPSHOT = "image_snapshot"
REBUILDING = "rebuilding"
PAUSING, UNPAUSING, SUSPENDING, RESUMING = "pausing", "unpausing", "suspending", "resuming"
RESCUING, UNRESCUING = "rescuing", "unrescuing"
SHELVING, SHELVING_IMAGE_UPLOADING = "shelving", "shelving_image_uploading"
SHELVING_OFFLOADING, UNSHELVING = "shelving_offloading", "unshelving"
MIGRATING, IMAGE_BACKUP, RESTORING = "migrating", "image_backup", "restoring"
SOFT_DELETING = "soft-deleting"
# power_state
NOSTATE, RUNNING, PAUSED_POWER, SHUTDOWN, CRASHED, SUSPENDED_POWER = 0, 1, 3, 4, 6, 7

#: how long a transitional task may run before the reconciler calls it stuck
TIMEOUTS = {SCHEDULING: timedelta(minutes=5), SPAWNING: timedelta(minutes=15),
            DELETING: timedelta(minutes=10), POWERING_OFF: timedelta(minutes=5),
            POWERING_ON: timedelta(minutes=5), REBOOTING: timedelta(minutes=5),
            REBOOTING_HARD: timedelta(minutes=5), RESIZE_PREP: timedelta(minutes=10),
            RESIZE_MIGRATING: timedelta(minutes=30), RESIZE_FINISH: timedelta(minutes=10),
            RESIZE_REVERTING: timedelta(minutes=10), RESIZE_CONFIRMING: timedelta(minutes=10),
            IMAGE_SNAPSHOT: timedelta(minutes=30), REBUILDING: timedelta(minutes=15),
            PAUSING: timedelta(minutes=5), UNPAUSING: timedelta(minutes=5),
            SUSPENDING: timedelta(minutes=10), RESUMING: timedelta(minutes=10),
            RESCUING: timedelta(minutes=15), UNRESCUING: timedelta(minutes=10),
            SHELVING: timedelta(minutes=30), SHELVING_IMAGE_UPLOADING: timedelta(minutes=30),
            SHELVING_OFFLOADING: timedelta(minutes=10), UNSHELVING: timedelta(minutes=15),
            MIGRATING: timedelta(minutes=30), IMAGE_BACKUP: timedelta(minutes=30),
            RESTORING: timedelta(minutes=5), SOFT_DELETING: timedelta(minutes=5)}


def status(vm_state: str, task_state: str | None) -> str:
    """The API `status` of an instance (Nova's state -> status mapping)."""
    if vm_state == BUILDING:
        return "BUILD"
    if vm_state in (ACTIVE, STOPPED) and task_state in RESIZE_TASKS:
        return "RESIZE"
    if vm_state == RESIZED:
        return "REVERT_RESIZE" if task_state == RESIZE_REVERTING else "VERIFY_RESIZE"
    if vm_state == ACTIVE:
        if task_state in (REBOOTING, REBOOT_PENDING, REBOOT_STARTED):
            return "REBOOT"
        if task_state in (REBOOTING_HARD,):
            return "HARD_REBOOT"
        if task_state == REBUILDING:
            return "REBUILD"
        if task_state == MIGRATING:
            return "MIGRATING"
        return "ACTIVE"
    return {STOPPED: "SHUTOFF", ERROR: "ERROR", DELETED: "DELETED", PAUSED: "PAUSED",
            SUSPENDED: "SUSPENDED", SOFT_DELETED: "SOFT_DELETED", RESCUED: "RESCUE",
            SHELVED: "SHELVED", SHELVED_OFFLOADED: "SHELVED_OFFLOADED"}.get(vm_state, "UNKNOWN")


def statuses_to_states(value: str) -> tuple[list[str], list[str | None] | None]:
    """The vm_states (and task_states, if narrowed) a `?status=` filter means."""
    v = value.upper()
    table: dict[str, tuple[list[str], list[str | None] | None]] = {
        "BUILD": ([BUILDING], None), "ACTIVE": ([ACTIVE], [None]),
        "SHUTOFF": ([STOPPED], None), "ERROR": ([ERROR], None), "DELETED": ([DELETED], None),
        "PAUSED": ([PAUSED], None), "SUSPENDED": ([SUSPENDED], None),
        "REBOOT": ([ACTIVE], [REBOOTING, REBOOT_PENDING, REBOOT_STARTED]),
        "HARD_REBOOT": ([ACTIVE], [REBOOTING_HARD]),
        "SOFT_DELETED": ([SOFT_DELETED], None),
        "VERIFY_RESIZE": ([RESIZED], None), "RESIZE": ([ACTIVE, STOPPED], list(RESIZE_TASKS)),
        "RESCUE": ([RESCUED], None), "SHELVED": ([SHELVED], None),
        "SHELVED_OFFLOADED": ([SHELVED_OFFLOADED], None), "MIGRATING": ([ACTIVE], [MIGRATING])}
    if v not in table:
        return [], None
    return table[v]
