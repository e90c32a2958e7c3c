#!/bin/sh
# The benchmarks of DESIGN.md section 5, each figure beside its peer
# measured in the same run.  Usage: run.sh BINDIR GEN
#
# Generates a company with GEN into $BENCH_DIR (default build/bench):
# accounts.csv, products.csv and invoices.csv of $BENCH_ROWS invoice lines
# (default 1,000,000).  Every target is a ratio to a peer run in the
# same benchmark (DESIGN.md section 5): each job is timed 5 times,
# interleaved with its peer so that both see the same machine, and
# reported as the median with the runs.
#   import  revops-import invoices invoices.csv, into a fresh copy of a
#           database that already holds the accounts and products (a
#           first load), against the sqlite3 shell's .import --csv of the
#           same file into a new database, letting it make an untyped
#           table from the header: ratio < 0.8, peak memory < 64 MiB;
#   price   revops-quote price --currency USD --on 2026-06-01 of
#           $BENCH_ROWS quote lines (quote_lines.csv) against the price book
#           (prices.csv) and EUR rates (fx_rates.csv), against mlr
#           (Miller) joining the lines with a price list sku,unit_price
#           (the first USD tier of each sku on that day) and computing
#           quantity x unit_price x (1 - discount) in one command: ratio
#           <= 0.2 (skipped, with a note, when mlr is not installed:
#           apt-get install miller); for information, the same lines in
#           the currency of each account (a lookup a line);
#   run     revops-invoice run --period 2026-06 over 300,000 subscriptions
#           (3 an account) on the company with three years of history
#           (the invoices and payments below, applied), against the same
#           run on a database of the subscriptions alone (ratio <= 1.25)
#           and against one INSERT ... SELECT of the sqlite3 shell writing
#           the month's charges of the same subscriptions into its
#           invoice lines (peer-run.sql, ratio <= 1.0); the same run on
#           the company billed by revops-invoice run for the 23 months
#           before (ratio <= 1.25 to the one on the subscriptions alone);
#           and, for information, the same period again, which bills
#           nothing;
#   aging   revops-invoice aging --as-of 2026-12-31 and
#   schedule  revops-invoice schedule over the $BENCH_ROWS invoice lines and
#           their payments (payments.csv) applied, each against the same
#           report as one query of the sqlite3 shell (peer-aging.sql,
#           peer-schedule.sql): ratio <= 0.5;
#   metrics revops-metrics, every metric for the 36 months to 2026-06, over
#           the company with its history, subscriptions, opportunities and
#           usage, against the MRR movements alone per month (a) in one
#           straightforward query of the sqlite3 shell (peer-mrr.sql):
#           ratio <= 0.1, and (b) in DuckDB straight from the CSV files
#           (the npm package @duckdb/node-api, installed into
#           $BENCH_DIR/duckdb the first time; skipped, with a note, without
#           node and npm): ratio <= 0.5.
#
# Growth, with the peak memory of each job at each size: the import, quote
# price, the billing run and the metrics at 1/64, 1/16, 1/4 and all of the
# rows (1x, 4x, 16x and 64x of the smallest): time per row at most 1.5
# times the smallest's, and the streaming jobs (import, quote price) in
# memory that does not grow with the rows; the metrics for 12, 120,
# 1,200 and 2,400 months: a month more from 1,200 to 2,400 costs no more
# than one from 120 to 1,200 (spans of seconds each: the few tenths that
# 12 to 120 months add are within the machine's noise).
# For information: revops-import of 100,000 lines against sqlite-utils
# insert --csv (skipped when it is not installed).
# A figure more than 10 times over its target is not measured again: the
# median is then of the runs made.
#
# Then tests/bench/ids.sh: quote accept and pipeline convert of 5,000 into
# a database of 100,000 earlier ids and into one of none.
#
# Last, tests/bench/pg.sh: every job again on a PostgreSQL server of its
# own, when one can be started, beside the same job on SQLite, and each
# import beside psql's \copy (at its own, smaller scale: BENCH_PG_SCALE).
#
# Peak memory comes from GNU time (/usr/bin/time -f %M; Debian package
# `time`: apt-get install time), else from python3's getrusage, else it
# is not shown.  Targets get PASS or MISS; the exit status is 0 unless
# something failed (a program crashed or rejected the data).
set -u

