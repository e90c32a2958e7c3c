#!/bin/sh
# Runs the README as a newcomer would: every ```sh block in order, in one
# shell, in an empty directory holding only the examples and the built
# programs (as build/bin); a ```text block right after an ```sh block is
# what that block must print (stdout and stderr).  Blocks of `make`
# commands are skipped: they are what CI runs, this test among them.
# Prints what differs and exits 1 on any difference or failure.
# Usage: sh tests/readme.sh BINDIR, from the top of the repository.
[ $# -eq 1 ] || { echo "usage: sh tests/readme.sh BINDIR" >&2; exit 2; }
bindir=$(cd "$1" && pwd) || exit 2
top=$(cd "$(dirname "$0")/.." && pwd) || exit 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/revops-readme.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/run/build" "$tmp/blocks" || exit 2
ln -s "$top/examples" "$tmp/run/examples"
ln -s "$bindir" "$tmp/run/build/bin"

# The blocks as blocks/N.sh and blocks/N.want.
awk -v dir="$tmp/blocks" '
/^```sh$/ { n++; file = dir "/" n ".sh"; last = "sh"; inside = 1; next }
/^```text$/ && last == "sh" { file = dir "/" n ".want"; inside = 1; next }
/^```/ { if (inside) { inside = 0; close(file); file = "" }
	else last = "other"; next }
inside { print > file; next }
/[^ \t]/ { last = "other" }
' "$top/README.md"

# One script: each block's output into blocks/N.got, in the same shell.
{
	echo 'set -e'
	for f in "$tmp"/blocks/*.sh; do
		n=$(basename "$f" .sh)
		head -n 1 "$f" | grep -q '^make ' && continue
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
. "$top/tests/blocks.sh"
compare_blocks "$tmp/blocks" "README block"
[ "$failed" -eq 0 ] && echo "readme: $(ls "$tmp"/blocks/*.got | wc -l) blocks run, $checked outputs as written"
exit "$failed"
