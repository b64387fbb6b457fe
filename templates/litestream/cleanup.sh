#!/bin/sh
# Generation-aware cleanup of Litestream 0.3 replicas in one S3 bucket.
#
# Litestream 0.3 stores a replica under <bucket>/<replica-path>/generations/<id>/... and its
# `retention` never deletes whole generations, so the bucket grows. A blunt age-based delete
# (`mc rm --older-than 7d`) removes the only copy of an app that was stopped for a week. This
# script, for every DECLARED replica path:
#   - keeps the newest generation always (newest = the generation whose newest object is the
#     most recent one);
#   - deletes an older generation only when its newest object is older than the retention;
#   - keeps every other generation.
# Replica paths found in the bucket that are not declared are reported, never deleted.
#
# Runs under busybox sh with rclone and busybox tools only (image rclone/rclone).
#
# Environment:
#   RCLONE_REMOTE      rclone remote name, configured by RCLONE_CONFIG_<NAME>_* variables
#   BUCKET             bucket holding the replicas
#   RETENTION_SECONDS  positive integer; older non-newest generations are deleted
#   DECLARED_PATHS     replica paths (newline- or space-separated), e.g. apps/paperless/db.sqlite3
#   DRY_RUN            optional; unless empty, 0, false or no: print what would be deleted
#
# Output: one line per decision: "keep newest", "keep recent", "delete expired",
# "report undeclared", plus "error no generations" for a declared path without any generation
# (its database has no replica at all: a sidecar that never ran, a wrong path) and "warn ..."
# for objects under a declared path that are not part of a generation.
#
# Exit codes: 0 ok; 1 listing or deletion failed (nothing is deleted when listing fails), or a
# declared path has no generation (the other paths are still cleaned up); 2 invalid
# configuration.

set -u

fail_config() {
	printf 'cleanup: configuration error: %s\n' "$1" >&2
	exit 2
}

remote=${RCLONE_REMOTE:-}
remote=${remote%:}
bucket=${BUCKET:-}
bucket=${bucket%/}
retention=${RETENTION_SECONDS:-}
declared=${DECLARED_PATHS:-}

