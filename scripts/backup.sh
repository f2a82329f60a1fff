#!/usr/bin/env bash
# A logical backup of Front Door's PostgreSQL database (issue 10; see docs/deployment.md).
#
#   DATABASE_URL=postgres://… scripts/backup.sh [--schema NAME]… FILE
#
# Writes FILE (pg_dump's custom format, for pg_restore) and FILE.manifest: the dump's SHA-256 and
# the exact row count of every table, counted in the same snapshot the dump was taken from, so
# scripts/restore.sh can prove that a restore holds exactly what was backed up, even when the
# service was busy while the backup ran. Without --schema the whole database is dumped (the app's
# tables, the job queue's schema and the extensions); with --schema only those schemas and the
# extensions they need.
#
# A backup that fails leaves nothing behind that looks like a backup: both files are written under
# temporary names and moved into place only when everything succeeded.
#
# Needs pg_dump and psql of the server's major version or newer (pg_dump refuses an older one).
set -euo pipefail

usage() {
  echo "usage: DATABASE_URL=postgres://… $0 [--schema NAME]… FILE" >&2
  exit 2
}

schemas=()
file=""
while [ $# -gt 0 ]; do
  case "$1" in
    --schema)
      [ $# -ge 2 ] || usage
      [[ "$2" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "backup: --schema takes a plain lower-case schema name, not '$2'" >&2; exit 2; }
      schemas+=("$2")
      shift 2
      ;;
    -h | --help) usage ;;
    -*) echo "backup: unknown option $1" >&2; usage ;;
    *)
      [ -z "$file" ] || usage
      file="$1"
      shift
      ;;
  esac
done
[ -n "$file" ] || usage
: "${DATABASE_URL:?backup: set DATABASE_URL to the database to back up}"
for tool in pg_dump psql sha256sum; do
  command -v "$tool" >/dev/null || { echo "backup: $tool is not installed (apt-get install postgresql-client)" >&2; exit 2; }
done
if [ -e "$file" ]; then
  echo "backup: $file already exists; choose a new name (backups are never overwritten)" >&2
  exit 2
fi

partial="$file.partial.$$"
manifest_partial="$file.manifest.partial.$$"
finished=0
psql_pid=""
cleanup() {
  if [ "$finished" != 1 ]; then rm -f "$partial" "$manifest_partial"; fi
  if [ -n "$psql_pid" ]; then kill "$psql_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# pg_dump refuses a server newer than itself, but only after connecting; say so plainly first,
# before any snapshot is held.
server_num=$(psql "$DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 -c "show server_version_num") || { echo "backup: could not connect to the database at DATABASE_URL" >&2; exit 1; }
server_major=$((server_num / 10000))
dump_major=$(pg_dump --version | grep -oE '[0-9]+' | head -n 1)
if [ "$server_major" -gt "$dump_major" ]; then
  echo "backup: server version mismatch: the server runs PostgreSQL $server_major and pg_dump is version $dump_major; install postgresql-client-$server_major" >&2
  exit 1
fi

# Which schemas' tables to count: the ones asked for, or every schema pg_dump would dump.
if [ ${#schemas[@]} -gt 0 ]; then
  schema_filter="n.nspname in ($(printf "'%s'," "${schemas[@]}" | sed 's/,$//'))"
else
  schema_filter="n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'"
fi

# One psql session holds a repeatable-read transaction open for the whole backup. Its snapshot is
# exported to pg_dump, and the rows are counted in it, so counts and dump describe the same moment.
coproc PSQL { psql "$DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 2>&1; }
psql_pid=$PSQL_PID
# Reads the session's output up to the marker; fails if psql reported an error.
read_until_marker() {
  local line
  while IFS= read -r line <&"${PSQL[0]}"; do
    [ "$line" = "__FRONT_DOOR_END__" ] && return 0
    case "$line" in
      *ERROR:* | *FATAL:* | *error:*) echo "backup: $line" >&2; return 1 ;;
    esac
    printf '%s\n' "$line"
  done
  echo "backup: the database session ended early" >&2
  return 1
}
send() { printf '%s\n\\echo __FRONT_DOOR_END__\n' "$1" >&"${PSQL[1]}"; }

# No server or role timeout may end this session while pg_dump works from its snapshot.
send "set statement_timeout = 0; set idle_in_transaction_session_timeout = 0; begin isolation level repeatable read read only; select pg_export_snapshot();"
snapshot=$(read_until_marker)
[[ "$snapshot" =~ ^[0-9A-F-]+$ ]] || { echo "backup: could not export a snapshot: $snapshot" >&2; exit 1; }

send "select format('select %L || '' '' || count(*) from %I.%I', n.nspname || '.' || c.relname, n.nspname, c.relname)
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind = 'r' and $schema_filter
    and not exists (select from pg_depend d where d.objid = c.oid and d.deptype = 'e')
  order by n.nspname, c.relname \\gexec"
counts=$(read_until_marker)

# A migration holding a table's lock makes the backup fail after two minutes rather than wait on.
dump_args=(--format=custom --snapshot="$snapshot" --lock-wait-timeout=2min --file="$partial")
if [ ${#schemas[@]} -gt 0 ]; then
  for s in "${schemas[@]}"; do dump_args+=(--schema="$s"); done
  # With --schema pg_dump leaves out extensions; the tables' indexes need them (pg_trgm, fuzzystrmatch).
  send "select extname from pg_extension where extname <> 'plpgsql' order by 1;"
  for ext in $(read_until_marker); do dump_args+=(--extension="$ext"); done
fi
pg_dump "${dump_args[@]}" "$DATABASE_URL"

send "commit;"
read_until_marker >/dev/null
exec {PSQL[1]}>&-
wait "$psql_pid" || true
psql_pid=""

server_version=$(psql "$DATABASE_URL" -XAtqc "show server_version")
{
  echo "# Front Door backup manifest: the dump's checksum and each table's rows when it was taken"
  echo "format 1"
  echo "taken_at $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "server_version $server_version"
  echo "pg_dump $(pg_dump --version | sed 's/^pg_dump (PostgreSQL) //')"
  [ ${#schemas[@]} -gt 0 ] && echo "schemas ${schemas[*]}"
  echo "sha256 $(sha256sum "$partial" | awk '{print $1}')"
  [ -n "$counts" ] && printf '%s\n' "$counts" | sed 's/^/rows /'
} >"$manifest_partial"

mv "$partial" "$file"
mv "$manifest_partial" "$file.manifest"
finished=1
tables=$(grep -c '^rows ' "$file.manifest" || true)
rows=$(awk '$1 == "rows" { n += $3 } END { print n + 0 }' "$file.manifest")
echo "backup: $file ($(du -h "$file" | awk '{print $1}'), $tables tables, $rows rows; manifest $file.manifest)"
