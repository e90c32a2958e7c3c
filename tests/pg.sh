#!/bin/sh
# Runs the end-to-end cases and the bad-input corpus on PostgreSQL, on a
# server of its own: initialized in a new folder, reached only through a
# socket there, and removed at the end, so that no server of the machine
# is touched.  Run as root, the server runs as the user postgres (the
# package's), which PostgreSQL requires.  Without PostgreSQL's server
# programs (Debian's package postgresql) it says so and passes.
# Usage: sh tests/pg.sh BINDIR
bindir=$1
top=$(cd "$(dirname "$0")" && pwd)
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$pgbin" ] && command -v initdb >/dev/null 2>&1; then
	pgbin=$(dirname "$(command -v initdb)")
fi
if [ ! -x "$pgbin/initdb" ]; then
	echo "pg: skipped: no PostgreSQL server here (apt-get install postgresql)"
	exit 0
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/revops-pg.XXXXXX") || exit 2
as=
if [ "$(id -u)" = 0 ]; then
	chown postgres "$dir" || exit 2
	as="runuser -u postgres --"
fi
stop() {
	(cd / && $as "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop) \
	    >/dev/null 2>&1
	rm -rf "$dir"
}
trap stop EXIT
trap 'exit 2' INT TERM
# (from /, which the server's user may read where the tests' folder not)
(cd / && $as "$pgbin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
    --locale=C --no-sync >"$dir/initdb.log" 2>&1 &&
    $as "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
    "-k $dir -c listen_addresses= -c fsync=off -c full_page_writes=off" \
    start >/dev/null) || {
	cat "$dir/initdb.log" "$dir/server.log" 2>/dev/null
	echo "pg: the server did not start"
	exit 1
}
PGHOST=$dir PGPORT=5432 PGUSER=postgres REVOPS_TEST_PG=1
export PGHOST PGPORT PGUSER REVOPS_TEST_PG
rc=0
sh "$top/e2e/run.sh" "$bindir" || rc=1
sh "$top/bad/run.sh" "$bindir" || rc=1
exit $rc