[ -n "$remote" ] || fail_config "RCLONE_REMOTE is not set"
[ -n "$bucket" ] || fail_config "BUCKET is not set"
case $bucket in
*/*) fail_config "BUCKET must be a bucket name, not a path: $bucket" ;;
esac
case $retention in
'' | *[!0-9]*) fail_config "RETENTION_SECONDS must be a positive integer, got '$retention'" ;;
esac
[ "$retention" -gt 0 ] || fail_config "RETENTION_SECONDS must be greater than zero"

case ${DRY_RUN:-} in
'' | 0 | false | FALSE | no | NO) dry_run=0 ;;
*) dry_run=1 ;;
esac

work=$(mktemp -d) || {
	printf 'cleanup: cannot create a temporary directory\n' >&2
	exit 1
}
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# Declared paths, one a line, without leading/trailing slashes, deduplicated.
printf '%s\n' "$declared" | awk '{
	for (i = 1; i <= NF; i++) {
		p = $i
		sub(/^\/+/, "", p)
		sub(/\/+$/, "", p)
		if (p != "" && !seen[p]++) print p
	}
}' >"$work/declared" || exit 1
if [ ! -s "$work/declared" ]; then
	printf 'warn no declared paths: nothing will be deleted\n'
fi

now=$(date -u +%s) || exit 1
case $now in
'' | *[!0-9]*)
	printf 'cleanup: cannot read the current time\n' >&2
	exit 1
	;;
esac

# One listing of the whole bucket. Times are server modification times printed in UTC
# ("YYYY-MM-DD HH:MM:SS;path"): TZ=UTC makes rclone print UTC, --use-server-modtime avoids
# one HEAD request per object and uses the upload time, which is what ages a generation.
printf 'listing %s:%s\n' "$remote" "$bucket"
if ! TZ=UTC rclone lsf --recursive --files-only --fast-list --use-server-modtime \
	--format tp --separator ';' "$remote:$bucket" >"$work/listing"; then
	printf 'cleanup: listing %s:%s failed: nothing deleted\n' "$remote" "$bucket" >&2
	exit 1
fi

# Decide. Prints the decisions, writes "<generation> <path>" lines to be deleted.
if ! awk -v now="$now" -v retention="$retention" -v delete_list="$work/delete" '
function epoch(ts,   y, m, d, era, yoe, mp, doy, doe) {
	# "YYYY-MM-DD HH:MM:SS" (UTC) -> seconds since 1970 (days-from-civil, no mktime needed)
	y = substr(ts, 1, 4) + 0; m = substr(ts, 6, 2) + 0; d = substr(ts, 9, 2) + 0
	if (m <= 2) y = y - 1
	era = int(y / 400)
	yoe = y - era * 400
	mp = (m + 9) % 12
	doy = int((153 * mp + 2) / 5) + d - 1
	doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
	return (era * 146097 + doe - 719468) * 86400 \
		+ (substr(ts, 12, 2) + 0) * 3600 + (substr(ts, 15, 2) + 0) * 60 + (substr(ts, 18, 2) + 0)
}
function is_generation_id(s) {
	# Litestream 0.3 generation ids are 16 lowercase hex digits.
	return length(s) == 16 && s !~ /[^0-9a-f]/
}
function owner(path,   i, best, d) {
	# Longest declared path D such that path is inside D/.
	best = ""
	for (i = 1; i <= ndeclared; i++) {
		d = declared[i]
		if (length(d) > length(best) && substr(path, 1, length(d) + 1) == d "/") best = d
	}
	return best
}
FNR == NR { declared[++ndeclared] = $0; next }
{
	sep = index($0, ";")
	ts = substr($0, 1, sep - 1)
	path = substr($0, sep + 1)
	if (sep == 0 || ts !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/) {
		printf "cleanup: cannot parse listing line: %s\n", $0 > "/dev/stderr"
		bad = 1
		exit 1
	}
	t = epoch(ts)
	d = owner(path)
	if (d != "") {
		rest = substr(path, length(d) + 2)
		if (substr(rest, 1, 12) == "generations/") {
			rest = substr(rest, 13)
			slash = index(rest, "/")
			gen = substr(rest, 1, slash - 1)
			if (slash > 1 && is_generation_id(gen)) {
				key = d SUBSEP gen
				if (!(key in newest)) { gens[d] = gens[d] " " gen; newest[key] = t }
				else if (t > newest[key]) newest[key] = t
				if (!(d in dnewest) || t > dnewest[d]) dnewest[d] = t
				next
			}
		}
		foreign[d]++
		next
	}
	# Not declared: the replica path is what precedes "/generations/", else the top-level prefix.
	p = index("/" path, "/generations/")
	if (p > 1) prefix = substr(path, 1, p - 2)
	else if (p == 1) prefix = ""
	else {
		slash = index(path, "/")
		prefix = slash > 0 ? substr(path, 1, slash - 1) : path
	}
	if (prefix == "") prefix = "(bucket root)"
	if (!(prefix in ucount)) { uorder[++nundeclared] = prefix; unewest[prefix] = t }
	ucount[prefix]++
	if (t > unewest[prefix]) unewest[prefix] = t
}
END {
	if (bad) exit 1
	printf "" > delete_list
	for (i = 1; i <= ndeclared; i++) {
		d = declared[i]
		if (!(d in gens)) {
			printf "error no generations path=%s (no replica of this database)\n", d
			continue
		}
		n = split(substr(gens[d], 2), list, " ")
		for (j = 1; j <= n; j++) {
			gen = list[j]
			t = newest[d SUBSEP gen]
			age = now - t
			# Generations sharing the newest second are all kept.
			if (t == dnewest[d]) decision = "keep newest"
			else if (age > retention) {
				decision = "delete expired"
				print gen, d > delete_list
			} else decision = "keep recent"
			printf "%s path=%s generation=%s age=%.0fs retention=%.0fs\n", decision, d, gen, age, retention
		}
		if (d in foreign)
			printf "warn not a generation, left alone path=%s objects=%d\n", d, foreign[d]
	}
	for (i = 1; i <= nundeclared; i++) {
		prefix = uorder[i]
		printf "report undeclared path=%s objects=%d age=%.0fs (never deleted)\n", \
			prefix, ucount[prefix], now - unewest[prefix]
	}
	close(delete_list)
}
' "$work/declared" "$work/listing" >"$work/decisions"; then
	printf 'cleanup: cannot evaluate the listing: nothing deleted\n' >&2
	exit 1
fi
cat "$work/decisions"

failures=0
deleted=0
while IFS= read -r line; do
	gen=${line%% *}
	path=${line#* }
	if [ -z "$gen" ] || [ -z "$path" ] || [ "$gen" = "$line" ]; then
		continue
	fi
	target="$remote:$bucket/$path/generations/$gen"
	if [ "$dry_run" = 1 ]; then
		printf 'dry run: would purge %s\n' "$target"
		continue
	fi
	printf 'purging %s\n' "$target"
	if rclone purge "$target"; then
		deleted=$((deleted + 1))
	else
		printf 'cleanup: purging %s failed\n' "$target" >&2
		failures=$((failures + 1))
	fi
done <"$work/delete"

if [ "$dry_run" = 1 ]; then
	printf 'done (dry run): nothing deleted\n'
else
	printf 'done: %d generation(s) deleted, %d failure(s)\n' "$deleted" "$failures"
fi
missing=$(grep -c '^error no generations ' "$work/decisions")
if [ "$missing" -gt 0 ]; then
	printf 'cleanup: %d declared path(s) without any generation\n' "$missing" >&2
	exit 1
fi
[ "$failures" -eq 0 ] || exit 1
exit 0
