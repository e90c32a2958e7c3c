#!/bin/sh
# Compares what two builds make of the demo: runs examples/demo.sh with
# the programs of each into a database of its own, then diffs the two
# databases as SQL text (`sqlite3 DB .dump`): their rows (the INSERTs)
# and their schema (the rest) apart, so that a change of the schema's
# text is not taken for one of the data; and the two HTML reports.  Only
# what differs by nature is left out: when each command ran and who ran
# it (audit_log.at and .user, import_batches.imported_at and .user),
# blanked in a copy before the dump.  Not part of `make check`, as it
# needs two builds; for a change meant to keep behaviour, e.g.
#     git worktree add /tmp/old COMMIT && make -C /tmp/old all
#     sh tests/dump-compare.sh /tmp/old/build/bin build/bin
# Prints what is the same and the differences; exits 0 when there are
# none, 1 when there are.
# Usage: sh tests/dump-compare.sh OLD_BINDIR NEW_BINDIR
set -eu
[ $# = 2 ] || { echo "usage: sh tests/dump-compare.sh OLD_BINDIR NEW_BINDIR" >&2
	exit 2; }
old=$(cd "$1" && pwd)
new=$(cd "$2" && pwd)
demo=$(cd "$(dirname "$0")/../examples" && pwd)/demo.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/revops-dump-compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
LC_ALL=C TZ=UTC USER=${USER:-tester}
export LC_ALL TZ USER

# dump NAME BINDIR: the demo by BINDIR's programs, as $tmp/NAME.rows,
# $tmp/NAME.schema and $tmp/NAME/report.html.
dump() {
	mkdir "$tmp/$1"
	sh "$demo" "$2" "$tmp/$1/demo.db" >"$tmp/$1/demo.out" 2>&1 || {
		sed 's/^/    /' "$tmp/$1/demo.out" | tail -5
		echo "dump-compare: the demo fails with $2" >&2
		exit 2
	}
	sqlite3 "$tmp/$1/demo.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	cp "$tmp/$1/demo.db" "$tmp/$1/blank.db"
	sqlite3 "$tmp/$1/blank.db" "UPDATE audit_log SET at = '', user = NULL;
	    UPDATE import_batches SET imported_at = '', user = NULL"
	sqlite3 "$tmp/$1/blank.db" .dump >"$tmp/$1.sql"
	grep '^INSERT INTO ' "$tmp/$1.sql" >"$tmp/$1.rows" || :
	grep -v '^INSERT INTO ' "$tmp/$1.sql" >"$tmp/$1.schema"
}

# same WHAT OLD NEW: says whether the two files are the same, and how
# not; sets status 1 when they differ.
same() {
	if diff -u "$2" "$3" >"$tmp/diff"; then
		echo "dump-compare: $1: the same ($(wc -l <"$3") lines)"
	else
		echo "dump-compare: $1: not the same:"
		head -100 "$tmp/diff"
		status=1
	fi
}
dump old "$old"
dump new "$new"
status=0
same rows "$tmp/old.rows" "$tmp/new.rows"
same schema "$tmp/old.schema" "$tmp/new.schema"
same report "$tmp/old/report.html" "$tmp/new/report.html"
exit "$status"
