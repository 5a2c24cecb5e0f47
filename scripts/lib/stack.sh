# Shared by scripts/up and scripts/destroy (sourced, from the project root): the Pulumi CLI (there, and new enough), the
# project's virtualenv (the one Pulumi.yaml names), the backend, and the stack with its Prefect API URL.

require_pulumi() {
  if ! command -v pulumi >/dev/null 2>&1; then
    cat >&2 <<'MSG'
The Pulumi CLI is not installed. Install it, then run this again:
  macOS:   brew install pulumi/tap/pulumi
  Linux:   curl -fsSL https://get.pulumi.com | sh      (then open a new shell)
  Windows: winget install pulumi
  Other ways: https://www.pulumi.com/docs/iac/download-install/
MSG
    exit 127
  fi
}

# The oldest CLI this project runs under. Resource hooks (the worker's rollout check, the task drain) need
# 3.182; before 3.238.0 a failing after-hook was only a warning (pulumi/pulumi#22935), so a worker whose
# rollout failed still ended in a successful `pulumi up`.
PULUMI_CLI_MINIMUM="3.238.0"

# Whether version $1 (as `pulumi version` prints it: v3.240.1, 3.240.1, v3.238.0-alpha.1+dirty) is at least
# $2 (MAJOR.MINOR.PATCH); a pre-release of a version is older than the version itself, as semver orders them.
pulumi_version_at_least() {
  local pattern='^v?([0-9]+)\.([0-9]+)\.([0-9]+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$'
  [[ $1 =~ $pattern ]] || return 2
  local found=("${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}") prerelease="${BASH_REMATCH[4]}"
  local wanted
  IFS=. read -r -a wanted <<<"$2"
  local i
  for i in 0 1 2; do
    if ((10#${found[i]} != 10#${wanted[i]})); then
      ((10#${found[i]} > 10#${wanted[i]}))
      return
    fi
  done
  [ -z "$prerelease" ]
}

# Refuses a CLI older than PULUMI_CLI_MINIMUM, naming the version found and the one needed.
require_pulumi_version() {
  local found status=0
  found="$(pulumi version 2>/dev/null | head -n 1)" || true
  found="${found#"${found%%[![:space:]]*}"}"
  found="${found%"${found##*[![:space:]]}"}"
  pulumi_version_at_least "$found" "$PULUMI_CLI_MINIMUM" || status=$?
  if [ "$status" -eq 2 ]; then
    echo "Could not read the Pulumi CLI's version: \`pulumi version\` printed '$found'." \
      "This project needs Pulumi CLI $PULUMI_CLI_MINIMUM or newer." >&2
    exit 2
  elif [ "$status" -ne 0 ]; then
    cat >&2 <<MSG
The Pulumi CLI is $found; this project needs $PULUMI_CLI_MINIMUM or newer: its resource hooks need 3.182, and only
from 3.238.0 does a failing rollout check fail \`pulumi up\` (before, it is a warning and the update reports success).
Upgrade the CLI (brew upgrade pulumi, or curl -fsSL https://get.pulumi.com | sh), then run this again.
MSG
    exit 2
  fi
}

# Installs the pinned project into .venv, again only when what pins it changed since the last install.
sync_venv() {
  local wanted
  wanted="$(cat requirements.txt requirements/constraints.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
  if [ -x .venv/bin/python ] && [ "$(cat .venv/.installed-requirements 2>/dev/null)" = "$wanted" ]; then
    return
  fi
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements.txt
  echo "$wanted" > .venv/.installed-requirements
}

# PULUMI_BACKEND_URL when set (CI takes it from a repository variable); else the backend you are logged in
# to; else, outside CI, a local file backend in .pulumi-state/.
login_backend() {
  if [ -n "${PULUMI_BACKEND_URL:-}" ]; then
    pulumi login "$PULUMI_BACKEND_URL"
    return
  fi
  if ! pulumi whoami >/dev/null 2>&1; then
    if [ -n "${CI:-}" ]; then
      echo "No Pulumi backend: set PULUMI_BACKEND_URL, or PULUMI_ACCESS_TOKEN for Pulumi Cloud." >&2
      exit 2
    fi
    mkdir -p .pulumi-state
    echo "Not logged in to a Pulumi backend: using the local file backend in .pulumi-state/." >&2
    if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
      echo "The local backend encrypts secrets with a passphrase: export PULUMI_CONFIG_PASSPHRASE first." >&2
      exit 2
    fi
    pulumi login "file://$PWD/.pulumi-state"
  fi
}

# Whether the stack sets the config key $2 to a non-empty value (Pulumi.yaml's defaults are empty).
has_config() {
  [ -n "$(pulumi config get "$2" --stack "$1" 2>/dev/null)" ]
}

# Whether the stack hosts its own Prefect server (prefectServer: {enabled: true}), which needs no API URL.
hosts_prefect_server() {
  pulumi config get prefectServer --stack "$1" 2>/dev/null | grep -Eq '"enabled": *true'
}

# Selects (or creates, with PULUMI_SECRETS_PROVIDER when set) the stack; a stack file without the Prefect API
# URL takes PREFECT_API_URL (CI: a variable of the stack's GitHub environment), unless it hosts its server.
select_stack() {
  local stack="$1"
  local create=(--create)
  if [ -n "${PULUMI_SECRETS_PROVIDER:-}" ]; then
    create+=(--secrets-provider "$PULUMI_SECRETS_PROVIDER")
  fi
  pulumi stack select "${create[@]}" "$stack"
  if hosts_prefect_server "$stack"; then
    return
  fi
  if ! has_config "$stack" prefectApiUrl && [ -n "${PREFECT_API_URL:-}" ]; then
    pulumi config set prefectApiUrl "$PREFECT_API_URL" --stack "$stack"
  fi
  if ! has_config "$stack" prefectApiUrl; then
    cat >&2 <<MSG
Stack $stack has no Prefect API URL. Set it (and the API key, kept encrypted), then run this again:
  pulumi config set prefectApiUrl https://api.prefect.cloud/api/accounts/<account-id>/workspaces/<workspace-id> --stack $stack
  pulumi config set --secret prefectApiKey <your Prefect API key> --stack $stack     # or export PREFECT_API_KEY
Or let the stack host its own Prefect server (docs/hosted-server.md):
  pulumi config set --path prefectServer.enabled true --stack $stack && pulumi config set mode worker --stack $stack
MSG
    exit 2
  fi
}
