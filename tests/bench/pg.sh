#!/bin/sh
# The benchmark of DESIGN.md section 5 on PostgreSQL: every job on a
# server of this script's own (tests/pg-server.sh: the same machine, a
# Unix socket), beside the same job on a SQLite file, and each import
# beside psql's \copy of the same file into an untyped table (every
# column text, named from the header).  Usage: pg.sh BINDIR GEN
#
# The company is the generator's at $BENCH_PG_SCALE (default 0.2: 20,000
# accounts, 200,000 invoice lines), so that the whole of it takes a
# minute or two and the connection is not most of a job.  Each job runs
# $BENCH_PG_RUNS times (default 3), SQLite, then PostgreSQL, then the
# peers, each on a fresh copy of the same database (a file copied; a
# database made from a template), and is reported as the median, with
# the ratio PostgreSQL / SQLite (target <= 2) and, for the imports,
# PostgreSQL / \copy (target <= 1.5) and PostgreSQL / the same rows
# \copied into the real tables (typed_peer()).  The outputs of the two
# backends must be the same byte for byte.
#
# Without PostgreSQL's server programs it says so and passes.
set -u

[ $# -eq 2 ] || { echo "usage: pg.sh BINDIR GEN" >&2; exit 2; }
bindir=$(cd "$1" && pwd) || exit 2
case $2 in /*) gen=$2 ;; *) gen=$PWD/$2 ;; esac
top=$(cd "$(dirname "$0")/.." && pwd)
scale=${BENCH_PG_SCALE:-0.2}
runs=${BENCH_PG_RUNS:-3}

. "$top/pg-server.sh"
pg_server bench-pg
case $? in
0) ;;
2)	echo "bench on PostgreSQL: skipped: no PostgreSQL server here" \
	    "(apt-get install postgresql)"
	exit 0 ;;
*)	echo "bench on PostgreSQL: the server did not start" >&2
	exit 1 ;;
esac
work=$dir/work
mkdir "$work" || exit 2
# A copy, so that every figure is of the same program even when the build
# changes during the run.
for p in revops-import revops-quote revops-invoice revops-metrics; do
	cp "$bindir/$p" "$work/$p" || exit 2
done
failed=0

now() {
	date +%s%N
}

secs() {
	awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'
}

median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
	    END { print v[int((NR + 1) / 2)] }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

verdict() {
	awk -v r="$1" -v t="$2" 'BEGIN { print r <= t ? "PASS" : "MISS" }'
}

# timed LOG CMD...: runs CMD, its output in LOG (stdin from $input, else
# nothing); sets ns.  A failure fails the benchmark.
input=/dev/null IMPORT= AGAIN=
timed() {
	log=$1
	shift
	t0=$(now)
	"$@" <"$input" >"$log" 2>"$log.err"
	rc=$?
	t1=$(now)
	ns=$((t1 - t0))
	if [ "$rc" -ne 0 ]; then
		echo "pg.sh: failed (exit $rc): $*" >&2
		tail -n 5 "$log.err" >&2
		failed=1
	fi
}

# A database of each backend by one name: base NAME is a SQLite file and
# a PostgreSQL database, made by the commands given to each
# (on NAME CMD ARGS...: CMD -D each ARGS); fresh NAME makes run.db and
# the database run from them, outside the figures.
sq() {
	echo "$work/$1.db"
}

pg() {
	echo "postgresql:///$1"
}

on() {
	name=$1 cmd=$2
	shift 2
	"$cmd" -D "$(sq "$name")" "$@" >/dev/null 2>>"$work/setup.log" &&
	    "$cmd" -D "$(pg "$name")" "$@" >/dev/null 2>>"$work/setup.log" ||
	    { tail -n 5 "$work/setup.log" >&2;
	    echo "pg.sh: the setup failed: $*" >&2; exit 1; }
}

base() {
	if [ -z "$1" ]; then
		rm -f "$(sq "$2")"
		createdb "$2" || exit 2
	else
		cp "$(sq "$1")" "$(sq "$2")" && createdb -T "$1" "$2" || exit 2
	fi
}

fresh() {
	rm -f "$work/run.db" "$work/run.db-wal" "$work/run.db-shm"
	cp "$(sq "$1")" "$work/run.db" || exit 2
	dropdb --if-exists run 2>/dev/null
	createdb -T "$1" run || exit 2
	# each copy's pages written out before the job, which then pays for
	# its own writes alone: the file's by sync, the server's by a
	# checkpoint (createdb leaves the copied buffers dirty)
	psql -X -q -d run -c CHECKPOINT >/dev/null || exit 2
	sync
}

# The peer: the file into a new table of text columns named from its
# header, by psql's \copy; the table goes before the next run.
copy_peer() {
	cols=$(head -n 1 "$1" | tr -d '\r' |
	    awk -F, '{ for (i = 1; i <= NF; i++)
		printf "%s\"%s\" text", (i > 1 ? ", " : ""), $i }')
	psql -X -q -d peer -c "DROP TABLE IF EXISTS t" >/dev/null 2>&1
	timed "$work/peer.out" psql -X -q -d peer -c "CREATE TABLE t ($cols)" \
	    -c "\\copy t FROM '$1' WITH (FORMAT csv, HEADER true)"
}

# The second peer: the rows the import wrote (the tables of the run
# database that hold more rows than the one it began from, whole: each
# import's are empty there), as the tables' own COPY text, by \copy into
# the same tables of a fresh copy of that database, parents first, in one
# transaction, the server keeping their keys and indexes and checking
# their types and constraints, but not their references
# (session_replication_role = replica, as the import's COPYs go): the
# server's own work for the rows, which no import can do without.  (With
# the references' triggers, a row each, it takes 2 to 3 times the import.)
counts() {
	psql -X -At -d "$1" -c "SELECT string_agg(format('SELECT %L, \
	    count(*) FROM %I', relname, relname), ' UNION ALL ') \
	    FROM pg_stat_user_tables" | psql -X -At -F ' ' -d "$1" |
	    sort -k 1,1
}

typed_dump() {
	counts "$1" >"$work/typed.before"
	counts run >"$work/typed.after"
	# parents first: a table that refers to another written comes after
	written=$(join "$work/typed.before" "$work/typed.after" |
	    awk '$3 > $2 && $1 != "audit_log" && $1 != "import_batches" &&
	    $1 != "id_counters" { print $1 }')
	typed_tables=$(for t in $written; do
		n=0
		for u in $written; do
			[ "$u" != "$t" ] && [ "$(psql -X -At -d run -c "SELECT \
			    count(*) FROM pg_constraint WHERE contype = 'f' \
			    AND conrelid = '$t'::regclass AND confrelid = \
			    '$u'::regclass")" -gt 0 ] && n=$((n + 1))
		done
		echo "$n $t"
	done | sort -n | awk '{ print $2 }')
	for t in $typed_tables; do
		psql -X -q -d run -c "\\copy $t TO '$work/typed.$t'" || exit 2
	done
}

typed_peer() {
	set -- -c "SET session_replication_role = replica"
	for t in $typed_tables; do
		set -- "$@" -c "\\copy $t FROM '$work/typed.$t'"
	done
	dropdb --if-exists typed 2>/dev/null
	createdb -T "$from" typed || exit 2
	timed "$work/typed.out" psql -X -q -1 -v ON_ERROR_STOP=1 -d typed "$@"
}

printf '%-36s %8s %8s %8s %8s %7s %7s %8s  %s\n' \
    "job (scale $scale, median of" SQLite PG "\\copy" typed PG/SQ PG/copy \
    PG/typed "target <= 2, <= 1.5"
printf '%-36s\n' "$runs runs, seconds)"
# job LABEL BASE CMD ARGS...: CMD on a fresh copy of BASE on each backend
# (CMD -D run.db ARGS, CMD -D postgresql:///run ARGS), $runs times,
# interleaved; with IMPORT=FILE the peer is timed too, and with AGAIN=1
# CMD runs once before the run timed (a billing run again bills nothing).
# The outputs must agree.
job() {
	label=$1 from=$2 cmd=$3
	shift 3
	stimes= ptimes= ctimes= ttimes=
	i=0
	while [ "$i" -lt "$runs" ]; do
		fresh "$from"
		for db in "$work/run.db" "$(pg run)"; do
			[ -n "$AGAIN" ] && timed "$work/out" "$cmd" -D "$db" "$@"
			timed "$work/out" "$cmd" -D "$db" "$@"
			if [ "$db" = "$work/run.db" ]; then
				stimes="$stimes $ns"
				mv "$work/out" "$work/sq.out"
				mv "$work/out.err" "$work/sq.out.err"
			else
				ptimes="$ptimes $ns"
			fi
		done
		if [ -n "$IMPORT" ]; then
			[ "$i" -eq 0 ] && typed_dump "$from"
			copy_peer "$IMPORT"
			ctimes="$ctimes $ns"
			typed_peer
			ttimes="$ttimes $ns"
		fi
		i=$((i + 1))
	done
	compare "$label"
	report "$label"
}

compare() {
	if ! cmp -s "$work/sq.out" "$work/out" ||
	    ! cmp -s "$work/sq.out.err" "$work/out.err"; then
		echo "pg.sh: $1: PostgreSQL's output differs from SQLite's:" >&2
		diff "$work/sq.out" "$work/out" | head -n 5 >&2
		diff "$work/sq.out.err" "$work/out.err" | head -n 5 >&2
		failed=1
	fi
}

report() {
	s=$(median $stimes) p=$(median $ptimes)
	r=$(ratio "$p" "$s")
	if [ -n "$ctimes" ]; then
		c=$(median $ctimes) t=$(median $ttimes)
		rc=$(ratio "$p" "$c")
		printf '%-36s %8s %8s %8s %8s %7s %7s %8s  %s %s\n' "$1" \
		    "$(secs "$s")" "$(secs "$p")" "$(secs "$c")" "$(secs "$t")" \
		    "$r" "$rc" "$(ratio "$p" "$t")" "$(verdict "$r" 2)" \
		    "$(verdict "$rc" 1.5)"
	else
		printf '%-36s %8s %8s %8s %8s %7s %7s %8s  %s\n' "$1" \
		    "$(secs "$s")" "$(secs "$p")" "" "" "$r" "" "" \
		    "$(verdict "$r" 2)"
	fi
}

# ---- data ------------------------------------------------------------------

for e in accounts products prices tax_rates fx_rates subscriptions invoices \
    payments opportunities stage_history usage quote_lines; do
	"$gen" --scale "$scale" "$e" >"$work/$e.csv" ||
	    { echo "pg.sh: the generator failed" >&2; exit 1; }
done
createdb peer || exit 2
t0=$(now)
imp=$work/revops-import
inv=$work/revops-invoice
# empty: the schema alone (an import of no rows makes it)
head -n 1 "$work/accounts.csv" >"$work/none.csv"
base "" empty
on empty "$imp" accounts "$work/none.csv"
base empty accounts
on accounts "$imp" accounts "$work/accounts.csv"
base accounts products
on products "$imp" products "$work/products.csv"
base products invoices
on invoices "$imp" invoices "$work/invoices.csv"
base invoices ar
on ar "$imp" payments "$work/payments.csv"
on ar "$inv" apply --as-of 2027-12-31
base products bill
for e in prices tax_rates fx_rates subscriptions; do
	on bill "$imp" "$e" "$work/$e.csv"
done
base ar metrics
for e in fx_rates subscriptions opportunities stage_history usage; do
	on metrics "$imp" "$e" "$work/$e.csv"
done
base products quote
for e in prices fx_rates; do
	on quote "$imp" "$e" "$work/$e.csv"
done
# The planner's statistics, and the dead rows of apply's updates cleared
# with the visibility map set, as autovacuum does within a minute of a
# load (a copy of a database keeps them); SQLite plans without.
for d in empty accounts products invoices ar bill metrics quote; do
	vacuumdb -q --analyze -d "$d" || exit 2
done
t1=$(now)
echo "(setup, not in the figures: $(secs $((t1 - t0))) s;" \
    "$(($(wc -l <"$work/invoices.csv") - 1)) invoice lines," \
    "$(($(wc -l <"$work/subscriptions.csv") - 1)) subscriptions)"

for e in accounts:empty products:accounts subscriptions:products \
    invoices:products payments:invoices; do
	IMPORT=$work/${e%%:*}.csv
	job "import ${e%%:*}" "${e#*:}" "$imp" "${e%%:*}" "$IMPORT"
done
IMPORT=
job "invoice run --period 2026-06" bill "$inv" run --period 2026-06
AGAIN=1
job "  the same period again" bill "$inv" run --period 2026-06
AGAIN=
job "invoice aging" ar "$inv" aging --as-of 2026-12-31
job "invoice schedule" ar "$inv" schedule
job "metrics, 36 months" metrics "$work/revops-metrics" --from 2023-07 \
    --to 2026-06
input=$work/quote_lines.csv
job "quote price --currency USD" quote "$work/revops-quote" --on 2026-06-01 \
    --currency USD price
input=/dev/null

if [ "$failed" -ne 0 ]; then
	echo "pg.sh: something failed; the figures above are not valid" >&2
	exit 1
fi
exit 0
