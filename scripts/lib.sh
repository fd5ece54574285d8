# Shared by scripts/up.sh and scripts/test.sh: idempotent installation steps.
# Everything is installed from Debian's packages and PyPI; re-running skips what is done.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${NUBO_PYTHON:-/usr/bin/python3}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then echo "run as root to install: ${missing[*]}" >&2; return 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# venv DIR STAMP-INPUTS... -- PIP-ARGS...: (re)install only when the inputs changed.
venv_install() {
  local dir=$1; shift
  local inputs=()
  while [ "$1" != "--" ]; do inputs+=("$1"); shift; done
  shift
  local stamp
  stamp=$( (cat "${inputs[@]}"; echo "$*") | sha256sum | cut -c1-16)
  if [ -f "$dir/.nubo-stamp" ] && [ "$(cat "$dir/.nubo-stamp")" = "$stamp" ]; then
    return 0
  fi
  log "python venv $dir: pip install $*"
  [ -x "$dir/bin/python" ] || "$PY" -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check --upgrade pip >/dev/null
  "$dir/bin/pip" install -q --disable-pip-version-check "$@"
  echo "$stamp" >"$dir/.nubo-stamp"
}

# System packages the cloud itself needs (later services add theirs here).
RUNTIME_PKGS=(python3 python3-venv python3-dev gcc ca-certificates qemu-utils qemu-system-x86 e2fsprogs kmod
  # the libvirt driver (libvirt-python builds against libvirt-dev) and its browser console
  libvirt-daemon-system libvirt-clients libvirt-dev pkg-config novnc
  # the Linux network dataplane: bridges and namespaces, DHCP, security groups and NAT
  iproute2 dnsmasq-base nftables busybox iputils-ping
  # volumes for other hosts: iSCSI targets in user space (tgtd/tgtadm) and QEMU's user-space
  # iSCSI initiator (libiscsi), so no kernel iSCSI module on either side
  tgt qemu-block-extra)

install_runtime() {
  apt_install "${RUNTIME_PKGS[@]}"
  venv_install "$ROOT/.venv" "$ROOT/pyproject.toml" -- -e "$ROOT"
}

# The openstack CLI, in a virtualenv of its own (.venv-clients, shared with scripts/test.sh,
# which adds tempest), at the versions the tests pin in tests/clients-requirements.txt.
install_clients() {
  local pins
  pins=$(grep -E '^(python-openstackclient|openstacksdk)==' "$ROOT/tests/clients-requirements.txt")
  # shellcheck disable=SC2086
  venv_install "$ROOT/.venv-clients" "$ROOT/tests/clients-requirements.txt" -- $pins
}
