#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite, run from the Debian binaries directly
# (/usr/lib/postgresql/<highest version>/bin), never through the system cluster or pg_ctlcluster.
#
#   scripts/postgres.sh ensure-installed   install the Debian `postgresql` package if no server binaries exist
#   scripts/postgres.sh start DIR PORT     init (once) and start a cluster in DIR on 127.0.0.1:PORT;
#                                          the last stdout line is the SQLAlchemy URL
#   scripts/postgres.sh stop DIR           stop it (fast mode); a no-op when it isn't running
#
# Layout: DIR/data (the cluster), DIR/postgres.log (server log), DIR/.s.PGSQL.PORT (unix socket).
# Auth is trust (the server listens on 127.0.0.1 and a private socket only); fsync stays on.
# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` system user and DIR is
# chowned to it, so DIR's parents must be traversable by that user (e.g. tempfile.mkdtemp() under /tmp;
# not pytest's tmp_path, whose /tmp/pytest-of-root is mode 0700).
set -euo pipefail

DB_NAME=bank_assistant_test
DB_SUPERUSER=postgres
PG_OS_USER=postgres # only used when running as root

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# The bin dir of the highest installed major version that has the server binaries, or nothing.
find_pg_bin() {
  local d best=""
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
    [[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]] && best=$d
  done
  printf '%s' "$best"
}

ensure_installed() {
  local bin
  bin=$(find_pg_bin)
  if [[ -n $bin ]]; then
    log "PostgreSQL server binaries present in $bin"
    return 0
  fi
  command -v apt-get >/dev/null || die "no PostgreSQL server in /usr/lib/postgresql/*/bin and no apt-get to install one"
  local -a sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "PostgreSQL is not installed; run as root or install sudo"
    # No password prompt without a terminal (CI): fail instead of hanging.
    if [[ -t 0 ]]; then sudo=(sudo); else sudo=(sudo -n); fi
  fi
  log "installing PostgreSQL (apt-get install postgresql)"
  local -a apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300)
  "${apt[@]}" update
  "${apt[@]}" install -y --no-install-recommends postgresql
  bin=$(find_pg_bin)
  [[ -n $bin ]] || die "installed the postgresql package but found no initdb/pg_ctl/postgres in /usr/lib/postgresql/*/bin"
  log "PostgreSQL server binaries installed in $bin"
}

require_pg_bin() {
  PG_BIN=$(find_pg_bin)
  [[ -n $PG_BIN ]] || die "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin; run: $0 ensure-installed"
  [[ -x $PG_BIN/psql && -x $PG_BIN/pg_isready ]] || die "no psql/pg_isready in $PG_BIN (install postgresql-client)"
}

# Run a command as the user that owns the cluster: postgres when we are root, ourselves otherwise.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    (cd / && runuser -u "$PG_OS_USER" -- "$@")
  else
    (cd / && "$@")
  fi
}

# Canonical absolute path of DIR (created if missing), owned by the cluster owner and reachable by it.
prepare_dir() {
  local dir=$1
  mkdir -p -- "$dir"
  dir=$(cd -- "$dir" && pwd -P)
  if [[ $(id -u) -eq 0 ]]; then
    if ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
      log "creating system user $PG_OS_USER"
      useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$PG_OS_USER"
    fi
    chown "$PG_OS_USER:" -- "$dir"
  fi
  chmod 700 -- "$dir"
  as_owner test -w "$dir" -a -x "$dir" ||
    die "$dir is not reachable by user $(as_owner id -un); a parent directory is not traversable by it (use a directory under /tmp, e.g. tempfile.mkdtemp())"
  printf '%s' "$dir"
}

