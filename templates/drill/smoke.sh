#!/bin/sh
# Smoke test of a restored copy (backup-policy drill): the checks a service declares for a
# volume (volumes[].restoreCheck), run over the copy mounted at CHECK_ROOT.
#
#   - the copy holds something besides lost+found (a restore into an empty volume fails);
#   - every path of MUST_EXIST exists;
#   - every SQLite database of SQLITE_DBS is a non-empty file that passes
#     PRAGMA integrity_check (or quick_check), which prints exactly "ok" when it passes.
#
# Runs under busybox sh with the sqlite3 shell, in the cluster policy's restore-check image.
#
# Environment:
#   CHECK_ROOT    folder holding the copy
#   MUST_EXIST    paths relative to CHECK_ROOT, one a line (optional)
#   SQLITE_DBS    SQLite databases relative to CHECK_ROOT, one a line (optional)
#   SQLITE_CHECK  integrity_check (default) or quick_check
#
# Output: one line per check, "ok   ..." or "FAIL ...", then a summary line.
# Exit codes: 0 every check passed; 1 a check failed; 2 invalid configuration.

set -u

root=${CHECK_ROOT:-}
pragma=${SQLITE_CHECK:-integrity_check}
failed=0

if [ -z "$root" ] || [ ! -d "$root" ]; then
  echo "error: CHECK_ROOT '$root' is not a folder" >&2
  exit 2
fi
case $pragma in
  integrity_check | quick_check) ;;
  *)
    echo "error: SQLITE_CHECK '$pragma' is neither integrity_check nor quick_check" >&2
    exit 2
    ;;
esac

pass() { echo "ok   $*"; }
fail() {
  echo "FAIL $*"
  failed=1
}

first=$(find "$root" -mindepth 1 -maxdepth 1 ! -name lost+found | head -n 1)
if [ -n "$first" ]; then
  pass "$root holds data"
else
  fail "$root is empty"
fi

while IFS= read -r path; do
  [ -n "$path" ] || continue
  if [ -e "$root/$path" ]; then
    pass "$path exists"
  else
    fail "$path is missing"
  fi
done <<END
${MUST_EXIST:-}
END

while IFS= read -r db; do
  [ -n "$db" ] || continue
  if [ ! -s "$root/$db" ]; then
    fail "$db: no database there (missing or empty)"
    continue
  fi
  result=$(sqlite3 "$root/$db" "PRAGMA $pragma;" 2>&1)
  if [ "$result" = "ok" ]; then
    pass "$db: $pragma ok"
  else
    fail "$db: $pragma: $(echo "$result" | head -n 5)"
  fi
done <<END
${SQLITE_DBS:-}
END

if [ "$failed" -eq 0 ]; then
  echo "smoke test passed"
else
  echo "smoke test FAILED"
fi
exit "$failed"
