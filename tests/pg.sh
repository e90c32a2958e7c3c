#!/bin/sh
# Runs the library's cases that need a server, the end-to-end cases and
# the bad-input corpus on PostgreSQL, on a server of its own
# (tests/pg-server.sh).  Without PostgreSQL's server programs (Debian's
# package postgresql) it says so and passes.
# The README's and the man pages' examples on it, the demo's outputs
# against SQLite's, then two writers and two readers at once on one
# database: no command fails, and nothing a writer reported is lost;
# then other programs on the server (tests/pg-foreign.sh: a transaction
# that makes a command fail to serialize, a database of another
# collation), and the faults of tests/pg-faults.sh: the client killed,
# the server stopped, a wrong password and no server.
# Usage: sh tests/pg.sh BINDIR GEN (the benchmark's generator)
bindir=$(cd "$1" && pwd) || exit 2
case $2 in /*) gen=$2 ;; *) gen=$PWD/$2 ;; esac
top=$(cd "$(dirname "$0")" && pwd)
. "$top/pg-server.sh"
pg_server pg
case $? in
0) ;;
2)	echo "pg: skipped: no PostgreSQL server here" \
	    "(apt-get install postgresql)"
	exit 0 ;;
*)	echo "pg: the server did not start"
	exit 1 ;;
esac
REVOPS_TEST_PG=1
export REVOPS_TEST_PG
rc=0
# the library's cases that need a server (tests/unit/db_test.c), beside
# the benchmark's generator in the build
unit=$(dirname "$gen")/../tests/unit
createdb revops_unit || exit 2
if REVOPS_TEST_PG_URL=postgresql:///revops_unit CK_RUN_CASE=postgresql \
    CK_VERBOSITY=minimal "$unit"; then
	echo "unit on PostgreSQL: the references checked at the commit"
else
	echo "unit on PostgreSQL: failed"
	rc=1
fi
# A case on the server waits on it more than it computes: twice as many
# at once as there are processors take half the time.
E2E_JOBS=${E2E_JOBS:-$((2 * $(nproc 2>/dev/null || echo 1)))} \
    sh "$top/e2e/run.sh" "$bindir" || rc=1
sh "$top/bad/run.sh" "$bindir" || rc=1
# Under the sanitizers (make check SANITIZE=1 sets PG_CORE=1) the storage
# code has run through every case above; the rest, the same commands again
# or faults and races whose outcome no sanitizer changes, ran unsanitized.
if [ -n "${PG_CORE:-}" ]; then
	echo "pg: under the sanitizers the unit, e2e and bad-input cases only"
	exit $rc
fi
sh "$top/readme.sh" "$bindir" || rc=1
sh "$top/man.sh" "$bindir" || rc=1

# ---- the demo -------------------------------------------------------------
# examples/demo.sh on a file and on PostgreSQL: what it prints (but the
# name of its database and of its report), the report, and every entity
# exported are the same byte for byte (section 6: the same output).
mkdir "$dir/demo-sqlite" "$dir/demo-pg" && createdb revops_demo || exit 2
sh "$top/../examples/demo.sh" "$bindir" "$dir/demo.db" \
    "$dir/demo-sqlite/report.html" >"$dir/demo-sqlite.out" 2>&1 ||
    { echo "demo: failed on SQLite"; rc=1; }
sh "$top/../examples/demo.sh" "$bindir" postgresql:///revops_demo \
    "$dir/demo-pg/report.html" >"$dir/demo-pg.out" 2>&1 ||
    { echo "demo: failed on PostgreSQL"; rc=1; }
sed -e "s#$dir/demo.db#DATABASE#" -e "s#$dir/demo-sqlite/#FOLDER/#" \
    "$dir/demo-sqlite.out" >"$dir/demo-sqlite/out"
sed -e "s#postgresql:///revops_demo#DATABASE#" -e "s#$dir/demo-pg/#FOLDER/#" \
    "$dir/demo-pg.out" >"$dir/demo-pg/out"
for e in $("$bindir/revops-import" --list | cut -d ' ' -f 1); do
	"$bindir/revops-import" -D "$dir/demo.db" --export "$e" \
	    >"$dir/demo-sqlite/$e.csv" 2>&1
	"$bindir/revops-import" -D postgresql:///revops_demo --export "$e" \
	    >"$dir/demo-pg/$e.csv" 2>&1
done
if diff -r -u "$dir/demo-sqlite" "$dir/demo-pg" >"$dir/demo.diff"; then
	echo "demo on PostgreSQL: its output, its report and" \
	    "$(ls "$dir/demo-pg" | grep -c '\.csv$') entities as on SQLite"
else
	echo "demo: PostgreSQL's differs from SQLite's:"
	head -n 40 "$dir/demo.diff"
	rc=1
fi

# ---- together -------------------------------------------------------------
# A company of 500 accounts.  Two writers each make 40 quotes, a line
# each, in 4 commands, while a billing run bills three months and two
# readers compute the metrics and the aging until the writers are done:
# no command fails, the quotes are the 80 the writers reported, with the
# ids Q-000001 to Q-000080 each once, and the invoices those the runs
# reported.
createdb revops_together || exit 2
db=postgresql:///revops_together
PATH=$bindir:$PATH
for e in accounts products prices tax_rates fx_rates subscriptions; do
	"$gen" --scale 0.005 "$e" >"$dir/$e.csv" &&
	    revops-import -D "$db" "$e" "$dir/$e.csv" 2>/dev/null ||
	    { echo "together: import $e failed"; exit 1; }
done
quotes() {	# writer w: 4 commands of 10 quotes
	n=0
	for i in 1 2 3 4; do
		"$gen" --scale 0.005 --seed "$1$i" --rows 10 quote_lines |
		    awk -v q="$1-$i-" 'NR == 1 { print "quote_ref," $0; next }
			{ print q NR "," $0 }' |
		    revops-quote -D "$db" new --on 2026-03-01 >"$dir/q$1.out" \
		    2>>"$dir/q$1.err" || echo "quote new failed" >>"$dir/q$1.err"
		n=$((n + $(sed 1d "$dir/q$1.out" | cut -d, -f1 | sort -u | wc -l)))
	done
	echo "$n" >"$dir/q$1.n"
}
quotes 1 &
w1=$!
quotes 2 &
w2=$!
(
	n=0
	for m in 01 02 03; do
		revops-invoice -D "$db" run --period "2026-$m" </dev/null \
		    >"$dir/run.out" 2>>"$dir/run.err" ||
		    echo "run 2026-$m failed" >>"$dir/run.err"
		n=$((n + $(cut -d, -f1 "$dir/run.out" | sed 1d | sort -u | wc -l)))
	done
	echo "$n" >"$dir/run.n"
) &
biller=$!
for r in 1 2; do
	(
		k=0
		while kill -0 "$w1" 2>/dev/null || kill -0 "$w2" 2>/dev/null; do
			if [ "$r" -eq 1 ]; then
				revops-metrics -D "$db" --from 2026-01 --to 2026-03 \
				    >/dev/null 2>>"$dir/read$r.err" ||
				    echo "metrics failed" >>"$dir/read$r.err"
			else
				revops-invoice -D "$db" aging --as-of 2026-03-31 \
				    >/dev/null 2>>"$dir/read$r.err" ||
				    echo "aging failed" >>"$dir/read$r.err"
			fi
			k=$((k + 1))
		done
		echo "$k" >"$dir/read$r.n"
	) &
done
wait
errors=$(cat "$dir"/q*.err "$dir"/run.err "$dir"/read*.err 2>/dev/null)
made=$(($(cat "$dir/q1.n") + $(cat "$dir/q2.n")))
counted=$(psql -X -A -t -d revops_together -c "SELECT count(*) || ' ' ||
    count(DISTINCT quote_id) || ' ' || min(quote_id) || ' ' ||
    max(quote_id) FROM quotes")
invoices=$(psql -X -A -t -d revops_together -c "SELECT count(*) FROM
    invoices")
if [ -n "$errors" ]; then
	echo "together: $(printf '%s\n' "$errors" | head -n 5)"
	rc=1
elif [ "$made $counted" != "80 80 80 Q-000001 Q-000080" ]; then
	echo "together: the writers made $made quotes; the database holds" \
	    "(count, distinct, first, last) $counted"
	rc=1
elif [ "$invoices" != "$(cat "$dir/run.n")" ]; then
	echo "together: $invoices invoices, not the $(cat "$dir/run.n") made"
	rc=1
else
	echo "together on PostgreSQL: $made quotes and $invoices invoices" \
	    "made, $(cat "$dir"/read*.n | awk '{ s += $1 } END { print s }')" \
	    "reads, no command failed"
fi
. "$top/pg-foreign.sh"
. "$top/pg-faults.sh"
exit $rc
