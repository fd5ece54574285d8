"""What a process runs, built whole: the controller (everything on the database), a host
(agents, no database code) and both in one process for `nubo up` (docs/architecture.md)."""
