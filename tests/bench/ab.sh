#!/bin/sh
# Before and after: every job of the benchmark run by two builds of
# revops, interleaved (old, new, old, new, ...), each on databases it made
# itself from the same generated company, for a change that must leave
# the speed as it was (DESIGN.md section 5: within 5 % of before).
# Usage: ab.sh OLD_BINDIR NEW_BINDIR GEN   (`make bench-ab OLD=DIR`)
#
# The company: $BENCH_ROWS invoice lines (default 500,000; scale
# BENCH_ROWS / 1,000,000 of gen.c), in $BENCH_DIR (default
# build/bench-ab; a tmpfs such as /dev/shm/ab takes the disk's noise
# out).  The jobs, each run $AB_RUNS times a side (default 7), or those
# of them $AB_JOBS names:
#   import    revops-import invoices of a quarter of the lines into a
#             copy of a database of the accounts and products
#   run       revops-invoice run --period 2026-06 on a copy of a database
#             of the subscriptions, prices and tax rates
#   rerun     the same period again on a copy of the database it billed
#   aging     revops-invoice aging --as-of 2026-12-31, and
#   schedule  revops-invoice schedule, on the invoices and their payments
#             applied
#   metrics   revops-metrics, every metric for 2023-07 to 2026-06, on
#             those with the subscriptions, pipeline and usage
#   price     revops-quote price --currency USD of a quarter of the quote
#             lines
# For each: the median wall time of each side, new / old, and PASS when
# that is at most 1.05; a job whose two outputs differ is a failure (the
# exit status 1), as is one that fails.
set -u

