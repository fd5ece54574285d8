#!/usr/bin/env bash
# Install what Nubo needs (Debian packages, the .venv with `nubo`, the openstack CLI in
# .venv-clients) and start nothing: for the hosts of `nubo controller` and `nubo agent`
# (README, "Many hosts"). `scripts/up.sh` does the same, then runs `nubo up`.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
install_runtime
install_clients