# Port the cluster in DIR/data is running on, or nothing when it isn't running.
running_port() {
  local dir=$1 pidfile=$1/data/postmaster.pid pid state
  [[ -f $pidfile ]] || return 0
  pid=$(sed -n 1p "$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  # State field of /proc/PID/stat (after the parenthesised command name); empty when there is no such process.
  state=$(cat "/proc/$pid/stat" 2>/dev/null) || state=""
  state=${state##*) }
  state=${state%% *}
  if [[ $state == [ZX] ]]; then
    # A postmaster killed with SIGKILL whose parent (often PID 1 in a container) hasn't reaped it yet:
    # pg_ctl and postgres would take it for a live server, so drop its lock files.
    log "postmaster $pid is dead (zombie); removing its stale lock files"
    rm -f -- "$pidfile" "$dir"/.s.PGSQL.*.lock
    return 0
  fi
  [[ -n $state ]] || return 0
  sed -n 4p "$pidfile"
}

conf_quote() { printf "'%s'" "${1//\'/\'\'}"; }

start() {
  local dir=$1 port=$2
  [[ $port =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)) || die "bad port: $port"
  require_pg_bin
  dir=$(prepare_dir "$dir")
  local sock="$dir/.s.PGSQL.$port"
  # The kernel's limit for a unix socket path (sun_path) is 107 bytes.
  ((${#sock} <= 107)) || die "socket path $sock is longer than 107 bytes; use a shorter DIR"

  # One start at a time per DIR (fd 9 is closed for pg_ctl, so the server doesn't inherit the lock).
  exec 9>>"$dir/.start.lock"
  flock 9

  local data="$dir/data" cur
  cur=$(running_port "$dir")
  if [[ -n $cur && $cur != "$port" ]]; then
    die "the cluster in $dir is already running on port $cur, not $port"
  fi
  if [[ -z $cur ]]; then
    if [[ ! -f $data/PG_VERSION ]]; then
      log "initdb $data ($("$PG_BIN/postgres" --version))"
      rm -rf -- "$data"
      # C collation and UTF-8 encoding: no dependency on the machine's generated locales.
      as_owner env LC_ALL=C "$PG_BIN/initdb" -D "$data" -U "$DB_SUPERUSER" --auth=trust \
        --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; die "initdb failed"; }
      echo "include_if_exists = 'bank_assistant.conf'" | as_owner tee -a "$data/postgresql.conf" >/dev/null
    fi
    # Rewritten on every start: the port may change between starts.
    as_owner tee "$data/bank_assistant.conf" >/dev/null <<EOF
# Written by scripts/postgres.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = $(conf_quote "$dir")
unix_socket_permissions = 0700
# Durability is under test: never trade it for speed here.
fsync = on
synchronous_commit = on
full_page_writes = on
# Parallel query uses dynamic shared memory in /dev/shm, which is tiny in default Docker containers.
max_parallel_workers_per_gather = 0
EOF
    log "starting PostgreSQL on 127.0.0.1:$port (log: $dir/postgres.log)"
    if ! as_owner env LC_ALL=C "$PG_BIN/pg_ctl" start -D "$data" -l "$dir/postgres.log" -w -t 60 >&2 9>&-; then
      tail -n 30 "$dir/postgres.log" >&2 || true
      die "PostgreSQL did not start (is port $port already in use?)"
    fi
  else
    log "already running on 127.0.0.1:$port"
    # It may still be starting up or recovering from a crash.
    local i
    for ((i = 0; i < 120; i++)); do
      "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$DB_SUPERUSER" -d postgres && break
      sleep 0.5
    done
  fi

  local -a q=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$DB_SUPERUSER" -d postgres -tA)
  local exists
  exists=$(PGCONNECT_TIMEOUT=10 "${q[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")
  if [[ -z $exists ]]; then
    PGCONNECT_TIMEOUT=10 "${q[@]}" -c "CREATE DATABASE $DB_NAME" >&2
    log "created database $DB_NAME"
  fi
  printf 'postgresql+psycopg://%s@127.0.0.1:%s/%s\n' "$DB_SUPERUSER" "$port" "$DB_NAME"
}

stop() {
  local dir=$1
  require_pg_bin
  [[ -d $dir ]] || { log "no cluster in $dir"; return 0; }
  dir=$(cd -- "$dir" && pwd -P)
  if [[ -z $(running_port "$dir") ]]; then
    log "not running in $dir"
    return 0
  fi
  as_owner env LC_ALL=C "$PG_BIN/pg_ctl" stop -D "$dir/data" -m fast -w -t 60 >&2
}

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

case "${1:-}" in
ensure-installed) [[ $# -eq 1 ]] || usage; ensure_installed ;;
start) [[ $# -eq 3 ]] || usage; start "$2" "$3" ;;
stop) [[ $# -eq 2 ]] || usage; stop "$2" ;;
*) usage ;;
esac
