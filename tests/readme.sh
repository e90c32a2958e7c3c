#!/bin/sh
# Runs the README as a newcomer would: every ```sh block in order, in one
# shell, in an empty directory holding only the examples and the built
# programs (as build/bin); a ```text block right after an ```sh block is
# what that block must print (stdout and stderr).  Blocks of `make`
# commands are skipped: they are what CI runs, this test among them.
# Prints what differs and exits 1 on any difference or failure.
# With REVOPS_TEST_PG=1 (tests/pg.sh) each database file the blocks name
# is a database of the PostgreSQL server of libpq's environment, and a
# block that runs the sqlite3 shell on it is left out.
# Usage: sh tests/readme.sh BINDIR, from the top of the repository.
[ $# -eq 1 ] || { echo "usage: sh tests/readme.sh BINDIR" >&2; exit 2; }
bindir=$(cd "$1" && pwd) || exit 2
# the tester's own config file (revops(7)) is no part of the test
export REVOPS_CONFIG=
top=$(cd "$(dirname "$0")/.." && pwd) || exit 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/revops-readme.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/run/build" "$tmp/blocks" || exit 2
ln -s "$top/examples" "$tmp/run/examples"
ln -s "$bindir" "$tmp/run/build/bin"
. "$top/tests/blocks.sh"
doc=$top/README.md
if [ -n "${REVOPS_TEST_PG:-}" ]; then
	pg=revops_readme_$$
	trap 'rm -rf "$tmp"; pg_dropdbs "$pg"' EXIT
	pg_rewrite "$pg" <"$top/README.md" >"$tmp/README.md" &&
	    pg_createdbs "$pg" "$tmp/README.md" || exit 2
	doc=$tmp/README.md
fi

# The blocks as blocks/N.sh and blocks/N.want.
awk -v dir="$tmp/blocks" '
/^```sh$/ { n++; file = dir "/" n ".sh"; last = "sh"; inside = 1; next }
/^```text$/ && last == "sh" { file = dir "/" n ".want"; inside = 1; next }
/^```/ { if (inside) { inside = 0; close(file); file = "" }
	else last = "other"; next }
inside { print > file; next }
/[^ \t]/ { last = "other" }
' "$doc"

# One script: each block's output into blocks/N.got, in the same shell.
{
	echo 'set -e'
	for f in "$tmp"/blocks/*.sh; do
		n=$(basename "$f" .sh)
		head -n 1 "$f" | grep -q '^make ' && continue
		if [ -n "${REVOPS_TEST_PG:-}" ] && grep -q sqlite3 "$f"; then
			rm -f "${f%.sh}.want"
			continue
		fi
		echo "{"
		cat "$f"
		echo "} >'$tmp/blocks/$n.got' 2>&1"
	done
} >"$tmp/all.sh"
failed=0
if ! (cd "$tmp/run" && LC_ALL=C TZ=UTC sh "$tmp/all.sh" </dev/null); then
	echo "FAIL: README: a block failed (the last one run:)"
	ls -t "$tmp"/blocks/*.got 2>/dev/null | head -n 1 | xargs cat
	failed=1
fi
checked=0
compare_blocks "$tmp/blocks" "README block"
[ "$failed" -eq 0 ] && echo "readme${REVOPS_TEST_PG:+ on PostgreSQL}:" \
    "$(ls "$tmp"/blocks/*.got | wc -l) blocks run, $checked outputs as written"
exit "$failed"
