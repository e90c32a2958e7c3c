#!/bin/sh
# Runs the EXAMPLES of every man page, as tests/readme.sh runs the README:
# each page's blocks in order, in one shell, in a directory of its own
# that holds the built programs (as build/bin, and on PATH), a fresh copy
# of the demo database (build/demo.db, made by examples/demo.sh), the
# examples, and the files the page's examples name (tests/man/PAGE/).
#
# A block with lines that start with '$ ' is a transcript: each such line
# is a command (with the lines that continue it: an open quote, a line
# ending in \, |, && or ||, or a line starting with the '> ' prompt), and
# the lines up to the next command are what it must print, stdout and
# stderr; a line indented by four spaces continues the line before it
# (after a comma directly, else after a space); a command shown with no
# output must print nothing.  Any other block is a script, run as it is,
# whose output is not checked.
# Every command must succeed.  EDITOR is true: an example that has a file
# edited goes on with the file as it is.
# Prints what differs and exits 1 on any difference or failure.
# With REVOPS_TEST_PG=1 (tests/pg.sh) the demo database and each database
# file the examples name are databases of the PostgreSQL server of libpq's
# environment, and a command that runs the sqlite3 shell on one is left
# out.
# Usage: sh tests/man.sh BINDIR, from the top of the repository (KEEP=1
# keeps its directory in $TMPDIR, to look at what a failure left).
[ $# -eq 1 ] || { echo "usage: sh tests/man.sh BINDIR" >&2; exit 2; }
bindir=$(cd "$1" && pwd) || exit 2
# the tester's own config file (revops(7)) is no part of the test
export REVOPS_CONFIG=
top=$(cd "$(dirname "$0")/.." && pwd) || exit 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/revops-man.XXXXXX") || exit 2
[ -n "$KEEP" ] || trap 'rm -rf "$tmp"' EXIT
. "$top/tests/blocks.sh"
demo=$tmp/demo.db skip=
if [ -n "${REVOPS_TEST_PG:-}" ]; then
	pg=revops_man_$$ skip=sqlite3
	trap '[ -n "$KEEP" ] || rm -rf "$tmp"; pg_dropdbs "$pg"' EXIT
	createdb "${pg}_demo" || exit 2
	demo=postgresql:///${pg}_demo
fi
if ! sh "$top/examples/demo.sh" "$bindir" "$demo" "$tmp/report.html" \
    >"$tmp/demo.log" 2>&1
then
	cat "$tmp/demo.log"
	echo "FAIL: man: the demo database could not be made"
	exit 1
fi

# blocks PAGE DIR: the page's EXAMPLES as DIR/all.sh and DIR/N.want, but
# the commands that hold the text $skip.
blocks() {
	awk -v dir="$2" -v skip="$skip" '
	function unescape(s) {
		gsub(/\\e/, "\\", s)
		gsub(/\\&/, "", s)
		gsub(/\\-/, "-", s)
		return s
	}
	# Whether a command is not finished: an open quote, or a line end
	# that asks for more.
	function open_cmd(s,    i, c, q) {
		q = ""
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (q == "\047") {
				if (c == "\047")
					q = ""
			} else if (c == "\\") {
				i++
			} else if (q == "\"") {
				if (c == "\"")
					q = ""
			} else if (c == "\047" || c == "\"") {
				q = c
			}
		}
		return q != "" || s ~ /(\\|\||&&|\|\|)[ \t]*$/
	}
	function flush() {
		if (cmd == "" || (skip != "" && index(cmd, skip))) {
			cmd = ""
			nout = 0
			return
		}
		n++
		printf "%s\n", cmd > (dir "/" n ".cmd")
		close(dir "/" n ".cmd")
		printf "{\n%s\n} >\"%s/%d.got\" 2>&1\n", cmd, dir, n > script
		if (transcript)
			printf "" > (dir "/" n ".want")
		for (i = 1; i <= nout; i++)
			print out[i] > (dir "/" n ".want")
		close(dir "/" n ".want")
		cmd = ""
		nout = 0
	}
	BEGIN { script = dir "/all.sh"; print "set -e" > script }
	/^\.Sh EXAMPLES/ { examples = 1; next }
	/^\.Sh / { examples = 0 }
	!examples { next }
	/^\.Bd -literal/ { inside = 1; transcript = 0; nblock = 0; next }
	/^\.Ed/ {
		if (!transcript && nblock > 0) {
			cmd = block
			flush()
		}
		flush()
		inside = 0
		next
	}
	!inside { next }
	{
		line = unescape($0)
		if (nblock++ == 0)
			block = line
		else
			block = block "\n" line
	}
	line ~ /^\$ / { transcript = 1; flush(); cmd = substr(line, 3); next }
	!transcript { next }
	cmd != "" && nout == 0 && (open_cmd(cmd) || line ~ /^> |^>\t/) {
		sub(/^> |^>/, "", line)
		cmd = cmd "\n" line
		next
	}
	line ~ /^    / && nout > 0 {
		sub(/^    /, "", line)
		out[nout] = out[nout] (out[nout] ~ /,$/ ? "" : " ") line
		next
	}
	{ out[++nout] = line }
	' "$1"
}

failed=0 pages=0 checked=0 run=0
for page in "$top"/man/*.[1-9]; do
	name=$(basename "$page")
	dir=$tmp/$name
	mkdir -p "$dir/run/build" "$dir/blocks" || exit 2
	ln -s "$bindir" "$dir/run/build/bin"
	ln -s "$top/examples" "$dir/run/examples"
	if [ -d "$top/tests/man/$name" ]; then
		cp -RL "$top/tests/man/$name/." "$dir/run" || exit 2
	fi
	if [ -n "${REVOPS_TEST_PG:-}" ]; then
		# the databases of the page: PREFIX_demo the demo's copy
		p=${pg}_$pages
		pg_rewrite "$p" <"$page" >"$dir/page" &&
		    createdb -T "${pg}_demo" "${p}_demo" &&
		    pg_createdbs "$p" "$dir/page" || exit 2
		blocks "$dir/page" "$dir/blocks"
	else
		cp "$tmp/demo.db" "$dir/run/build/demo.db" || exit 2
		blocks "$page" "$dir/blocks"
	fi
	pages=$((pages + 1))
	run=$((run + $(grep -c '^{$' "$dir/blocks/all.sh")))
	if ! (cd "$dir/run" && PATH="$bindir:$PATH" EDITOR=true LC_ALL=C \
	    TZ=UTC USER=tester sh "$dir/blocks/all.sh" </dev/null \
	    >"$dir/out" 2>&1); then
		last=$(ls -t "$dir"/blocks/*.got 2>/dev/null | head -n 1)
		echo "FAIL: $name: an example failed:"
		cat "${last%.got}.cmd" "$last" "$dir/out"
		failed=1
		continue
	fi
	compare_blocks "$dir/blocks" "$name, command"
done
[ "$failed" -eq 0 ] && echo "man${REVOPS_TEST_PG:+ on PostgreSQL}: $pages" \
    "pages, $run example commands run, $checked outputs as shown"
exit "$failed"
