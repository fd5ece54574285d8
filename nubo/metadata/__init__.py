"""Nova's metadata service (OpenStack and EC2 formats) for guests and config drives."""
