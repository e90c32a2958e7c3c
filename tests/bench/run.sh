#!/bin/sh
# The benchmarks of DESIGN.md section 5, each figure beside its peer
# measured in the same run.  Usage: run.sh BINDIR GEN
#
# Generates a company with GEN into $BENCH_DIR (default build/bench):
# accounts.csv, products.csv and invoices.csv of $BENCH_ROWS invoice lines
# (default 1,000,000).  Then, each timed 3 times and reported as the
# median, interleaved so that both sides see the same machine:
#   revops  revops-import invoices invoices.csv, into a fresh copy of a
#           database that already holds the accounts and products;
#   peer    the sqlite3 shell's .import --csv of the same file into a new
#           database, letting it make an untyped table from the header;
# and revops-import of 1/16, 1/4 and all of the lines, for linearity.
#
# Then the price book (prices.csv), EUR rates (fx_rates.csv) and
# $BENCH_ROWS quote lines (quote_lines.csv: account_id,sku,quantity,
# discount_pct,term_months), each timed 3 times, interleaved, and reported
# as the median:
#   revops  revops-quote price --currency USD --on 2026-06-01 < the lines,
#           against a copy of the database with the prices and rates
#           imported;
#   peer    mlr (Miller) joining the lines with a price list sku,unit_price
#           (the first USD tier of each sku on that day, taken from
#           prices.csv) and computing quantity x unit_price x (1 - discount)
#           in one command; skipped, with a note, when mlr is not installed
#           (apt-get install miller);
# and, for information, revops-quote price without --currency, each line
# in the currency of its account (an account lookup a line, EUR costs
# converted at fx_rates.csv); and revops-quote price of 1/16 of the lines,
# for constant memory.
#
# Then revops-invoice, without a peer, each timed as often as the others
# and reported as the median against its target (DESIGN.md section 5,
# issue 5):
#   run     revops-invoice run --period 2026-06 over the subscriptions
#           (subscriptions.csv: 3 an account, 300,000 for 1,000,000
#           invoice lines), on a fresh copy of a database with the
#           accounts, products, prices, tax rates (tax_rates.csv) and
#           subscriptions imported: under 1 s; then the same period again
#           on that database, which must bill nothing (its output only a
#           header): under 1 s too; and the same run on a copy of the
#           company with its three years of history (the invoice lines
#           and payments below, applied): at most 1.25 times the run
#           without, and at most the time of its peer, one INSERT ...
#           SELECT of the sqlite3 shell writing the month's charges of
#           the same subscriptions into its invoice lines (peer-run.sql);
#   aging   revops-invoice aging --as-of 2026-12-31 and
#   schedule  revops-invoice schedule, both over a database with the
#           accounts, products, the $BENCH_ROWS invoice lines and their
#           payments (payments.csv) applied by revops-invoice apply in the
#           setup: under 2 s each, and at most half the time of the same
#           report as one query of the sqlite3 shell (peer-aging.sql,
#           peer-schedule.sql).
#
# Then revops-metrics, every metric for the 36 months to 2026-06, over the
# database of aging and schedule with the subscriptions and EUR rates
# imported: under 1 s, against the peer of DESIGN.md section 5, the
# sqlite3 shell computing MRR and its movements alone per month in one
# straightforward query (peer-mrr.sql): at most a tenth of its time.
#
# For information: revops-import of 100,000 lines against sqlite-utils
# insert --csv (skipped when it is not installed), and the billing run and
# the metrics at 1/16 and 1/4 of the subscriptions and invoice lines, to
# show that their time grows linearly.
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
[ "$rows" -ge 16 ] 2>/dev/null ||
    { echo "run.sh: BENCH_ROWS must be a number, at least 16" >&2; exit 2; }
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

# revops_runs FILE: imports FILE $runs times; sets med (median ns).
revops_runs() {
	times=
	i=0
	while [ $i -lt $runs ]; do
		revops_trial "$1"
		times="$times $ns"
		i=$((i + 1))
	done
	med=$(median $times)
}

# ---- data --------------------------------------------------------------

scale=$(awk -v r="$rows" 'BEGIN { printf "%.6f", r / 1000000 }')
rows4=$((rows / 4))
rows16=$((rows / 16))
echo "bench: $rows invoice lines (scale $scale), median of $runs runs," \
    "in $dir"

