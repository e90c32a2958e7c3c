#!/bin/sh
# Runs the end-to-end cases: each directory under tests/e2e/cases holds
# the input files, `cmd` (a shell script run in a copy of the directory,
# with the programs on PATH and REVOPS_DB set to a new database) and
# `expected` (what cmd writes, stdout and stderr together).  cmd may use
# the helpers of tests/e2e/lib.sh.  With REVOPS_TEST_PG=1 in the
# environment each database is a new one on the PostgreSQL server that
# libpq's environment names (PGHOST, PGPORT, PGUSER: tests/pg.sh), and a
# case with a file `sqlite-only` (saying why) is left out.
# The cases run E2E_JOBS at once (default: one a processor; each has its
# own folder and database, tests/e2e/case.sh), and are reported in order.
# Usage: run.sh BINDIR [CASE...]
bindir=$(cd "$1" && pwd) || exit 2
# the tester's own config file (revops(7)) is no part of the test
export REVOPS_CONFIG=
shift
top=$(cd "$(dirname "$0")" && pwd)
cases=${*:-$(ls "$top/cases")}
jobs=${E2E_JOBS:-$(nproc 2>/dev/null || echo 1)}
results=$(mktemp -d "${TMPDIR:-/tmp}/revops-e2e-results.XXXXXX") || exit 2
printf '%s\n' $cases |
    xargs -P "$jobs" -I @ sh "$top/case.sh" "$bindir" "$results" @
pass=0 fail=0 skip=0
for c in $cases; do
	if [ -f "$results/$c.pass" ]; then
		pass=$((pass + 1))
	elif [ -f "$results/$c.skip" ]; then
		skip=$((skip + 1))
	else
		fail=$((fail + 1))
		cat "$results/$c.fail" 2>/dev/null ||
		    echo "FAIL: $c (it did not finish)"
	fi
done
rm -rf "$results"
echo "e2e${REVOPS_TEST_PG:+ on PostgreSQL}: $pass passed, $fail failed${REVOPS_TEST_PG:+, $skip for SQLite only}"
[ "$fail" -eq 0 ]
