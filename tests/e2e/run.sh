#!/bin/sh
# Runs the end-to-end cases: each directory under tests/e2e/cases holds
# the input files, `cmd` (a shell script run in a copy of the directory,
# with the programs on PATH and REVOPS_DB set to a new database) and
# `expected` (what cmd writes, stdout and stderr together).  cmd may use
# the helpers of tests/e2e/lib.sh.  With REVOPS_TEST_PG=1 in the
# environment each database is a new one on the PostgreSQL server that
# libpq's environment names (PGHOST, PGPORT, PGUSER: tests/pg.sh), and a
# case with a file `sqlite-only` (saying why) is left out.
# Usage: run.sh BINDIR [CASE...]
bindir=$(cd "$1" && pwd) || exit 2
shift
top=$(cd "$(dirname "$0")" && pwd)
cases=${*:-$(ls "$top/cases")}
pass=0 fail=0 skip=0
for c in $cases; do
	dir=$top/cases/$c
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/revops-e2e.XXXXXX")
	cp -R "$dir/." "$tmp"
	db=$tmp/test.db
	if [ -n "${REVOPS_TEST_PG:-}" ]; then
		if [ -f "$dir/sqlite-only" ]; then
			skip=$((skip + 1))
			rm -rf "$tmp"
			continue
		fi
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
		pass=$((pass + 1))
		rm -rf "$tmp"
	else
		fail=$((fail + 1))
		echo "FAIL: $c (output kept in $tmp)"
		head -40 "$tmp/.diff"
	fi
done
echo "e2e${REVOPS_TEST_PG:+ on PostgreSQL}: $pass passed, $fail failed${REVOPS_TEST_PG:+, $skip for SQLite only}"
[ "$fail" -eq 0 ]