t0=$(now)
"$gen" --scale "$scale" accounts >"$dir/accounts.csv" &&
    "$gen" --scale "$scale" products >"$dir/products.csv" &&
    "$gen" --scale "$scale" invoices >"$dir/invoices.csv" &&
    "$gen" --scale "$scale" --rows "$rows4" invoices \
	>"$dir/invoices-4.csv" &&
    "$gen" --scale "$scale" --rows "$rows16" invoices \
	>"$dir/invoices-16.csv" ||
    { echo "run.sh: the generator failed" >&2; exit 1; }
t1=$(now)
echo "generated: $(($(wc -l <"$dir/accounts.csv") - 1)) accounts," \
    "$(($(wc -l <"$dir/products.csv") - 1)) products," \
    "$rows + $rows4 + $rows16 invoice lines in $(secs $((t1 - t0))) s"

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
    "$(secs "$pmed")" "$ratio" "ratio < 1.0 (aim 0.7)" \
    "$(verdict "$rmed < $pmed")"
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
line='%-6s %9s %9s %14s\n'
echo "scaling: revops-import invoices, median of $runs runs"
printf "$line" size lines seconds "s per 1M lines"
revops_runs "$dir/invoices-16.csv"
m16=$med
printf "$line" 1/16 "$rows16" "$(secs "$m16")" "$(per "$m16" "$rows16")"
revops_runs "$dir/invoices-4.csv"
m4=$med
printf "$line" 1/4 "$rows4" "$(secs "$m4")" "$(per "$m4" "$rows4")"
printf "$line" 1 "$rows" "$(secs "$rmed")" "$(per "$rmed" "$rows")"
# Time per line may grow a little (B-tree depth: n log n); half as much
# again from 1/16 to all of the lines is no longer linear.
growth=$(awk -v a="$rmed" -v n="$rows" -v b="$m16" -v m="$rows16" \
    'BEGIN { printf "%.2f", (a / n) / (b / m) }')
echo "time per line, all / 1/16: $growth (linear: < 1.5)" \
    "$(verdict "$growth < 1.5")"

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
    "$gen" --scale "$scale" --rows "$rows16" quote_lines \
	>"$dir/quote_lines-16.csv" ||
    { echo "run.sh: the generator failed" >&2; exit 1; }
t1=$(now)
echo "generated: $(($(wc -l <"$dir/prices.csv") - 1)) prices," \
    "$(($(wc -l <"$dir/fx_rates.csv") - 1)) fx rates," \
    "$rows + $rows16 quote lines in $(secs $((t1 - t0))) s"

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

# ---- quote price: constant memory ------------------------------------------

line='%-6s %9s %9s %14s %9s\n'
echo "scaling: revops-quote price, median of $runs runs"
printf "$line" size lines seconds "s per 1M lines" "peak MiB"
times= peaks=
i=0
while [ $i -lt $runs ]; do
	quote_trial "$dir/quote_lines-16.csv"
	times="$times $ns"
	peaks="$peaks ${kib:-0}"
	[ $i -eq 0 ] && expect_lines "$dir/quote.out" "$rows16"
	i=$((i + 1))
done
m16=$(median $times)
peak16=$(max $peaks)
if [ "$rssby" = none ]; then
	p16=n/a p1=n/a
else
	p16=$(mib "$peak16") p1=$(mib "$rpeak")
fi
printf "$line" 1/16 "$rows16" "$(secs "$m16")" "$(per "$m16" "$rows16")" \
    "$p16"
printf "$line" 1 "$rows" "$(secs "$rmed")" "$(per "$rmed" "$rows")" "$p1"
growth=$(awk -v a="$rmed" -v n="$rows" -v b="$m16" -v m="$rows16" \
    'BEGIN { printf "%.2f", (a / n) / (b / m) }')
echo "time per line, all / 1/16: $growth (linear: < 1.5)" \
    "$(verdict "$growth < 1.5")"
# Streaming: 16 times the lines, about the same memory.
if [ "$rssby" = none ]; then
	echo "peak RSS, all / 1/16: n/a (apt-get install time)"
