#!/bin/sh
# Runs the bad-input corpus (see tests/bad/cases): loads the valid
# reference data of tests/bad/ref into a new database, makes the files
# too large to keep in git, then runs every case and checks its exit
# status, that the database is as it was (a case that must succeed: its
# standard output instead), and its messages against its block of
# tests/bad/expected.  Prints what failed; exits 1 on any failure.
# Usage: sh tests/bad/run.sh BINDIR
bindir=$(cd "$1" && pwd) || exit 2
# the tester's own config file (revops(7)) is no part of the test
export REVOPS_CONFIG=
top=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/revops-bad.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
cp "$top"/*.csv "$tmp" && cd "$tmp" || exit 2
REVOPS_DB=$tmp/test.db
if [ -n "${REVOPS_TEST_PG:-}" ]; then	# tests/pg.sh's server
	REVOPS_DB=postgresql:///revops_bad_$$
	createdb "revops_bad_$$" || exit 2
	trap 'cd / && rm -rf "$tmp"; dropdb --if-exists "revops_bad_$$"' EXIT
fi
PATH="$bindir:$PATH" LC_ALL=C TZ=UTC USER=tester
export PATH REVOPS_DB LC_ALL TZ USER
. "$top/../e2e/lib.sh"		# dbdump

# The reference data, parents before the rows that refer to them.
for e in accounts products prices fx_rates stages opportunities contracts \
    subscriptions invoices payments usage; do
	if ! revops-import "$e" "$top/ref/$e.csv" 2>.err; then
		cat .err
		echo "bad: the reference data of tests/bad/ref does not import"
		exit 1
	fi
done

# A field of 2 MiB (the limit is 1 MiB), and 10,000 columns.
awk 'BEGIN {
	s = "xxxxxxxxxxxxxxxx"
	while (length(s) < 1024)
		s = s s
	printf "account_id,name,segment\nA-10,"
	for (i = 0; i < 2048; i++)
		printf "%s", s
	printf ",smb\n"
}' >huge-field.csv
awk 'BEGIN {
	printf "account_id,name"
	for (i = 3; i <= 10000; i++)
		printf ",c%d", i
	printf "\nA-10,Wide"
	for (i = 3; i <= 10000; i++)
		printf ",v%d", i
	printf "\n"
}' >ten-thousand-columns.csv

# new_invoices N PER AT BAD: N invoice lines of new invoices, PER lines
# each, with the first line of INV-1 (in the database already) before
# the one numbered AT from 0, and the one numbered BAD on a day that
# February does not have (-1: none).
new_invoices() {
	awk -v n="$1" -v per="$2" -v at="$3" -v bad="$4" 'BEGIN {
		print "invoice_id,account_id,issue_date,due_date,line_no," \
		    "sku,quantity,unit_price,amount"
		for (i = 0; i < n; i++) {
			if (i == at)
				print "INV-1,A-1,2026-02-01,2026-03-03,1,SEAT," \
				    "1,25.00,25.00"
			day = i == bad ? "2026-02-31" : "2026-02-01"
			printf "INV-N%03d,A-1,%s,2026-03-03,%d,SEAT,1,25.00," \
			    "25.00\n", i / per, day, i % per + 1
		}
	}'
}

# 150 invoice lines of 50 new invoices and, on line 23 after the first
# seven, INV-1's: the database refuses both its header and its line,
# each in a batch of its own table (64 rows a batch on SQLite: the lines'
# first is full at line 65, the headers' only at the end; 4,096 on
# PostgreSQL), and they are written again row by row to name them.  The
# header's error comes before its line's, on each backend.
new_invoices 150 3 21 -1 >duplicates-across-batches.csv
# The same with --max-errors 1: the first error by line, the header's.
new_invoices 150 3 21 -1 >first-error-only.csv

# 21 invoices of a line each: line 4 is INV-1, and line 13 has a day
# February does not have.  No batch is full when the reading side finds
# line 13; the rows before it are written first, so line 4's errors come
# first (they came last, when the part-filled batches waited for the end).
new_invoices 20 1 2 10 >refused-in-a-part-filled-batch.csv

# 301 invoices of a line each: line 7 is INV-1, and line 83 has a day
# February does not have.  The database refuses line 7's header and line
# in the first batch of each table, full at line 65 and written meanwhile
# on the other thread; the reading side finds line 83.  Line 7's errors
# come first, every time and on each backend (the two threads' messages
# once came in either order).
new_invoices 300 1 5 80 >refused-before-a-bad-line.csv

# A folder where a file or stdin is read, and a file whose read fails
# with EIO (offset 0 of a process's memory is never mapped).
mkdir some-folder stdin-folder
ln -s /proc/self/mem eio.csv

pass=0 fail=0
: >.cases
while read -r file status command; do
	case $file in '' | '#'*) continue ;; esac
	echo "== $file" >>.cases
	awk -v h="== $file" '$0 == h { p = 1; next } /^== / { p = 0 } p' \
	    "$top/expected" >.want
	dbdump >.before
	f=$file sh -c "$command" >.out 2>.got </dev/null
	rc=$?
	if [ "$rc" -eq 0 ] && [ "$status" -eq 0 ]; then
		echo "-- standard output, by cat -v" >>.got
		cat -v .out >>.got
	fi
	if [ "$rc" -ne "$status" ]; then
		why="exit $rc, expected $status"
		cp .got .show
	elif [ "$status" -ne 0 ] && ! dbdump | cmp -s - .before; then
		why="the database changed"
		dbdump | diff .before - | head -20 >.show
	elif ! cmp -s .want .got; then
		why="the messages differ from tests/bad/expected"
		diff -u .want .got | tail -n +3 >.show
	else
		pass=$((pass + 1))
		continue
	fi
	fail=$((fail + 1))
	echo "FAIL: $file: $why"
	cat .show
done <"$top/cases"

if ! grep '^== ' "$top/expected" | cmp -s - .cases; then
	echo "FAIL: tests/bad/expected has not one block per case, in order"
	fail=$((fail + 1))
fi
echo "bad${REVOPS_TEST_PG:+ on PostgreSQL}: $pass cases passed, $fail failed"
[ "$fail" -eq 0 ]
