"""What an operator runs beside the cloud: backup and restore, schema checks, `nubo doctor`."""
