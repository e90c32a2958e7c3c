# A PostgreSQL server of a script's own, read by tests/pg.sh and
# tests/bench/pg.sh: initialized in a new folder, reached only through a
# socket there (no TCP port), and stopped and removed when the script
# exits, also when a test fails, so that no server of the machine is
# touched.  Run as root, the server runs as the user postgres (the
# package's), which PostgreSQL requires.
#
# pg_server NAME: sets pgbin (the server's programs) and dir (the
# folder), starts the server and exports PGHOST, PGPORT and PGUSER for
# it; returns 2 when there are no server programs here (Debian's package
# postgresql), 1 when it did not start.  Then start and stop_server
# restart and stop it as a crash would (tests/pg-faults.sh does).
pg_server() {
	pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V |
	    tail -1)
	if [ -z "$pgbin" ] && command -v initdb >/dev/null 2>&1; then
		pgbin=$(dirname "$(command -v initdb)")
	fi
	[ -x "$pgbin/initdb" ] || return 2
	dir=$(mktemp -d "${TMPDIR:-/tmp}/revops-$1.XXXXXX") || exit 2
	as=
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$dir" || exit 2
		as="runuser -u postgres --"
	fi
	trap stop EXIT
	trap 'exit 2' INT TERM
	(cd / && $as "$pgbin/initdb" -D "$dir/data" -U postgres -A trust \
	    -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1) && start ||
	    {
		cat "$dir/initdb.log" "$dir/server.log" 2>/dev/null
		return 1
	    }
	PGHOST=$dir PGPORT=5432 PGUSER=postgres
	export PGHOST PGPORT PGUSER
}

stop() {
	(cd / && $as "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop) \
	    >/dev/null 2>&1
	rm -rf "$dir"
}

# From /, which the server's user may read where the tests' folder not.
start() {
	(cd / && $as "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
	    -o "-k $dir -c listen_addresses= -c fsync=off -c full_page_writes=off" \
	    start >/dev/null)
}

stop_server() {
	(cd / && $as "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null)
}
