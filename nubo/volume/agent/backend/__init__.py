"""Volume backends: the VolumeDriver Protocol and its drivers."""