else
	mgrowth=$(awk -v a="$rpeak" -v b="$peak16" \
	    'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	echo "peak RSS, all / 1/16: $mgrowth (constant: < 1.25)" \
	    "$(verdict "$rpeak < 1.25 * $peak16")"
fi

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
echo "setup, not in the figures: revops-import tax_rates + subscriptions" \
    "(with the prices above) in $(secs $((t1 - t0))) s; revops-import" \
    "invoices + payments and revops-invoice apply --as-of $applyday" \
    "($(($(wc -l <"$dir/apply.out") - 1)) applications), and the same" \
    "into a copy of the subscriptions' database (the history), in" \
    "$(secs $((t2 - t1))) s"
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
# second run's output is the header alone.  Between them, the same run
# on the company with its history, and the peer on it.
btimes= bpeaks= b2times= b2peaks= blines= htimes= hpeaks= itimes= ipeaks=
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
	b2times="$b2times $ns"
	b2peaks="$b2peaks ${kib:-0}"
	if [ "$(wc -l <"$dir/bill2.out")" -ne 1 ] ||
	    ! head -n 1 "$dir/bill2.out" | grep -q '^invoice_id,'; then
		echo "run.sh: run --period $bperiod again billed something" \
		    "(or failed):" >&2
		head -n 3 "$dir/bill2.out" >&2
		failed=1
	fi
	i=$((i + 1))
	{ too_slow "$bslow" 1 || too_slow "$ns" 1; } && break
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
bfull=$bmed
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

peak_mib() {
	if [ "$rssby" = none ]; then
		echo n/a
	else
		mib "$1"
	fi
}

line='%-40s %9s %9s  %-10s %s\n'
printf '%-40s %9s %9s  %s\n' work "revops s" "peak MiB" target
printf "$line" "run --period $bperiod, $nsubs subs" "$(secs "$bmed")" \
    "$(peak_mib "$bpeak")" "< 1 s" "$(verdict "$bmed < 1e9")"
echo "  $blines invoice lines made"
printf "$line" "  the same period again (bills none)" "$(secs "$b2med")" \
    "$(peak_mib "$b2peak")" "< 1 s" "$(verdict "$b2med < 1e9")"
runs_of "run" $btimes
runs_of "again" $b2times
hmed=$(median $htimes)
imed=$(median $itimes)
printf "$line" "  the same on the company with history" "$(secs "$hmed")" \
    "$(peak_mib "$(max $hpeaks)")" "<= 1.25 x" \
    "$(verdict "$hmed <= 1.25 * $bmed")"
echo "  $hlines invoice lines made; ratio to the run without history" \
    "$(awk -v a="$hmed" -v b="$bmed" 'BEGIN { printf "%.2f", a / b }')"
printf "$line" "  sqlite3 INSERT ... SELECT, the same" "$(secs "$imed")" \
    "$(peak_mib "$(max $ipeaks)")" "" ""
echo "  $plines lines made (no proration, no tax); ratio revops / peer" \
    "$(awk -v a="$hmed" -v b="$imed" 'BEGIN { printf "%.2f", a / b }')" \
    "(target <= 1.0) $(verdict "$hmed <= $imed")"
runs_of "history" $htimes
runs_of "peer" $itimes
printf "$line" "aging --as-of $asof, $rows lines" "$(secs "$amed")" \
    "$(peak_mib "$apeak")" "< 2 s" "$(verdict "$amed < 2e9")"
echo "  $arows rows (accounts with a balance, and totals)"
peer_line "aging" "$amed" "$apmed"
runs_of "aging" $atimes
runs_of "sqlite3" $aptimes
printf "$line" "schedule, $rows lines" "$(secs "$smed")" \
    "$(peak_mib "$speak")" "< 2 s" "$(verdict "$smed < 2e9")"
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
    round(sum(CASE WHEN s = 0 AND e > 0 THEN e ELSE 0 END), 2) AS new,
    round(sum(CASE WHEN s > 0 AND e > s THEN e - s ELSE 0 END), 2) AS expansion,
    round(sum(CASE WHEN e > 0 AND e < s THEN s - e ELSE 0 END), 2) AS contraction,
    round(sum(CASE WHEN s > 0 AND e = 0 THEN s ELSE 0 END), 2) AS churn
    FROM pairs GROUP BY m ORDER BY m;
SQL

mtimes= mpeaks= qtimes= qpeaks=
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
	i=$((i + 1))
	{ too_slow "$mslow" 1 || too_slow "$ns" 60; } && break
done
mruns=$i
expect_lines "$dir/metrics.out" 36
expect_lines "$dir/peer-mrr.out" 36
mmed=$(median $mtimes)
mfull=$mmed
qmed=$(median $qtimes)
printf '%-40s %9s %9s  %s\n' work "s" "peak MiB" target
printf "$line" "revops-metrics, 36 months, all metrics" "$(secs "$mmed")" \
    "$(peak_mib "$(max $mpeaks)")" "< 1 s" "$(verdict "$mmed < 1e9")"
printf "$line" "  sqlite3, MRR movements alone" "$(secs "$qmed")" \
    "$(peak_mib "$(max $qpeaks)")" "" ""
printf '  ratio revops / sqlite3: %s (target <= 0.1) %s\n' \
    "$(awk -v a="$mmed" -v b="$qmed" 'BEGIN { printf "%.3f", a / b }')" \
    "$(verdict "$mmed <= 0.1 * $qmed")"
echo "  MRR of $mto: revops $(tail -n 1 "$dir/metrics.out" | cut -d, -f2)," \
    "sqlite3 $(tail -n 1 "$dir/peer-mrr.out" | cut -d, -f2)" \
    "(floating point, every currency as if the base)"
runs_of "revops-metrics" $mtimes
runs_of "sqlite3" $qtimes
[ "$mruns" -lt "$runs" ] && echo "  (fewer than $runs runs: too slow to repeat)"

# ---- scaling: the billing run and the metrics at 1/16 and 1/4 ------------------

# scaled_db NAME FRACTION ROWS: a database like metrics.db with a
# fraction of the subscriptions and invoice lines (the accounts they
# refer to are all there).
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
	rm -f "$dir/$1"-*.csv
}