[ $# -eq 3 ] || { echo "usage: ab.sh OLD_BINDIR NEW_BINDIR GEN" >&2; exit 2; }
old=$(cd "$1" && pwd) || exit 2
new=$(cd "$2" && pwd) || exit 2
case $3 in /*) gen=$3 ;; *) gen=$PWD/$3 ;; esac
dir=${BENCH_DIR:-build/bench-ab}
rows=${BENCH_ROWS:-500000}
runs=${AB_RUNS:-7}
[ "$rows" -ge 16 ] 2>/dev/null ||
    { echo "ab.sh: BENCH_ROWS must be a number, at least 16" >&2; exit 2; }
mkdir -p "$dir/old" "$dir/new" && dir=$(cd "$dir" && pwd) || exit 2
# copies, so that every figure is of the same programs even if a build
# changes during the run
for p in import invoice metrics quote; do
	cp "$old/revops-$p" "$dir/old/" && cp "$new/revops-$p" "$dir/new/" ||
	    exit 2
done
scale=$(awk -v r="$rows" 'BEGIN { printf "%.6f", r / 1000000 }')
failed=0

fail() {
	echo "ab.sh: $*" >&2
	failed=1
}

# ---- the company, then each side's databases -------------------------------

echo "ab: $rows invoice lines (scale $scale), $runs runs a side, in $dir"
for e in accounts products prices tax_rates fx_rates subscriptions \
    invoices payments opportunities stage_history usage quote_lines; do
	"$gen" --scale "$scale" "$e" >"$dir/$e.csv" ||
	    { echo "ab.sh: the generator failed ($e)" >&2; exit 1; }
done
"$gen" --scale "$scale" --rows $((rows / 4)) invoices >"$dir/invoices-4.csv" &&
    "$gen" --scale "$scale" --rows $((rows / 4)) quote_lines \
    >"$dir/quote_lines-4.csv" ||
    { echo "ab.sh: the generator failed" >&2; exit 1; }

# setup SIDE: its databases, made by its own programs.
setup() {
	b=$dir/$1
	rm -f "$b"/*.db "$b"/*.db-wal "$b"/*.db-shm
	imp() {
		db=$1
		shift
		for e in "$@"; do
			"$b/revops-import" -D "$b/$db" "$e" "$dir/$e.csv" \
			    2>>"$b/setup.log" || return 1
		done
	}
	imp base.db accounts products &&
	    cp "$b/base.db" "$b/bill.db" && imp bill.db prices tax_rates \
	    subscriptions &&
	    cp "$b/bill.db" "$b/billed.db" &&
	    "$b/revops-invoice" -D "$b/billed.db" run --period 2026-06 \
	    >/dev/null 2>>"$b/setup.log" &&
	    cp "$b/base.db" "$b/ar.db" && imp ar.db invoices payments &&
	    "$b/revops-invoice" -D "$b/ar.db" apply --as-of 2027-12-31 \
	    >/dev/null 2>>"$b/setup.log" &&
	    cp "$b/ar.db" "$b/metrics.db" && imp metrics.db fx_rates \
	    subscriptions opportunities stage_history usage &&
	    cp "$b/base.db" "$b/quote.db" && imp quote.db prices fx_rates
}
for side in old new; do
	setup "$side" || {
		cat "$dir/$side/setup.log" >&2
		echo "ab.sh: the setup of the $side side failed" >&2
		exit 1
	}
done

# ---- the jobs ---------------------------------------------------------------

# fresh SIDE FROM: a copy of the side's database FROM, as t.db.
fresh() {
	rm -f "$dir/$1/t.db" "$dir/$1/t.db-wal" "$dir/$1/t.db-shm"
	cp "$dir/$1/$2" "$dir/$1/t.db"
}

# job SIDE NAME: runs the job once, its output in SIDE/NAME.out.
job() {
	b=$dir/$1
	case $2 in
	import)
		fresh "$1" base.db
		"$b/revops-import" -D "$b/t.db" invoices "$dir/invoices-4.csv"
		;;
	run)
		fresh "$1" bill.db
		"$b/revops-invoice" -D "$b/t.db" run --period 2026-06 ;;
	rerun)
		fresh "$1" billed.db
		"$b/revops-invoice" -D "$b/t.db" run --period 2026-06 ;;
	aging)
		"$b/revops-invoice" -D "$b/ar.db" aging --as-of 2026-12-31 ;;
	schedule)
		"$b/revops-invoice" -D "$b/ar.db" schedule ;;
	metrics)
		"$b/revops-metrics" -D "$b/metrics.db" --from 2023-07 \
		    --to 2026-06 ;;
	price)
		"$b/revops-quote" -D "$b/quote.db" --on 2026-06-01 \
		    --currency USD price <"$dir/quote_lines-4.csv" ;;
	esac >"$b/$2.out" 2>"$b/$2.err"
}

median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
	    END { print v[int((NR + 1) / 2)] }'
}

printf '\n%-10s %10s %10s %8s\n' job "old (s)" "new (s)" new/old
for name in ${AB_JOBS:-import run rerun aging schedule metrics price}; do
	told='' tnew=''
	i=0
	while [ $i -lt "$runs" ]; do
		for side in old new; do
			sync
			t0=$(date +%s%N)
			job "$side" "$name" ||
			    fail "$name failed on the $side side:" \
			    "$(tail -n 1 "$dir/$side/$name.err")"
			t1=$(date +%s%N)
			if [ "$side" = old ]; then
				told="$told $((t1 - t0))"
			else
				tnew="$tnew $((t1 - t0))"
			fi
		done
		i=$((i + 1))
	done
	# the import's message names its file, the same on both sides
	cmp -s "$dir/old/$name.out" "$dir/new/$name.out" &&
	    cmp -s "$dir/old/$name.err" "$dir/new/$name.err" ||
	    fail "$name: the two sides' outputs differ ($dir/old/$name.out," \
	    "$dir/new/$name.out)"
	mold=$(median $told)
	mnew=$(median $tnew)
	awk -v j="$name" -v o="$mold" -v n="$mnew" 'BEGIN {
	    r = n / o
	    printf "%-10s %10.3f %10.3f %8.3f %s\n", j, o / 1e9, n / 1e9, r,
		r <= 1.05 ? "PASS" : "MISS" }'
done
exit $failed
