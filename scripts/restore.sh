#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh into an empty database, then proves it (issue 10;
# see docs/deployment.md).
#
#   scripts/restore.sh [--no-owner] [--no-privileges] [--no-audit-verify] [--check-only] FILE TARGET_URL
#
#   1. checks FILE against the SHA-256 in FILE.manifest (a damaged or altered dump is refused);
#   2. refuses a target that already has tables in the schemas being restored (never over live data);
#   3. pg_restore in one transaction: all of it, or nothing;
#   4. counts every table's rows in the target and compares them with the manifest;
#   5. when package.json has an audit:verify script, runs it against the target (DATABASE_URL is
#      set to TARGET_URL; DB_SCHEMA is passed on if you set it) to check the audit log's hash chain.
#
# --check-only skips steps 2 and 3: it checks a database restored earlier against the backup again.
#
# Owners and privileges are restored as they were (the audit log's append-only grants and the MASH's
# row-level-security role depend on them), so the roles must exist in the target cluster first:
# restore them from `pg_dumpall --roles-only` or create them. --no-owner / --no-privileges are for a
# copy in another cluster (a test or an investigation), never for production.
#
# Exit status: 0 restored and proved; 1 restore failed (nothing restored); 2 bad use or refused;
# 3 restored but a check failed (do not use this copy).
set -euo pipefail

usage() {
  echo "usage: $0 [--no-owner] [--no-privileges] [--no-audit-verify] [--check-only] FILE TARGET_URL" >&2
  exit 2
}

restore_args=(--exit-on-error --single-transaction)
audit_verify=1
check_only=0
positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-owner) restore_args+=(--no-owner); shift ;;
    --no-privileges) restore_args+=(--no-privileges); shift ;;
    --no-audit-verify) audit_verify=0; shift ;;
    --check-only) check_only=1; shift ;;
    -h | --help) usage ;;
    -*) echo "restore: unknown option $1" >&2; usage ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ ${#positional[@]} -eq 2 ] || usage
file="${positional[0]}"
target="${positional[1]}"
manifest="$file.manifest"
for tool in pg_restore psql sha256sum; do
  command -v "$tool" >/dev/null || { echo "restore: $tool is not installed (apt-get install postgresql-client)" >&2; exit 2; }
done
[ -f "$file" ] || { echo "restore: no backup at $file" >&2; exit 2; }
[ -f "$manifest" ] || { echo "restore: no manifest at $manifest (scripts/backup.sh writes one beside each backup)" >&2; exit 2; }

# 1. The dump is the one the manifest describes.
expected=$(awk '$1 == "sha256" { print $2 }' "$manifest")
actual=$(sha256sum "$file" | awk '{print $1}')
if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
  echo "restore: $file does not match its manifest (sha256 ${actual:0:16}…, manifest says ${expected:0:16}…): damaged or altered; not restored" >&2
  exit 2
fi

if [ "$check_only" = 0 ]; then
  # 2. The target is empty where the backup will go.
  schemas=$(awk '$1 == "schemas" { $1 = ""; print }' "$manifest" | xargs -n1 2>/dev/null || true)
  if [ -n "$schemas" ]; then
    list=$(printf "'%s'," $schemas | sed 's/,$//')
    filter="n.nspname in ($list)"
  else
    filter="n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'"
  fi
  existing=$(psql "$target" -XAtq -v ON_ERROR_STOP=1 -c "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p') and $filter")
  if [ "$existing" != 0 ]; then
    echo "restore: the target already has $existing table(s) where the backup would go; restore into a new, empty database" >&2
    exit 2
  fi

  # 3. All or nothing.
  echo "restore: restoring $file into the target…"
  if ! pg_restore "${restore_args[@]}" --dbname="$target" "$file"; then
    echo "restore: pg_restore failed; the target was left as it was (one transaction)" >&2
    exit 1
  fi
fi

# 4. Every table has the rows it had when the backup was taken (one query, one connection).
count_sql=$(awk -v q="'" '$1 == "rows" { split($2, p, "."); printf "%sselect %s%s%s as t, count(*) as n from \"%s\".\"%s\"\n", (n++ ? "union all " : ""), q, $2, q, p[1], p[2] }' "$manifest")
checked=$(awk '$1 == "rows"' "$manifest" | wc -l)
mismatches=0
if [ "$checked" -gt 0 ]; then
  if ! found=$(psql "$target" -XAtq -v ON_ERROR_STOP=1 -F ' ' -c "$count_sql" 2>&1); then
    echo "restore: could not count the restored tables: $found" >&2
    exit 3
  fi
  while read -r _ table want; do
    got=$(printf '%s\n' "$found" | awk -v t="$table" '$1 == t { print $2 }')
    if [ "$got" != "$want" ]; then
      echo "restore: $table has ${got:-no} rows; the backup had $want" >&2
      mismatches=$((mismatches + 1))
    fi
  done < <(awk '$1 == "rows"' "$manifest")
fi
if [ "$mismatches" != 0 ]; then
  echo "restore: $mismatches of $checked tables differ from the backup; do not use this copy" >&2
  exit 3
fi
rows=$(awk '$1 == "rows" { n += $3 } END { print n + 0 }' "$manifest")
echo "restore: row counts match the backup ($checked tables, $rows rows)"

# 5. The audit log's hash chain, when this version of Front Door has the check.
if [ "$audit_verify" = 1 ]; then
  here=$(cd "$(dirname "$0")/.." && pwd)
  if command -v npm >/dev/null && grep -q '"audit:verify"' "$here/package.json"; then
    echo "restore: checking the audit log's hash chain (npm run audit:verify)…"
    if ! (cd "$here" && DATABASE_URL="$target" npm run --silent audit:verify); then
      echo "restore: the audit log's hash chain does not verify; do not use this copy" >&2
      exit 3
    fi
  else
    echo "restore: npm run audit:verify is not available here; the audit chain was not checked"
  fi
fi
echo "restore: done"