[ $# -eq 2 ] || { echo "usage: run.sh BINDIR GEN" >&2; exit 2; }
bindir=$(cd "$1" && pwd) || exit 2
case $2 in /*) gen=$2 ;; *) gen=$PWD/$2 ;; esac
dir=${BENCH_DIR:-build/bench}
rows=${BENCH_ROWS:-1000000}
runs=5
[ "$rows" -ge 64 ] 2>/dev/null ||
    { echo "run.sh: BENCH_ROWS must be a number, at least 64" >&2; exit 2; }
mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || exit 2
# A copy, so that every figure is of the same program even when the build
# changes during the run.
cp "$bindir/revops-import" "$dir/revops-import" || exit 2
cp "$bindir/revops-quote" "$dir/revops-quote" || exit 2
cp "$bindir/revops-metrics" "$dir/revops-metrics" || exit 2
cp "$bindir/revops-invoice" "$dir/revops-invoice" || exit 2
import=$dir/revops-import
quote=$dir/revops-quote
invoice=$dir/revops-invoice
failed=0

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "run.sh: the peer needs the sqlite3 shell" \
	    "(apt-get install sqlite3)" >&2
	exit 2
fi

# How peak memory is measured: gnu, python or none.
if /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
	rssby=gnu
elif command -v python3 >/dev/null 2>&1; then
	rssby=python
else
	rssby=none
fi

now() {
	date +%s%N
}

# trial LOG CMD...: runs CMD with its output in LOG; sets ns (wall time in
# nanoseconds), kib (peak RSS in KiB, or empty) and rc.
trial() {
	log=$1
	shift
	rm -f "$dir/.rss"
	# Freeing the blocks of the last run's output is not this run's work.
	rm -f "$log"
	sync
	t0=$(now)
	case $rssby in
	gnu)
		/usr/bin/time -f %M -o "$dir/.rss" "$@" >"$log" 2>&1 ;;
	python)
		python3 -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "$dir/.rss" "$@" >"$log" 2>&1 ;;
	*)
		"$@" >"$log" 2>&1 ;;
	esac
	rc=$?
	t1=$(now)
	ns=$((t1 - t0))
	kib=
	[ -s "$dir/.rss" ] && kib=$(tail -n 1 "$dir/.rss")
	if [ "$rc" -ne 0 ]; then
		echo "run.sh: failed (exit $rc): $*" >&2
		tail -n 5 "$log" >&2
		failed=1
	fi
}

# month_add YYYY-MM N: the month N months after (N < 0: before).
month_add() {
	echo "$1" | awk -F- -v n="$2" '{ m = $1 * 12 + $2 - 1 + n
	    printf "%04d-%02d\n", int(m / 12), m % 12 + 1 }'
}

# median N...: the middle one of the numbers.
median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
	    END { print v[int((NR + 1) / 2)] }'
}

max() {
	printf '%s\n' "$@" | sort -n | tail -n 1
}

secs() {
	awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'
}

mib() {
	awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

peak_mib() {
	if [ "$rssby" = none ]; then
		echo n/a
	else
		mib "$1"
	fi
}

# verdict AWK-CONDITION: PASS or MISS.
verdict() {
	awk "BEGIN { print ($1) ? \"PASS\" : \"MISS\" }"
}

fresh_copy() {
	rm -f "$dir/run.db" "$dir/run.db-wal" "$dir/run.db-shm"
	cp "$dir/setup.db" "$dir/run.db"
}

revops_trial() {
	fresh_copy
	trial "$dir/import.log" "$import" -D "$dir/run.db" invoices "$1"
}

peer_trial() {
	rm -f "$dir/peer.db" "$dir/peer.db-journal"
	trial "$dir/peer.log" sqlite3 "$dir/peer.db" ".import --csv '$1' t"
}

# expect_rows DB TABLE: the table holds all the lines.
expect_rows() {
	n=$(sqlite3 "$1" "SELECT count(*) FROM $2")
	if [ "$n" != "$rows" ]; then
		echo "run.sh: $1: $2 has $n rows, not $rows" >&2
		failed=1
	fi
}

# repeat CMD...: CMD (a trial, which sets ns and kib) $runs times; sets
# med (the median ns) and peak (the largest peak RSS, KiB).
repeat() {
	times= peaks=
	r=0
	while [ $r -lt $runs ]; do
		"$@"
		times="$times $ns"
		peaks="$peaks ${kib:-0}"
		r=$((r + 1))
	done
	med=$(median $times)
	peak=$(max $peaks)
}

# growth_verdict NAME T1 N1 TN NN [K4 KN]: time per row of the largest
# size (TN ns for NN rows) against the smallest's (T1 for N1): linear is
# < 1.5 (B-tree depth may add a little: n log n); and with K4 and KN, the
# peak memory (KiB) of a quarter of the rows and of all: memory that does
# not grow with the rows is < 1.25 times as much for 4 times the rows
# (at the smallest sizes SQLite's page cache is still filling up).
growth_verdict() {
	g=$(awk -v a="$4" -v n="$5" -v b="$2" -v m="$3" \
	    'BEGIN { printf "%.2f", (a / n) / (b / m) }')
	echo "$1: time per row, 64x / 1x: $g (linear: < 1.5)" \
	    "$(verdict "$g < 1.5")"
	[ $# -eq 7 ] || return 0
	if [ "$rssby" = none ]; then
		echo "$1: peak memory, 64x / 16x: n/a (apt-get install time)"
	else
		g=$(awk -v a="$7" -v b="$6" \
		    'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		echo "$1: peak memory, 64x / 16x: $g (flat: < 1.25)" \
		    "$(verdict "$7 < 1.25 * $6")"
	fi
}

# ---- data --------------------------------------------------------------

scale=$(awk -v r="$rows" 'BEGIN { printf "%.6f", r / 1000000 }')
rows4=$((rows / 4))
rows16=$((rows / 16))
rows64=$((rows / 64))
echo "bench: $rows invoice lines (scale $scale), median of $runs runs," \
    "in $dir"

t0=$(now)
"$gen" --scale "$scale" accounts >"$dir/accounts.csv" &&
    "$gen" --scale "$scale" products >"$dir/products.csv" &&
    "$gen" --scale "$scale" invoices >"$dir/invoices.csv" &&
    "$gen" --scale "$scale" --rows "$rows4" invoices \
	>"$dir/invoices-4.csv" &&
    "$gen" --scale "$scale" --rows "$rows16" invoices \
	>"$dir/invoices-16.csv" &&
    "$gen" --scale "$scale" --rows "$rows64" invoices \
	>"$dir/invoices-64.csv" ||
    { echo "run.sh: the generator failed" >&2; exit 1; }
t1=$(now)
echo "generated: $(($(wc -l <"$dir/accounts.csv") - 1)) accounts," \
    "$(($(wc -l <"$dir/products.csv") - 1)) products," \
    "$rows + $rows4 + $rows16 + $rows64 invoice lines in $(secs $((t1 - t0))) s"

rm -f "$dir/setup.db" "$dir/setup.db-wal" "$dir/setup.db-shm"
t0=$(now)
if ! "$import" -D "$dir/setup.db" accounts "$dir/accounts.csv" \
    2>"$dir/setup.log" ||
    ! "$import" -D "$dir/setup.db" products "$dir/products.csv" \
    2>>"$dir/setup.log"; then
	cat "$dir/setup.log" >&2
	echo "run.sh: the setup import failed" >&2
	exit 1
fi
t1=$(now)
echo "setup, not in the figures: revops-import accounts + products" \
    "in $(secs $((t1 - t0))) s"
echo

# ---- import: revops against the peer, interleaved ------------------------

rtimes= ptimes= rpeaks= ppeaks=
i=0
while [ $i -lt $runs ]; do
	revops_trial "$dir/invoices.csv"
	rtimes="$rtimes $ns"
	rpeaks="$rpeaks ${kib:-0}"
	[ $i -eq 0 ] && expect_rows "$dir/run.db" invoice_lines
	peer_trial "$dir/invoices.csv"
	ptimes="$ptimes $ns"
	ppeaks="$ppeaks ${kib:-0}"
	[ $i -eq 0 ] && expect_rows "$dir/peer.db" t
	i=$((i + 1))
done
rmed=$(median $rtimes)
pmed=$(median $ptimes)
rpeak=$(max $rpeaks)
ppeak=$(max $ppeaks)
ratio=$(awk -v a="$rmed" -v b="$pmed" 'BEGIN { printf "%.2f", a / b }')

line='%-32s %9s %9s %6s  %-22s %s\n'
printf '%-32s %9s %9s %6s  %s\n' work "revops s" "peer s" ratio target
printf "$line" "import $rows invoice lines" "$(secs "$rmed")" \
    "$(secs "$pmed")" "$ratio" "ratio < 0.8" \
    "$(verdict "$rmed < 0.8 * $pmed")"
if [ "$rssby" = none ]; then
	printf "$line" "  peak RSS (MiB)" n/a n/a "" "< 64 MiB" \
	    "(apt-get install time)"
else
	printf "$line" "  peak RSS (MiB)" "$(mib "$rpeak")" "$(mib "$ppeak")" \
	    "" "< 64 MiB" "$(verdict "$rpeak < 65536")"
fi
printf '  runs (s): revops'
for t in $rtimes; do printf ' %s' "$(secs "$t")"; done
printf ', peer'
for t in $ptimes; do printf ' %s' "$(secs "$t")"; done
printf '\n\n'

# ---- linearity -------------------------------------------------------------

per() {
	awk -v ns="$1" -v n="$2" 'BEGIN { printf "%.3f", ns / 1e9 * 1e6 / n }'
}
line='%-6s %9s %9s %14s %9s\n'
echo "scaling: revops-import invoices (a first load), median of $runs runs"
printf "$line" size lines seconds "s per 1M lines" "peak MiB"
repeat revops_trial "$dir/invoices-64.csv"
m64=$med
printf "$line" 1/64 "$rows64" "$(secs "$m64")" "$(per "$m64" "$rows64")" \
    "$(peak_mib "$peak")"
repeat revops_trial "$dir/invoices-16.csv"
printf "$line" 1/16 "$rows16" "$(secs "$med")" "$(per "$med" "$rows16")" \
    "$(peak_mib "$peak")"
repeat revops_trial "$dir/invoices-4.csv"
k4=$peak
printf "$line" 1/4 "$rows4" "$(secs "$med")" "$(per "$med" "$rows4")" \
    "$(peak_mib "$peak")"
printf "$line" 1 "$rows" "$(secs "$rmed")" "$(per "$rmed" "$rows")" \
    "$(peak_mib "$rpeak")"
growth_verdict import "$m64" "$rows64" "$rmed" "$rows" "$k4" "$rpeak"

# ---- import: sqlite-utils at 100,000 lines, for information -------------------

echo
if command -v sqlite-utils >/dev/null 2>&1; then
	"$gen" --scale "$scale" --rows 100000 invoices >"$dir/invoices-100k.csv"
	stimes= utimes=
	i=0
	while [ $i -lt $runs ]; do
		revops_trial "$dir/invoices-100k.csv"
		stimes="$stimes $ns"
		rm -f "$dir/su.db"
		trial "$dir/su.log" sqlite-utils insert "$dir/su.db" t \
		    "$dir/invoices-100k.csv" --csv
		utimes="$utimes $ns"
		i=$((i + 1))
	done
	smed=$(median $stimes)
	umed=$(median $utimes)
	echo "import 100000 invoice lines: revops $(secs "$smed") s," \
	    "sqlite-utils insert --csv $(secs "$umed") s, ratio" \
	    "$(awk -v a="$smed" -v b="$umed" 'BEGIN { printf "%.3f", a / b }')"
	rm -f "$dir/invoices-100k.csv" "$dir/su.db"
else
	echo "sqlite-utils is not installed: its comparison is skipped" \
	    "(apt-get install sqlite-utils)"
fi

# ---- quote price: revops against mlr, interleaved ----------------------------

# The day of the quotes: the prices that took effect on 2025-01-01 (gen.c).
qday=2026-06-01
echo
t0=$(now)
"$gen" --scale "$scale" prices >"$dir/prices.csv" &&
    "$gen" --scale "$scale" fx_rates >"$dir/fx_rates.csv" &&
    "$gen" --scale "$scale" quote_lines >"$dir/quote_lines.csv" &&
    "$gen" --scale "$scale" --rows "$rows4" quote_lines \
	>"$dir/quote_lines-4.csv" &&
    "$gen" --scale "$scale" --rows "$rows16" quote_lines \
	>"$dir/quote_lines-16.csv" &&
    "$gen" --scale "$scale" --rows "$rows64" quote_lines \
	>"$dir/quote_lines-64.csv" ||
    { echo "run.sh: the generator failed" >&2; exit 1; }
t1=$(now)
echo "generated: $(($(wc -l <"$dir/prices.csv") - 1)) prices," \
    "$(($(wc -l <"$dir/fx_rates.csv") - 1)) fx rates," \
    "$rows + $rows4 + $rows16 + $rows64 quote lines in $(secs $((t1 - t0))) s"

rm -f "$dir/quote.db" "$dir/quote.db-wal" "$dir/quote.db-shm"
cp "$dir/setup.db" "$dir/quote.db" || exit 2
t0=$(now)
if ! "$import" -D "$dir/quote.db" prices "$dir/prices.csv" \
    2>"$dir/setup.log" ||
    ! "$import" -D "$dir/quote.db" fx_rates "$dir/fx_rates.csv" \
    2>>"$dir/setup.log"; then
	cat "$dir/setup.log" >&2
	echo "run.sh: the setup import failed" >&2
	exit 1
fi
t1=$(now)
# The peer's price list: the first USD tier of each sku in effect on the
# day (prices.csv has no quoted cells).
awk -F, -v day="$qday" 'BEGIN { print "sku,unit_price" }
    NR > 1 && $2 == "USD" && $4 == "1" && ($6 == "" || $6 <= day) &&
    ($7 == "" || $7 > day) { print $1 "," $5 }' \
    "$dir/prices.csv" >"$dir/prices_flat.csv"
echo "setup, not in the figures: revops-import prices + fx_rates in" \
    "$(secs $((t1 - t0))) s; mlr's price list:" \
    "$(($(wc -l <"$dir/prices_flat.csv") - 1)) skus (first USD tier)"

if command -v mlr >/dev/null 2>&1; then
	peer=mlr
else
	peer=
	echo "mlr (Miller) is not installed: the comparison is skipped" \
	    "(apt-get install miller, or https://miller.readthedocs.io)"
fi
echo

quote_trial() {
	trial "$dir/quote.out" "$quote" -D "$dir/quote.db" --on "$qday" \
	    --currency USD price <"$1"
}

account_trial() {
	trial "$dir/quote.out" "$quote" -D "$dir/quote.db" --on "$qday" \
	    price <"$1"
}

mlr_trial() {
	trial "$dir/mlr.out" mlr --icsv --ocsv join -j sku \
	    -f "$dir/prices_flat.csv" then put \
	    '$amount = $quantity * $unit_price * (1 - $discount_pct / 100)' \
	    "$1"
}

# expect_lines FILE N: FILE has a header and N lines.
expect_lines() {
	n=$(($(wc -l <"$1") - 1))
	if [ "$n" != "$2" ]; then
		echo "run.sh: $1: $n lines, not $2" >&2
		failed=1
	fi
}

rtimes= ptimes= rpeaks= ppeaks= atimes= apeaks=
i=0
while [ $i -lt $runs ]; do
	quote_trial "$dir/quote_lines.csv"
	rtimes="$rtimes $ns"
	rpeaks="$rpeaks ${kib:-0}"
	[ $i -eq 0 ] && expect_lines "$dir/quote.out" "$rows"
	account_trial "$dir/quote_lines.csv"
	atimes="$atimes $ns"
	apeaks="$apeaks ${kib:-0}"
	[ $i -eq 0 ] && expect_lines "$dir/quote.out" "$rows"
	if [ -n "$peer" ]; then
		mlr_trial "$dir/quote_lines.csv"
		ptimes="$ptimes $ns"
		ppeaks="$ppeaks ${kib:-0}"
		[ $i -eq 0 ] && expect_lines "$dir/mlr.out" "$rows"
	fi
	i=$((i + 1))
done
rmed=$(median $rtimes)
rpeak=$(max $rpeaks)
amed=$(median $atimes)
apeak=$(max $apeaks)

line='%-32s %9s %9s %6s  %-22s %s\n'
printf '%-32s %9s %9s %6s  %s\n' work "revops s" "mlr s" ratio target
if [ -n "$peer" ]; then
	pmed=$(median $ptimes)
	ppeak=$(max $ppeaks)
	ratio=$(awk -v a="$rmed" -v b="$pmed" \
	    'BEGIN { printf "%.2f", a / b }')
	printf "$line" "quote price $rows lines" "$(secs "$rmed")" \
	    "$(secs "$pmed")" "$ratio" "ratio <= 0.2 (5x)" \
	    "$(verdict "$rmed <= 0.2 * $pmed")"
	aratio=$(awk -v a="$amed" -v b="$pmed" \
	    'BEGIN { printf "%.2f", a / b }')
else
	printf "$line" "quote price $rows lines" "$(secs "$rmed")" n/a "" \
	    "ratio <= 0.2 (5x)" "(no mlr: skipped)"
	pmed= aratio=
fi
if [ "$rssby" = none ]; then
	printf '%-32s %9s %9s\n' "  peak RSS (MiB)" n/a n/a
elif [ -n "$peer" ]; then
	printf '%-32s %9s %9s\n' "  peak RSS (MiB)" "$(mib "$rpeak")" \
	    "$(mib "$ppeak")"
else
	printf '%-32s %9s %9s\n' "  peak RSS (MiB)" "$(mib "$rpeak")" n/a
fi
printf '  runs (s): revops'
for t in $rtimes; do printf ' %s' "$(secs "$t")"; done
if [ -n "$peer" ]; then
	printf ', mlr'
	for t in $ptimes; do printf ' %s' "$(secs "$t")"; done
fi
printf '\n'
# The same lines priced in each account's currency: more work than the
# peer does, so no target; shown to follow the cost of the lookups.
printf '%-32s %9s %9s %6s  %s\n' "  by account_id, no --currency" \
    "$(secs "$amed")" "$([ -n "$pmed" ] && secs "$pmed" || echo n/a)" \
    "$aratio" "none (information)"
if [ "$rssby" != none ]; then
	printf '%-32s %9s\n' "  peak RSS (MiB)" "$(mib "$apeak")"
fi
printf '  runs (s):'
for t in $atimes; do printf ' %s' "$(secs "$t")"; done
printf '\n\n'

# ---- quote price: growth and constant memory ---------------------------------

# quote_runs FILE N: quote price of FILE (N lines) $runs times; sets med
# and peak.
quote_runs() {
	repeat quote_trial "$1"
	expect_lines "$dir/quote.out" "$2"
}

line='%-6s %9s %9s %14s %9s\n'
echo "scaling: revops-quote price, median of $runs runs"
printf "$line" size lines seconds "s per 1M lines" "peak MiB"
quote_runs "$dir/quote_lines-64.csv" "$rows64"
printf "$line" 1/64 "$rows64" "$(secs "$med")" "$(per "$med" "$rows64")" \
    "$(peak_mib "$peak")"
m64=$med
for f in 16 4; do
	quote_runs "$dir/quote_lines-$f.csv" "$((rows / f))"
	printf "$line" "1/$f" "$((rows / f))" "$(secs "$med")" \
	    "$(per "$med" "$((rows / f))")" "$(peak_mib "$peak")"
done
printf "$line" 1 "$rows" "$(secs "$rmed")" "$(per "$rmed" "$rows")" \
    "$(peak_mib "$rpeak")"
growth_verdict "quote price" "$m64" "$rows64" "$rmed" "$rows" "$peak" \
    "$rpeak"

# ---- revops-invoice: billing run, aging, schedule ----------------------------

# The month billed: the subscriptions start over the two years before its
# end (gen.c).  The day of the aging: the last day of the invoices; their
# payments, some late, are applied as of a year later, and aging counts
# those applied by its day.
bperiod=2026-06
asof=2026-12-31
applyday=2027-12-31
echo
t0=$(now)
"$gen" --scale "$scale" subscriptions >"$dir/subscriptions.csv" &&
    "$gen" --scale "$scale" tax_rates >"$dir/tax_rates.csv" &&
    "$gen" --scale "$scale" payments >"$dir/payments.csv" ||
    { echo "run.sh: the generator failed" >&2; exit 1; }
t1=$(now)
nsubs=$(($(wc -l <"$dir/subscriptions.csv") - 1))
echo "generated: $nsubs subscriptions," \
    "$(($(wc -l <"$dir/tax_rates.csv") - 1)) tax rates," \
    "$(($(wc -l <"$dir/payments.csv") - 1)) payments" \
    "in $(secs $((t1 - t0))) s"

rm -f "$dir/bill.db" "$dir/bill.db-wal" "$dir/bill.db-shm" \
    "$dir/ar.db" "$dir/ar.db-wal" "$dir/ar.db-shm"
cp "$dir/quote.db" "$dir/bill.db" && cp "$dir/setup.db" "$dir/ar.db" ||
    exit 2
t0=$(now)
if ! "$import" -D "$dir/bill.db" tax_rates "$dir/tax_rates.csv" \
    2>"$dir/setup.log" ||
    ! "$import" -D "$dir/bill.db" subscriptions "$dir/subscriptions.csv" \
    2>>"$dir/setup.log"; then
	cat "$dir/setup.log" >&2
	echo "run.sh: the setup import failed" >&2
	exit 1
fi
t1=$(now)
if ! "$import" -D "$dir/ar.db" invoices "$dir/invoices.csv" \
    2>>"$dir/setup.log" ||
    ! "$import" -D "$dir/ar.db" payments "$dir/payments.csv" \
    2>>"$dir/setup.log" ||
    ! "$invoice" -D "$dir/ar.db" apply --as-of "$applyday" \
    >"$dir/apply.out" 2>>"$dir/setup.log"; then
	cat "$dir/setup.log" >&2
	echo "run.sh: the setup import or apply failed" >&2
	exit 1
fi
# The same company with its three years of history: bill.db with the
# invoices and payments of ar.db, applied.
rm -f "$dir/hist.db" "$dir/hist.db-wal" "$dir/hist.db-shm"
cp "$dir/bill.db" "$dir/hist.db" || exit 2
if ! "$import" -D "$dir/hist.db" invoices "$dir/invoices.csv" \
    2>>"$dir/setup.log" ||
    ! "$import" -D "$dir/hist.db" payments "$dir/payments.csv" \
    2>>"$dir/setup.log" ||
    ! "$invoice" -D "$dir/hist.db" apply --as-of "$applyday" \
    >/dev/null 2>>"$dir/setup.log"; then
	cat "$dir/setup.log" >&2
	echo "run.sh: the setup of the history failed" >&2
	exit 1
fi
t2=$(now)
# The same company billed by revops itself for the 23 months before: its
# billing records, invoices and lines are those of the runs.
rm -f "$dir/billed.db" "$dir/billed.db-wal" "$dir/billed.db-shm"
cp "$dir/bill.db" "$dir/billed.db" || exit 2
m=-23
while [ $m -lt 0 ]; do
	if ! "$invoice" -D "$dir/billed.db" run --period \
	    "$(month_add "$bperiod" $m)" >/dev/null 2>>"$dir/setup.log"; then
		cat "$dir/setup.log" >&2
		echo "run.sh: the setup of the months billed failed" >&2
		exit 1
	fi
	m=$((m + 1))
done
t3=$(now)
echo "setup, not in the figures: revops-import tax_rates + subscriptions" \
    "(with the prices above) in $(secs $((t1 - t0))) s; revops-import" \
    "invoices + payments and revops-invoice apply --as-of $applyday" \
    "($(($(wc -l <"$dir/apply.out") - 1)) applications), and the same" \
    "into a copy of the subscriptions' database (the history), in" \
    "$(secs $((t2 - t1))) s; the 23 months before $bperiod billed by" \
    "revops-invoice run into another copy in $(secs $((t3 - t2))) s"
echo

# too_slow NS TARGET-S: the run took more than 10 times its target.
too_slow() {
	awk -v ns="$1" -v t="$2" 'BEGIN { exit !(ns > 10 * t * 1e9) }'
}

bill_trial() {
	trial "$dir/$1" "$invoice" -D "$dir/run.db" run --period "$bperiod"
}

# The peer of the run: the month's charges of the same subscriptions,
# a line each, by one INSERT ... SELECT of the sqlite3 shell into the
# invoice lines of the database with the history (no proration, no tax,
# no invoice headers, floating point).  A quarter or a year bills in the
# months a whole number of its periods after the start.
pstart=$bperiod-01
cat >"$dir/peer-run.sql" <<SQL
INSERT INTO invoice_lines (invoice_id, account_id, line_no, sku,
    description, quantity_micro, unit_price_micro, amount_minor,
    tax_amount_minor, service_start, service_end)
SELECT 'PEER-' || s.account_id, s.account_id,
    row_number() OVER (PARTITION BY s.account_id ORDER BY s.subscription_id),
    s.sku, p.name || ' (' || s.billing_period || ')', s.quantity_micro,
    s.unit_price_micro, CAST(round(s.quantity_micro / 1e6 *
    s.unit_price_micro / 1e6 * (1 - s.discount_pct_micro / 1e8)) AS INTEGER),
    0, '$pstart', date('$pstart', '+' || CASE s.billing_period
    WHEN 'month' THEN 1 WHEN 'quarter' THEN 3 ELSE 12 END || ' months')
FROM subscriptions s JOIN products p USING (sku)
WHERE s.start_date <= date('$pstart', '+1 month', '-1 day')
    AND (s.end_date IS NULL OR s.end_date > '$pstart')
    AND (strftime('%Y', '$pstart') * 12 + strftime('%m', '$pstart') -
    strftime('%Y', s.start_date) * 12 - strftime('%m', s.start_date)) %
    CASE s.billing_period WHEN 'month' THEN 1 WHEN 'quarter' THEN 3
    ELSE 12 END = 0;
SQL

hist_copy() {
	rm -f "$dir/run.db" "$dir/run.db-wal" "$dir/run.db-shm"
	cp "$dir/hist.db" "$dir/run.db" || exit 2
}

# The first run bills, then the same period again bills nothing: the
# second run's output is the header alone.  Before them, the same run on
# the company with its history, and the peer on it; after, on the company
# billed by revops for 23 months.
btimes= bpeaks= b2times= b2peaks= blines= htimes= hpeaks= itimes= ipeaks=
ytimes= ypeaks=
i=0
while [ $i -lt $runs ]; do
	hist_copy
	bill_trial hist.out
	htimes="$htimes $ns"
	hpeaks="$hpeaks ${kib:-0}"
	[ $i -eq 0 ] && hlines=$(($(wc -l <"$dir/hist.out") - 1))
	hist_copy
	trial "$dir/peer-run.out" sqlite3 "$dir/run.db" ".read $dir/peer-run.sql"
	itimes="$itimes $ns"
	ipeaks="$ipeaks ${kib:-0}"
	[ $i -eq 0 ] && plines=$(sqlite3 "$dir/run.db" \
	    "SELECT count(*) FROM invoice_lines WHERE invoice_id LIKE 'PEER-%'")
	rm -f "$dir/run.db" "$dir/run.db-wal" "$dir/run.db-shm"
	cp "$dir/bill.db" "$dir/run.db" || exit 2
	bill_trial bill.out
	btimes="$btimes $ns"
	bpeaks="$bpeaks ${kib:-0}"
	if [ $i -eq 0 ]; then
		blines=$(($(wc -l <"$dir/bill.out") - 1))
		if [ "$blines" -lt 1 ]; then
			echo "run.sh: run --period $bperiod billed nothing" >&2
			failed=1
		fi
	fi
	bslow=$ns
	bill_trial bill2.out
	b2slow=$ns
	b2times="$b2times $ns"
	b2peaks="$b2peaks ${kib:-0}"
	if [ "$(wc -l <"$dir/bill2.out")" -ne 1 ] ||
	    ! head -n 1 "$dir/bill2.out" | grep -q '^invoice_id,'; then
		echo "run.sh: run --period $bperiod again billed something" \
		    "(or failed):" >&2
		head -n 3 "$dir/bill2.out" >&2
		failed=1
	fi
	rm -f "$dir/run.db" "$dir/run.db-wal" "$dir/run.db-shm"
	cp "$dir/billed.db" "$dir/run.db" || exit 2
	bill_trial billed.out
	ytimes="$ytimes $ns"
	ypeaks="$ypeaks ${kib:-0}"
	[ $i -eq 0 ] && ylines=$(($(wc -l <"$dir/billed.out") - 1))
	i=$((i + 1))
	{ too_slow "$bslow" 1 || too_slow "$b2slow" 1; } && break
done
bruns=$i

# The peers of aging and schedule: each report as one query of the
# sqlite3 shell over ar.db, as an analyst would write it (floating point
# for the days of a month).  Aging: each invoice's balance as of the day,
# summed per account into the buckets by CASE; schedule: each line's
# months by a recursive CTE, its amount by days.
cat >"$dir/peer-aging.sql" <<SQL
WITH b AS (SELECT i.account_id,
    julianday('$asof') - julianday(i.due_date) AS days,
    (SELECT sum(amount_minor + tax_amount_minor) FROM invoice_lines l
    WHERE l.invoice_id = i.invoice_id) -
    (SELECT coalesce(sum(amount_minor + tax_amount_minor), 0)
    FROM credit_notes c WHERE c.invoice_id = i.invoice_id
    AND c.issued_on <= '$asof') -
    (SELECT coalesce(sum(amount_minor), 0) FROM payment_applications p
    WHERE p.invoice_id = i.invoice_id AND p.applied_on <= '$asof') AS bal
    FROM invoices i WHERE i.status != 'void' AND i.issue_date <= '$asof')
SELECT account_id,
    sum(CASE WHEN days <= 0 THEN bal ELSE 0 END) AS current,
    sum(CASE WHEN days > 0 AND days <= 30 THEN bal ELSE 0 END) AS d1_30,
    sum(CASE WHEN days > 30 AND days <= 60 THEN bal ELSE 0 END) AS d31_60,
    sum(CASE WHEN days > 60 AND days <= 90 THEN bal ELSE 0 END) AS d61_90,
    sum(CASE WHEN days > 90 THEN bal ELSE 0 END) AS d90_plus,
    sum(bal) AS total
FROM b WHERE bal != 0 GROUP BY account_id ORDER BY account_id;
SQL
cat >"$dir/peer-schedule.sql" <<'SQL'
WITH RECURSIVE m(invoice_id, line_no, amount, s, e, month) AS (
    SELECT invoice_id, line_no, amount_minor, service_start, service_end,
    date(service_start, 'start of month') FROM invoice_lines
    WHERE service_start IS NOT NULL AND service_end > service_start
    UNION ALL
    SELECT invoice_id, line_no, amount, s, e, date(month, '+1 month')
    FROM m WHERE date(month, '+1 month') < e)
SELECT invoice_id, line_no, strftime('%Y-%m', month) AS month,
    round(amount * (julianday(min(e, date(month, '+1 month'))) -
    julianday(max(s, month))) / (julianday(e) - julianday(s))) AS amount
FROM m
UNION ALL
SELECT l.invoice_id, l.line_no, strftime('%Y-%m', i.issue_date),
    l.amount_minor FROM invoice_lines l JOIN invoices i USING (invoice_id)
WHERE l.service_start IS NULL OR l.service_end <= l.service_start;
SQL

# ar_runs OUT PEER ARGS...: revops-invoice ARGS on ar.db, $runs times
# (fewer when too slow), each beside the peer's query PEER; sets med,
# peak, times, nrun, and pmed, ptimes of the peer.
ar_runs() {
	out=$1 peersql=$2
	shift 2
	times= peaks= ptimes=
	nrun=0
	while [ $nrun -lt $runs ]; do
		trial "$dir/$out" "$invoice" -D "$dir/ar.db" "$@"
		times="$times $ns"
		peaks="$peaks ${kib:-0}"
		slow=$ns
		trial "$dir/peer.out" sqlite3 -csv "$dir/ar.db" ".read $peersql"
		ptimes="$ptimes $ns"
		nrun=$((nrun + 1))
		too_slow "$slow" 2 && break
	done
	med=$(median $times)
	peak=$(max $peaks)
	pmed=$(median $ptimes)
}

ar_runs aging.out "$dir/peer-aging.sql" aging --as-of "$asof"
amed=$med apeak=$peak atimes=$times aruns=$nrun apmed=$pmed aptimes=$ptimes
arows=$(($(grep -c . "$dir/aging.out") - 1))
if ! grep -q '^TOTAL,' "$dir/aging.out"; then
	echo "run.sh: aging has no TOTAL row" >&2
	failed=1
fi
ar_runs schedule.out "$dir/peer-schedule.sql" schedule
smed=$med speak=$peak stimes=$times sruns=$nrun spmed=$pmed sptimes=$ptimes
srows=$(($(wc -l <"$dir/schedule.out") - 1))
# The rows add up to the lines (no credit notes here), in cents.
want=$(sqlite3 "$dir/ar.db" "SELECT sum(l.amount_minor) FROM invoice_lines l
    JOIN invoices i USING (invoice_id) WHERE i.status != 'void'")
got=$(awk -F, 'NR > 1 { v = $NF; sub(/\./, "", v); s += v }
    END { printf "%.0f", s }' "$dir/schedule.out")
if [ "$want" != "$got" ]; then
	echo "run.sh: the schedule adds up to $got cents, the lines to" \
	    "$want" >&2
	failed=1
fi

bmed=$(median $btimes)
bpeak=$(max $bpeaks)
b2med=$(median $b2times)
b2peak=$(max $b2peaks)

# runs_of LABEL NS...: the times of the runs.
runs_of() {
	label=$1
	shift
	printf '  runs (s): %s' "$label"
	for t in "$@"; do printf ' %s' "$(secs "$t")"; done
	printf '\n'
}

# peer_line NAME NS PEER-NS: the sqlite3 query's time and the ratio to
# it, against DESIGN.md section 5's 0.5.
peer_line() {
	echo "  sqlite3, the same as one query: $(secs "$3") s; ratio" \
	    "$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", a / b }')" \
	    "(target <= 0.5) $(verdict "$2 <= 0.5 * $3")"
}

line='%-40s %9s %9s  %-10s %s\n'
printf '%-40s %9s %9s  %s\n' work "revops s" "peak MiB" target
printf "$line" "run --period $bperiod, $nsubs subs" "$(secs "$bmed")" \
    "$(peak_mib "$bpeak")" "peer (a)" ""
echo "  $blines invoice lines made, on the subscriptions alone"
printf "$line" "  the same period again (bills none)" "$(secs "$b2med")" \
    "$(peak_mib "$b2peak")" "none" "(information)"
runs_of "run" $btimes
runs_of "again" $b2times
# with_history LABEL NS KIB LINES: a run on a company with a history,
# against the one on the subscriptions alone.
with_history() {
	printf "$line" "  the same $1" "$(secs "$2")" "$(peak_mib "$3")" \
	    "<= 1.25 (a)" "$(verdict "$2 <= 1.25 * $bmed")"
	echo "  $4 invoice lines made; ratio to the run without history" \
	    "$(awk -v a="$2" -v b="$bmed" 'BEGIN { printf "%.2f", a / b }')"
}
hmed=$(median $htimes)
imed=$(median $itimes)
with_history "on the company with history" "$hmed" "$(max $hpeaks)" \
    "$hlines"
printf "$line" "  sqlite3 INSERT ... SELECT, the same" "$(secs "$imed")" \
    "$(peak_mib "$(max $ipeaks)")" "peer (b)" ""
echo "  $plines lines made (no proration, no tax); ratio revops / peer" \
    "$(awk -v a="$hmed" -v b="$imed" 'BEGIN { printf "%.2f", a / b }')" \
    "(target <= 1.0) $(verdict "$hmed <= $imed")"
runs_of "history" $htimes
runs_of "peer" $itimes
ymed=$(median $ytimes)
with_history "billed by revops for 23 months" "$ymed" "$(max $ypeaks)" \
    "$ylines"
runs_of "billed" $ytimes
printf "$line" "aging --as-of $asof, $rows lines" "$(secs "$amed")" \
    "$(peak_mib "$apeak")" "<= 0.5" ""
echo "  $arows rows (accounts with a balance, and totals)"
peer_line "aging" "$amed" "$apmed"
runs_of "aging" $atimes
runs_of "sqlite3" $aptimes
printf "$line" "schedule, $rows lines" "$(secs "$smed")" \
    "$(peak_mib "$speak")" "<= 0.5" ""
echo "  $srows rows (line x month)"
peer_line "schedule" "$smed" "$spmed"
runs_of "schedule" $stimes
runs_of "sqlite3" $sptimes
if [ "$bruns" -lt "$runs" ] || [ "$aruns" -lt "$runs" ] ||
    [ "$sruns" -lt "$runs" ]; then
	echo "  (fewer than $runs runs: a run more than 10 times over its" \
	    "target is not repeated)"
fi

# ---- revops-metrics: 36 months of every metric, against SQL ------------------

# The whole company: the invoices, payments and applications of ar.db,
# with the subscriptions and exchange rates.  The peer computes MRR and
# its movements alone, per account and month, in one query of the sqlite3
# shell: the straightforward SQL an analyst would write.
mfrom=2023-07
mto=$bperiod
echo
rm -f "$dir/metrics.db" "$dir/metrics.db-wal" "$dir/metrics.db-shm"
cp "$dir/ar.db" "$dir/metrics.db" || exit 2
t0=$(now)
"$gen" --scale "$scale" opportunities >"$dir/opportunities.csv" &&
    "$gen" --scale "$scale" stage_history >"$dir/stage_history.csv" &&
    "$gen" --scale "$scale" usage >"$dir/usage.csv" ||
    { echo "run.sh: the generator failed" >&2; exit 1; }
if ! "$import" -D "$dir/metrics.db" fx_rates "$dir/fx_rates.csv" \
    2>>"$dir/setup.log" ||
    ! "$import" -D "$dir/metrics.db" subscriptions "$dir/subscriptions.csv" \
    2>>"$dir/setup.log" ||
    ! "$import" -D "$dir/metrics.db" opportunities "$dir/opportunities.csv" \
    2>>"$dir/setup.log" ||
    ! "$import" -D "$dir/metrics.db" stage_history "$dir/stage_history.csv" \
    2>>"$dir/setup.log" ||
    ! "$import" -D "$dir/metrics.db" usage "$dir/usage.csv" \
    2>>"$dir/setup.log"; then
	cat "$dir/setup.log" >&2
	echo "run.sh: the setup import failed" >&2
	exit 1
fi
t1=$(now)
echo "setup, not in the figures: revops-import fx_rates, subscriptions," \
    "opportunities with their history and usage into a copy of the" \
    "invoices' database in $(secs $((t1 - t0))) s"
# The movements of each month from the pairs (s, e) of each account's MRR
# at its start and its end, in both peers.
movements="round(sum(CASE WHEN s = 0 AND e > 0 THEN e ELSE 0 END), 2) AS new,
    round(sum(CASE WHEN s > 0 AND e > s THEN e - s ELSE 0 END), 2) AS expansion,
    round(sum(CASE WHEN e > 0 AND e < s THEN s - e ELSE 0 END), 2) AS contraction,
    round(sum(CASE WHEN s > 0 AND e = 0 THEN s ELSE 0 END), 2) AS churn
    FROM pairs GROUP BY m ORDER BY m;"
cat >"$dir/peer-mrr.sql" <<SQL
WITH RECURSIVE months(m) AS (SELECT '$mfrom-01' UNION ALL
    SELECT date(m, '+1 month') FROM months WHERE m < '$mto-01'),
ends AS (SELECT m, date(m, '+1 month', '-1 day') AS d,
    date(m, '-1 day') AS before FROM months),
amrr AS (SELECT e.m, s.account_id,
    sum(s.quantity_micro / 1e6 * s.unit_price_micro / 1e8 *
    (1 - s.discount_pct_micro / 1e8) / CASE s.billing_period
    WHEN 'month' THEN 1 WHEN 'quarter' THEN 3 ELSE 12 END) AS mrr
    FROM ends e JOIN subscriptions s ON s.start_date <= e.d
    AND (s.end_date IS NULL OR s.end_date > e.d) GROUP BY e.m, s.account_id),
pairs AS (SELECT e.m, ifnull(p.mrr, 0) AS s, ifnull(c.mrr, 0) AS e
    FROM ends e JOIN accounts a
    LEFT JOIN amrr c ON c.m = e.m AND c.account_id = a.account_id
    LEFT JOIN amrr p ON p.m = date(e.m, '-1 month')
    AND p.account_id = a.account_id)
SELECT m, round(sum(e), 2) AS mrr,
    $movements
SQL

# The same in DuckDB, from the CSV files as they come (quantities and
# prices in units, the discount in percent), run by node through the npm
# package an analyst would install.
duck=
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1
then
	echo "node and npm are not installed: the DuckDB comparison is" \
	    "skipped (apt-get install npm)"
elif [ ! -d "$dir/duckdb/node_modules/@duckdb/node-api" ] &&
    ! npm install --prefix "$dir/duckdb" --no-audit --no-fund \
    @duckdb/node-api >"$dir/npm.log" 2>&1; then
	echo "npm could not install @duckdb/node-api: the DuckDB" \
	    "comparison is skipped ($dir/npm.log)"
else
	duck=$dir/duckdb/sql.mjs
	cat >"$duck" <<'JS'
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const r = await con.runAndReadAll(readFileSync(process.argv[2], 'utf8'));
console.log(r.columnNames().join(','));
for (const row of r.getRows())
	console.log(row.map(String).join(','));
JS
	cat >"$dir/peer-mrr-duckdb.sql" <<SQL
WITH ends AS (SELECT CAST(m AS DATE) AS m,
    CAST(m + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS d
    FROM generate_series(DATE '$mfrom-01', DATE '$mto-01',
    INTERVAL 1 MONTH) t(m)),
subs AS (SELECT * FROM read_csv('$dir/subscriptions.csv', header = true,
    types = {'quantity': 'DOUBLE', 'unit_price': 'DOUBLE',
    'discount_pct': 'DOUBLE', 'start_date': 'DATE', 'end_date': 'DATE'})),
accounts AS (SELECT account_id FROM read_csv('$dir/accounts.csv',
    header = true)),
amrr AS (SELECT e.m, s.account_id,
    sum(s.quantity * s.unit_price * (1 - coalesce(s.discount_pct, 0) / 100)
    / CASE s.billing_period WHEN 'month' THEN 1 WHEN 'quarter' THEN 3
    ELSE 12 END) AS mrr
    FROM ends e JOIN subs s ON s.start_date <= e.d
    AND (s.end_date IS NULL OR s.end_date > e.d) GROUP BY e.m, s.account_id),
pairs AS (SELECT e.m, coalesce(p.mrr, 0) AS s, coalesce(c.mrr, 0) AS e
    FROM ends e CROSS JOIN accounts a
    LEFT JOIN amrr c ON c.m = e.m AND c.account_id = a.account_id
    LEFT JOIN amrr p ON p.m = CAST(e.m - INTERVAL 1 MONTH AS DATE)
    AND p.account_id = a.account_id)
SELECT CAST(m AS VARCHAR) AS m, round(sum(e), 2) AS mrr,
    $movements
SQL
fi

mtimes= mpeaks= qtimes= qpeaks= dtimes= dpeaks=
i=0
while [ $i -lt $runs ]; do
	trial "$dir/metrics.out" "$dir/revops-metrics" -D "$dir/metrics.db" \
	    --from "$mfrom" --to "$mto"
	mtimes="$mtimes $ns"
	mpeaks="$mpeaks ${kib:-0}"
	mslow=$ns
	trial "$dir/peer-mrr.out" sqlite3 -csv -header "$dir/metrics.db" \
	    ".read $dir/peer-mrr.sql"
	qtimes="$qtimes $ns"
	qpeaks="$qpeaks ${kib:-0}"
	if [ -n "$duck" ]; then
		trial "$dir/duckdb.out" node "$duck" "$dir/peer-mrr-duckdb.sql"
		dtimes="$dtimes $ns"
		dpeaks="$dpeaks ${kib:-0}"
	fi
	i=$((i + 1))
	{ too_slow "$mslow" 1 || too_slow "$ns" 60; } && break
done
mruns=$i
expect_lines "$dir/metrics.out" 36
expect_lines "$dir/peer-mrr.out" 36
[ -n "$duck" ] && expect_lines "$dir/duckdb.out" 36
mmed=$(median $mtimes)
mfull=$mmed mfpeaks=$mpeaks
qmed=$(median $qtimes)
printf '%-40s %9s %9s  %s\n' work "s" "peak MiB" target
printf "$line" "revops-metrics, 36 months, all metrics" "$(secs "$mmed")" \
    "$(peak_mib "$(max $mpeaks)")" "" ""
printf "$line" "  (a) sqlite3, MRR movements alone" "$(secs "$qmed")" \
    "$(peak_mib "$(max $qpeaks)")" "" ""
printf '  ratio revops / sqlite3: %s (target <= 0.1) %s\n' \
    "$(awk -v a="$mmed" -v b="$qmed" 'BEGIN { printf "%.3f", a / b }')" \
    "$(verdict "$mmed <= 0.1 * $qmed")"
if [ -n "$duck" ]; then
	dmed=$(median $dtimes)
	printf "$line" "  (b) DuckDB from the CSV, the same" "$(secs "$dmed")" \
	    "$(peak_mib "$(max $dpeaks)")" "" ""
	printf '  ratio revops / DuckDB: %s (target <= 0.5) %s\n' \
	    "$(awk -v a="$mmed" -v b="$dmed" 'BEGIN { printf "%.3f", a / b }')" \
	    "$(verdict "$mmed <= 0.5 * $dmed")"
fi
echo "  MRR of $mto: revops $(tail -n 1 "$dir/metrics.out" | cut -d, -f2)," \
    "sqlite3 $(tail -n 1 "$dir/peer-mrr.out" | cut -d, -f2)${duck:+,}" \
    "${duck:+DuckDB $(tail -n 1 "$dir/duckdb.out" | cut -d, -f2)}" \
    "(floating point, every currency as if the base)"
runs_of "revops-metrics" $mtimes
runs_of "sqlite3" $qtimes
[ -n "$duck" ] && runs_of "DuckDB" $dtimes
[ "$mruns" -lt "$runs" ] && echo "  (fewer than $runs runs: too slow to repeat)"


# ---- the metrics for 12, 120, 1,200 and 2,400 months ----------------------------

# metric_runs FROM: every metric from FROM to $mto, $runs times; sets med
# and peak.
metric_runs() {
	repeat trial "$dir/months.out" "$dir/revops-metrics" \
	    -D "$dir/metrics.db" --from "$1" --to "$mto"
}

echo
echo "scaling: revops-metrics by months, median of $runs runs"
line='%-7s %9s %9s\n'
printf "$line" months seconds "peak MiB"
metric_runs "$(month_add "$mto" -11)"
t12=$med
printf "$line" 12 "$(secs "$med")" "$(peak_mib "$peak")"
metric_runs "$(month_add "$mto" -119)"
t120=$med
printf "$line" 120 "$(secs "$med")" "$(peak_mib "$peak")"
metric_runs "$(month_add "$mto" -1199)"
t1200=$med
printf "$line" 1200 "$(secs "$med")" "$(peak_mib "$peak")"
metric_runs "$(month_add "$mto" -2399)"
t2400=$med
printf "$line" 2400 "$(secs "$med")" "$(peak_mib "$peak")"
expect_lines "$dir/months.out" 2400
# Reading the tables costs the same for any window: what grows is the
# cost of a month more, which must not grow with the months.
echo "a month more: $(awk -v a="$t12" -v b="$t120" \
    'BEGIN { printf "%.1f", (b - a) / 108 / 1e6 }') ms from 12 to 120," \
    "$(awk -v a="$t120" -v b="$t1200" \
    'BEGIN { printf "%.1f", (b - a) / 1080 / 1e6 }') ms from 120 to 1200," \
    "$(awk -v a="$t1200" -v b="$t2400" \
    'BEGIN { printf "%.1f", (b - a) / 1200 / 1e6 }') ms from 1200 to 2400" \
    "(linear: the last < 1.5 x the one before + 1 ms)" \
    "$(verdict "($t2400 - $t1200) / 1200 < 1.5 * ($t1200 - $t120) / 1080 + 1e6")"
rm -f "$dir/months.out"

# ---- scaling: the billing run and the metrics at 1/64, 1/16 and 1/4 -------------

# scaled_db NAME FRACTION ROWS: a database like metrics.db, its payments
# applied, with a fraction of the subscriptions and invoice lines (the
# accounts they refer to are all there).
scaled_db() {
	rm -f "$dir/$1.db" "$dir/$1.db-wal" "$dir/$1.db-shm"
	cp "$dir/quote.db" "$dir/$1.db" || exit 2
	s=$(awk -v s="$scale" -v f="$2" 'BEGIN { printf "%.6f", s * f }')
	"$gen" --scale "$s" subscriptions >"$dir/$1-subs.csv" &&
	    "$gen" --scale "$scale" --rows "$3" invoices >"$dir/$1-inv.csv" &&
	    "$gen" --scale "$scale" --rows "$3" payments >"$dir/$1-pay.csv" &&
	    "$gen" --scale "$s" opportunities >"$dir/$1-opp.csv" &&
	    "$gen" --scale "$s" stage_history >"$dir/$1-hist.csv" &&
	    "$gen" --scale "$s" usage >"$dir/$1-use.csv" ||
	    { echo "run.sh: the generator failed" >&2; exit 1; }
	for e in tax_rates:tax_rates.csv subscriptions:$1-subs.csv \
	    invoices:$1-inv.csv payments:$1-pay.csv \
	    opportunities:$1-opp.csv stage_history:$1-hist.csv \
	    usage:$1-use.csv; do
		"$import" -D "$dir/$1.db" "${e%%:*}" "$dir/${e#*:}" \
		    2>>"$dir/setup.log" || { cat "$dir/setup.log" >&2;
		    echo "run.sh: the setup import failed" >&2; exit 1; }
	done
	"$invoice" -D "$dir/$1.db" apply --as-of "$applyday" >/dev/null \
	    2>>"$dir/setup.log" || { cat "$dir/setup.log" >&2;
	    echo "run.sh: the setup apply failed" >&2; exit 1; }
	rm -f "$dir/$1"-*.csv
}

# scaled_runs NAME: the billing run (on a fresh copy each time) and the
# metrics on the scaled database; sets bmed, bpk, mmed and mpk.
scaled_runs() {
	btimes= mtimes= bpeaks= mpeaks=
	i=0
	while [ $i -lt $runs ]; do
		rm -f "$dir/s.db" "$dir/s.db-wal" "$dir/s.db-shm"
		cp "$dir/$1.db" "$dir/s.db" || exit 2
		trial "$dir/s.out" "$invoice" -D "$dir/s.db" run \
		    --period "$bperiod"
		btimes="$btimes $ns"
		bpeaks="$bpeaks ${kib:-0}"
		trial "$dir/s.out" "$dir/revops-metrics" -D "$dir/$1.db" \
		    --from "$mfrom" --to "$mto"
		mtimes="$mtimes $ns"
		mpeaks="$mpeaks ${kib:-0}"
		i=$((i + 1))
	done
	bmed=$(median $btimes)
	mmed=$(median $mtimes)
	bpk=$(peak_mib "$(max $bpeaks)")
	mpk=$(peak_mib "$(max $mpeaks)")
}

echo
scaled_db s64 0.015625 "$rows64"
scaled_db s16 0.0625 "$rows16"
scaled_db s4 0.25 "$rows4"
echo "scaling: revops-invoice run and revops-metrics, median of $runs runs"
line='%-6s %13s %9s %9s %10s %9s\n'
printf "$line" size subscriptions "run s" "peak MiB" "metrics s" "peak MiB"
scaled_runs s64
b64=$bmed m64=$mmed
printf "$line" 1/64 $((nsubs / 64)) "$(secs "$bmed")" "$bpk" \
    "$(secs "$mmed")" "$mpk"
for f in 16 4; do
	scaled_runs "s$f"
	printf "$line" "1/$f" $((nsubs / f)) "$(secs "$bmed")" "$bpk" \
	    "$(secs "$mmed")" "$mpk"
done
printf "$line" 1 "$nsubs" "$(secs "$hmed")" "$(peak_mib "$(max $hpeaks)")" \
    "$(secs "$mfull")" "$(peak_mib "$(max $mfpeaks)")"
growth_verdict "run" "$b64" 1 "$hmed" 64
growth_verdict "metrics" "$m64" 1 "$mfull" 64
rm -f "$dir/s64.db" "$dir/s16.db" "$dir/s4.db" "$dir/s.db" "$dir/s.out"

# ---- a new id, with many before it ----------------------------------------------

echo
sh "$(dirname "$0")/ids.sh" "$bindir" "$gen" || failed=1

# ---- PostgreSQL: every job again, beside SQLite ------------------------------

echo
sh "$(dirname "$0")/pg.sh" "$bindir" "$gen" || failed=1

rm -f "$dir/.rss" "$dir/revops-import" "$dir/revops-quote" \
    "$dir/revops-invoice" "$dir/quote.out" "$dir/mlr.out" "$dir/bill.out" \
    "$dir/bill2.out" "$dir/hist.out" "$dir/billed.out" "$dir/billed.db" "$dir/peer-run.out" "$dir/aging.out" \
    "$dir/schedule.out" "$dir/apply.out" "$dir/revops-metrics" \
    "$dir/metrics.out" "$dir/peer-mrr.out" "$dir/hist.db" "$dir/run.db" \
    "$dir/peer.out"
if [ "$failed" -ne 0 ]; then
	echo "run.sh: something failed; the figures above are not valid" >&2
	exit 1
fi
exit 0
