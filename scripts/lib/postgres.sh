# Sourced by scripts/test: Debian's PostgreSQL, which the hosted server's tests start clusters from
# (tests/support/postgres.py looks for initdb in the same two places).

# ensure_postgres [LIBDIR]: install the `postgresql` package with apt unless initdb is on PATH or under
# LIBDIR/<version>/bin (Debian keeps it off PATH there; LIBDIR defaults to /usr/lib/postgresql). As root, or
# through sudo without a password prompt; otherwise it stops and says what to install.
ensure_postgres() {
  local libdir="${1:-/usr/lib/postgresql}"
  if command -v initdb >/dev/null || compgen -G "$libdir/*/bin/initdb" >/dev/null; then
    return 0
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! sudo -n true 2>/dev/null; then
      echo "scripts/test: PostgreSQL is missing and needs root to install: apt-get install postgresql" >&2
      exit 1
    fi
    sudo=(sudo -n)
  fi
  # Noninteractive: tzdata, a dependency, otherwise asks for a time zone on a fresh machine.
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}
