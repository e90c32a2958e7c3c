#!/bin/sh
# Proof under stress, each part bounded in time (DESIGN.md section 5):
#
#  kill     revops-import of 200,000 invoice lines, and revops-invoice run
#           over 75,000 subscriptions, each killed with SIGKILL at 20
#           moments spread over its run: after each kill PRAGMA
#           integrity_check is ok, and the database holds all of the
#           command's changes or none (counts and sums of its tables
#           against the database before and after a whole run);
#  together a writer importing payments in a loop, billing runs of six
#           months, and four readers computing metrics and aging, all at
#           once against one database: no command fails (no "database
#           is locked" within the busy timeout), and the final counts are
#           what the writers reported;
#  files    revops-metrics --report and revops-import --rejects, each
#           killed by SIGTERM, SIGINT and SIGHUP in turn at 12 moments
#           spread over its run: the folder of the file then holds the
#           file whole (the old one or the new) and no temporary;
#  full     a write error on stdout: `revops-metrics | head -1` ends by
#           SIGPIPE or with status 3, never 0 with a cut output, and
#           `> /dev/full` exits 3 with a message; an import that finds
#           the file system full (RLIMIT_FSIZE, with SIGXFSZ ignored)
#           fails with status 3 and leaves the database as it was, and a
#           billing run whose output finds it full bills nothing.
#
# Usage: run.sh BINDIR GEN (the benchmark's generator), from the top of
# the repository.  Prints one line per part and exits 1 on any failure.
[ $# -eq 2 ] || { echo "usage: run.sh BINDIR GEN" >&2; exit 2; }
bindir=$(cd "$1" && pwd) || exit 2
# the tester's own config file (revops(7)) is no part of the test
export REVOPS_CONFIG=
case $2 in /*) gen=$2 ;; *) gen=$PWD/$2 ;; esac
dir=$(mktemp -d "${TMPDIR:-/tmp}/revops-stress.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT
PATH="$bindir:$PATH"
export LC_ALL=C TZ=UTC
unset REVOPS_DB
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# state DB: what a command may change, as one line: counts and sums.
state() {
	sqlite3 "$1" "SELECT
	    (SELECT count(*) FROM invoices) || ' ' ||
	    (SELECT count(*) || ' ' || total(amount_minor) || ' ' ||
	     total(tax_amount_minor) FROM invoice_lines) || ' ' ||
	    (SELECT count(*) || ' ' || total(amount_minor)
	     FROM billing_records) || ' ' ||
	    (SELECT count(*) || ' ' || total(amount_minor)
	     FROM payment_applications) || ' ' ||
	    (SELECT count(*) FROM import_batches) || ' ' ||
	    (SELECT count(*) FROM audit_log)"
}

copy_db() {
	rm -f "$2" "$2-wal" "$2-shm"
	sqlite3 "$1" ".backup '$2'"
}

# ---- the company ---------------------------------------------------------

"$gen" --scale 0.25 accounts >"$dir/accounts.csv" &&
    "$gen" --scale 0.25 products >"$dir/products.csv" &&
    "$gen" --scale 0.25 prices >"$dir/prices.csv" &&
    "$gen" --scale 0.25 tax_rates >"$dir/tax_rates.csv" &&
    "$gen" --scale 0.25 fx_rates >"$dir/fx_rates.csv" &&
    "$gen" --scale 0.25 subscriptions >"$dir/subscriptions.csv" &&
    "$gen" --scale 0.25 --rows 200000 invoices >"$dir/invoices.csv" &&
    "$gen" --scale 0.25 --rows 200000 payments >"$dir/payments.csv" ||
    { echo "run.sh: the generator failed" >&2; exit 2; }
for e in accounts products prices tax_rates fx_rates; do
	revops-import -D "$dir/base.db" "$e" "$dir/$e.csv" 2>/dev/null ||
	    { echo "run.sh: the setup import of $e failed" >&2; exit 2; }
done
copy_db "$dir/base.db" "$dir/subs.db"
revops-import -D "$dir/subs.db" subscriptions "$dir/subscriptions.csv" \
    2>/dev/null || { echo "run.sh: the setup import failed" >&2; exit 2; }

# ---- kill ----------------------------------------------------------------

# kills NAME BEFORE-DB CMD...: runs CMD on a copy of BEFORE-DB to the end
# once (its duration and the state after), then 20 times killed at
# moments spread over that duration; each time the database must pass
# integrity_check and be in the state before or after.
kills() {
	name=$1
	before_db=$2
	shift 2
	copy_db "$before_db" "$dir/k.db"
	before=$(state "$dir/k.db")
	t0=$(now_ms)
	"$@" -D "$dir/k.db" >/dev/null 2>&1 || { fail "$name: the run failed"; return; }
	t1=$(now_ms)
	after=$(state "$dir/k.db")
	span=$((t1 - t0))
	nbefore=0 nafter=0 i=0
	while [ $i -lt 20 ]; do
		copy_db "$before_db" "$dir/k.db"
		# moments from 5% to 100% of the run, a little past its end
		ms=$((span * (5 + i * 5) / 100))
		"$@" -D "$dir/k.db" >/dev/null 2>&1 &
		pid=$!
		sleep "$(awk -v ms="$ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		ok=$(sqlite3 "$dir/k.db" "PRAGMA integrity_check")
		got=$(state "$dir/k.db")
		if [ "$ok" != ok ]; then
			fail "$name: killed at $ms ms: integrity_check: $ok"
		elif [ "$got" = "$before" ]; then
			nbefore=$((nbefore + 1))
		elif [ "$got" = "$after" ]; then
			nafter=$((nafter + 1))
		else
			fail "$name: killed at $ms ms: neither before nor after:" \
			    "$got (before $before, after $after)"
		fi
		i=$((i + 1))
	done
	echo "kill: $name ($span ms) killed 20 times: $nbefore left nothing," \
	    "$nafter all of it"
}

kills "revops-import invoices, 200000 lines" "$dir/base.db" \
    revops-import invoices "$dir/invoices.csv"
kills "revops-invoice run --period 2026-06, 75000 subscriptions" \
    "$dir/subs.db" revops-invoice run --period 2026-06

# ---- together ------------------------------------------------------------

copy_db "$dir/subs.db" "$dir/t.db"
revops-import -D "$dir/t.db" invoices "$dir/invoices.csv" 2>/dev/null
db=$dir/t.db
# The payments, in 8 files of their own ids, for the writer's loop.
awk -v dir="$dir" 'NR == 1 { head = $0; next }
    { f = dir "/part" ((NR - 2) % 8) ".csv"
      if (!(f in seen)) { print head > f; seen[f] = 1 }
      print > f }' "$dir/payments.csv"
payments_before=$(sqlite3 "$db" "SELECT count(*) FROM payments")
invoices_before=$(sqlite3 "$db" "SELECT count(*) FROM invoices")
end=$(($(date +%s) + 12))

(
	n=0
	for f in "$dir"/part*.csv; do
		revops-import -D "$db" payments "$f" 2>>"$dir/writer.err" ||
		    echo "import $f failed" >>"$dir/writer.err"
		n=$((n + $(($(wc -l <"$f") - 1))))
	done
	echo "$n" >"$dir/writer.n"
) &
writer=$!
(
	n=0
	for m in 01 02 03 04 05 06; do
		revops-invoice -D "$db" run --period 2026-$m </dev/null \
		    >"$dir/run.out" 2>>"$dir/biller.err" ||
		    echo "run 2026-$m failed" >>"$dir/biller.err"
		n=$((n + $(cut -d, -f1 "$dir/run.out" | sed 1d | sort -u | wc -l)))
	done
	echo "$n" >"$dir/biller.n"
) &
biller=$!
readers=
for r in 1 2 3 4; do
	(
		k=0
		while [ "$(date +%s)" -lt "$end" ]; do
			if [ $((r % 2)) -eq 0 ]; then
				revops-metrics -D "$db" --from 2025-07 --to 2026-06 \
				    >/dev/null 2>>"$dir/reader$r.err" ||
				    echo "metrics failed" >>"$dir/reader$r.err"
			else
				revops-invoice -D "$db" aging --as-of 2026-06-30 \
				    >/dev/null 2>>"$dir/reader$r.err" ||
				    echo "aging failed" >>"$dir/reader$r.err"
			fi
			k=$((k + 1))
		done
		echo "$k" >"$dir/reader$r.n"
	) &
	readers="$readers $!"
done
wait $writer $biller $readers
errors=$(cat "$dir"/writer.err "$dir"/biller.err "$dir"/reader*.err \
    2>/dev/null | grep -v -e 'rows inserted' -e '^$')
if [ -n "$errors" ]; then
	fail "together: $(printf '%s\n' "$errors" | head -n 5)"
fi
payments_after=$(sqlite3 "$db" "SELECT count(*) FROM payments")
imported=$(cat "$dir/writer.n")
[ $((payments_before + imported)) -eq "$payments_after" ] ||
    fail "together: $payments_after payments, not $payments_before + $imported"
made=$(cat "$dir/biller.n")
invoices_after=$(sqlite3 "$db" "SELECT count(*) FROM invoices")
[ $((invoices_before + made)) -eq "$invoices_after" ] ||
    fail "together: $invoices_after invoices, not $invoices_before + $made"
[ "$(sqlite3 "$db" "PRAGMA integrity_check")" = ok ] ||
    fail "together: integrity_check"
echo "together: $imported payments imported, $made invoices made," \
    "$(cat "$dir"/reader*.n | awk '{ s += $1 } END { print s }') reads," \
    "no command failed"

# ---- files ---------------------------------------------------------------

# file_kills NAME FILE CMD...: runs CMD, which writes FILE (in a folder of
# its own), to the end once, then 12 times killed at moments spread over
# that run, by SIGTERM, SIGINT and SIGHUP in turn.  Each is sent to CMD
# run in the foreground of a shell of its own, as a background job would
# ignore SIGINT.  After each kill the folder must hold FILE, whole (its
# last line is $last), and nothing else.
file_kills() {
	name=$1
	file=$2
	shift 2
	rm -rf "$dir/files"
	mkdir "$dir/files"
	t0=$(now_ms)
	"$@" >/dev/null 2>&1 || { fail "$name: the run failed"; return; }
	t1=$(now_ms)
	span=$((t1 - t0))
	want=$(tail -n 1 "$file")
	i=0 whole=0
	while [ $i -lt 12 ]; do
		case $((i % 3)) in 0) sig=TERM ;; 1) sig=INT ;; *) sig=HUP ;; esac
		ms=$((span * (5 + i * 8) / 100))
		s=$(awk -v ms="$ms" 'BEGIN { printf "%.3f", ms / 1000 }')
		sh -c 'sig=$1 s=$2; shift 2
		    (sleep "$s"; kill -"$sig" $$ 2>/dev/null) &
		    exec "$@"' sh "$sig" "$s" "$@" >/dev/null 2>&1
		left=$(ls -A "$dir/files")
		if [ "$left" != "$(basename "$file")" ]; then
			fail "$name: SIG$sig at $ms ms left: $(echo $left)"
		elif [ "$(tail -n 1 "$file")" != "$want" ]; then
			fail "$name: SIG$sig at $ms ms left $file cut short"
		else
			whole=$((whole + 1))
		fi
		i=$((i + 1))
	done
	echo "files: $name ($span ms) killed 12 times: $whole left the file" \
	    "whole and no temporary"
}

file_kills "revops-metrics --report" "$dir/files/report.html" \
    revops-metrics -D "$db" --from 2025-07 --to 2026-06 --as-of 2026-06-30 \
    --report "$dir/files/report.html"
copy_db "$dir/base.db" "$dir/r.db"
file_kills "revops-import --rejects, 200000 lines" "$dir/files/rejects.csv" \
    sh -c 'cp "$1" "$2" && rm -f "$2-wal" "$2-shm" &&
    exec revops-import -D "$2" --rejects "$3" invoices "$4"' sh \
    "$dir/r.db" "$dir/k.db" "$dir/files/rejects.csv" "$dir/invoices.csv"

# ---- full ----------------------------------------------------------------

# A closed pipe: SIGPIPE (status 141 in the shell) or 3, never success.
sh -c 'revops-metrics -D "$1" --from 2025-07 --to 2026-06 --detail mrr \
    2>"$2"; echo $? >"$3"' sh "$db" "$dir/pipe.err" "$dir/pipe.st" |
    head -n 1 >/dev/null
pst=$(cat "$dir/pipe.st")
case $pst in
141 | 3) ;;
*) fail "full: revops-metrics | head -1 ended with status $pst" ;;
esac
for cmd in "revops-metrics --from 2025-07 --to 2026-06" \
    "revops-invoice export" "revops-import --export invoices"; do
	# shellcheck disable=SC2086
	$cmd -D "$db" >/dev/full 2>"$dir/full.err"
	s=$?
	if [ "$s" -ne 3 ] || ! grep -q 'No space left on device' "$dir/full.err"; then
		fail "full: $cmd > /dev/full: status $s, $(head -c 200 "$dir/full.err")"
	fi
done
copy_db "$dir/base.db" "$dir/f.db"
before=$(sqlite3 "$dir/f.db" .dump | grep -v -e '^INSERT INTO audit_log' \
    -e '^INSERT INTO import_batches' | cksum)
sh -c 'trap "" XFSZ; ulimit -f 4096; exec revops-import -D "$1" invoices "$2"' \
    sh "$dir/f.db" "$dir/invoices.csv" 2>"$dir/fsize.err"
s=$?
after=$(sqlite3 "$dir/f.db" .dump | grep -v -e '^INSERT INTO audit_log' \
    -e '^INSERT INTO import_batches' | cksum)
if [ "$s" -ne 3 ]; then
	fail "full: an import past RLIMIT_FSIZE: status $s: $(head -c 200 "$dir/fsize.err")"
elif [ "$before" != "$after" ]; then
	fail "full: an import past RLIMIT_FSIZE changed the database"
elif [ "$(sqlite3 "$dir/f.db" "PRAGMA integrity_check")" != ok ]; then
	fail "full: integrity_check after the full file system"
fi
# A billing run whose output finds the file system full: 3 with the
# reason (the write's own errno, not the later check's), nothing billed.
copy_db "$dir/subs.db" "$dir/f.db"
sh -c 'trap "" XFSZ; ulimit -f 64; exec revops-invoice -D "$1" run \
    --period 2026-06' sh "$dir/f.db" >"$dir/run.out" 2>"$dir/runfsize.err"
s=$?
if [ "$s" -ne 3 ] || ! grep -q 'File too large' "$dir/runfsize.err"; then
	fail "full: a billing run past RLIMIT_FSIZE: status $s:" \
	    "$(head -c 200 "$dir/runfsize.err")"
elif [ "$(sqlite3 "$dir/f.db" "SELECT count(*) FROM invoices")" != 0 ]; then
	fail "full: a billing run past RLIMIT_FSIZE billed"
fi
echo "full: closed pipe status $pst; /dev/full 3 (3 programs); full file" \
    "system 3, database unchanged ($(head -n 1 "$dir/fsize.err" | cut -c1-60)...);" \
    "a billing run 3, nothing billed"
[ "$failed" -eq 0 ] || exit 1
exit 0
