#!/bin/sh
# One case of tests/e2e/run.sh, which runs several at once: runs the case
# CASE of tests/e2e/cases and writes its result into the folder RESULTS:
# CASE.pass, CASE.skip, or CASE.fail with the beginning of the diff.
# Usage: case.sh BINDIR RESULTS CASE
bindir=$1 results=$2 c=$3
top=$(cd "$(dirname "$0")" && pwd)
dir=$top/cases/$c
if [ -n "${REVOPS_TEST_PG:-}" ] && [ -f "$dir/sqlite-only" ]; then
	: >"$results/$c.skip"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/revops-e2e.XXXXXX") || exit 2
cp -R "$dir/." "$tmp"
db=$tmp/test.db
if [ -n "${REVOPS_TEST_PG:-}" ]; then
	db=postgresql:///revops_e2e_$$
	createdb "revops_e2e_$$" || exit 2
fi
(cd "$tmp" && PATH="$bindir:$PATH" REVOPS_DB="$db" \
    TOP="$top" E2E_PG="revops_e2e_$$" LC_ALL=C TZ=UTC USER=tester \
    sh -c ". '$top/lib.sh'; . ./cmd" >"$tmp/.actual" 2>&1 </dev/null)
[ -n "${REVOPS_TEST_PG:-}" ] && psql -X -A -t -d postgres -c "SELECT
    datname FROM pg_database WHERE datname = 'revops_e2e_$$' OR
    datname LIKE 'revops\_e2e\_$$\_%'" | xargs -r -n 1 dropdb
if diff -u "$dir/expected" "$tmp/.actual" >"$tmp/.diff"; then
	rm -rf "$tmp"
	: >"$results/$c.pass"
else
	{
		echo "FAIL: $c (output kept in $tmp)"
		head -40 "$tmp/.diff"
	} >"$results/$c.fail"
fi
