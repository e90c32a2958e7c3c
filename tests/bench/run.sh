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
runs=3
[ "$rows" -ge 16 ] 2>/dev/null ||
    { echo "run.sh: BENCH_ROWS must be a number, at least 16" >&2; exit 2; }
mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || exit 2
# A copy, so that every figure is of the same program even when the build
# changes during the run.
cp "$bindir/revops-import" "$dir/revops-import" || exit 2
import=$dir/revops-import
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

rm -f "$dir/.rss" "$dir/revops-import"
if [ "$failed" -ne 0 ]; then
	echo "run.sh: something failed; the figures above are not valid" >&2
	exit 1
fi
exit 0