# scaled_runs NAME: the billing run (on a fresh copy each time) and the
# metrics on the scaled database; sets bmed and mmed.
scaled_runs() {
	btimes= mtimes=
	i=0
	while [ $i -lt $runs ]; do
		rm -f "$dir/s.db" "$dir/s.db-wal" "$dir/s.db-shm"
		cp "$dir/$1.db" "$dir/s.db" || exit 2
		trial "$dir/s.out" "$invoice" -D "$dir/s.db" run \
		    --period "$bperiod"
		btimes="$btimes $ns"
		trial "$dir/s.out" "$dir/revops-metrics" -D "$dir/$1.db" \
		    --from "$mfrom" --to "$mto"
		mtimes="$mtimes $ns"
		i=$((i + 1))
	done
	bmed=$(median $btimes)
	mmed=$(median $mtimes)
}

echo
scaled_db s16 0.0625 "$rows16"
scaled_db s4 0.25 "$rows4"
echo "scaling: revops-invoice run and revops-metrics, median of $runs runs"
line='%-6s %12s %10s %10s\n'
printf "$line" size subscriptions "run s" "metrics s"
scaled_runs s16
b16=$bmed m16=$mmed
printf "$line" 1/16 $((nsubs / 16)) "$(secs "$b16")" "$(secs "$m16")"
scaled_runs s4
printf "$line" 1/4 $((nsubs / 4)) "$(secs "$bmed")" "$(secs "$mmed")"
printf "$line" 1 "$nsubs" "$(secs "$bfull")" "$(secs "$mfull")"
echo "time per subscription, all / 1/16: run" \
    "$(awk -v a="$bfull" -v b="$b16" 'BEGIN { printf "%.2f", a / b / 16 }'),"\
    "metrics $(awk -v a="$mfull" -v b="$m16" \
    'BEGIN { printf "%.2f", a / b / 16 }') (linear: < 1.5)" \
    "$(verdict "$bfull < 1.5 * 16 * $b16 && $mfull < 1.5 * 16 * $m16")"
rm -f "$dir/s16.db" "$dir/s4.db" "$dir/s.db" "$dir/s.out"

# ---- a new id, with many before it ----------------------------------------------

echo
sh "$(dirname "$0")/ids.sh" "$bindir" "$gen" || failed=1

# ---- PostgreSQL: every job again, beside SQLite ------------------------------

echo
sh "$(dirname "$0")/pg.sh" "$bindir" "$gen" || failed=1

rm -f "$dir/.rss" "$dir/revops-import" "$dir/revops-quote" \
    "$dir/revops-invoice" "$dir/quote.out" "$dir/mlr.out" "$dir/bill.out" \
    "$dir/bill2.out" "$dir/hist.out" "$dir/peer-run.out" "$dir/aging.out" \
    "$dir/schedule.out" "$dir/apply.out" "$dir/revops-metrics" \
    "$dir/metrics.out" "$dir/peer-mrr.out" "$dir/hist.db" "$dir/run.db" \
    "$dir/peer.out"
if [ "$failed" -ne 0 ]; then
	echo "run.sh: something failed; the figures above are not valid" >&2
	exit 1
fi
exit 0
