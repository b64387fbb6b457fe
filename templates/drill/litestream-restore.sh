#!/bin/sh
# Restore drill of Litestream replicas (backup-policy drill, test type litestream): restores
# every database from each of its replicas into RESTORE_ROOT (an emptyDir), where the smoke
# test then checks it. Nothing is written where the app runs.
#
# Runs under /bin/sh of the Litestream image (busybox in 0.3, dash in 0.5) with `litestream`
# on the PATH.
#
# Environment:
#   LITESTREAM_CONFIG  the generated Litestream config (default /etc/litestream.yml)
#   RESTORE_ROOT       folder the copies go to
#   RESTORES           one restore a line: "<database path> <copy, relative to RESTORE_ROOT>
#                      [<replica name>]"; without a replica name litestream picks the replica
#                      (0.5 has one per database)
#   plus the S3 credentials the config expects (LITESTREAM_ACCESS_KEY_ID, ...)
#
# A missing or unreadable replica fails the restore: `-if-replica-exists` is not used here.
# Exit codes: 0 every database restored; 1 a restore failed; 2 invalid configuration.

set -u

config=${LITESTREAM_CONFIG:-/etc/litestream.yml}
root=${RESTORE_ROOT:-}
failed=0
count=0

if [ -z "$root" ] || [ ! -d "$root" ]; then
  echo "error: RESTORE_ROOT '$root' is not a folder" >&2
  exit 2
fi
if [ ! -r "$config" ]; then
  echo "error: cannot read the Litestream config $config" >&2
  exit 2
fi

while read -r db copy replica; do
  [ -n "$db" ] || continue
  if [ -z "$copy" ]; then
    echo "error: no copy path for $db in RESTORES" >&2
    exit 2
  fi
  count=$((count + 1))
  mkdir -p "$(dirname "$root/$copy")"
  if [ -n "${replica:-}" ]; then
    set -- -replica "$replica"
  else
    set --
  fi
  if litestream restore -config "$config" "$@" -o "$root/$copy" "$db"; then
    echo "ok   restored $db${replica:+ from $replica} to $copy"
  else
    echo "FAIL cannot restore $db${replica:+ from $replica}"
    failed=1
  fi
done <<END
${RESTORES:-}
END

if [ "$count" -eq 0 ]; then
  echo "error: RESTORES names no database" >&2
  exit 2
fi
exit "$failed"
