#!/bin/sh
# The cost of a new id (DESIGN.md section 5, issue 13): revops-quote
# accept of 5,000 approved quotes, and revops-pipeline convert of 5,000
# qualified leads, each into a database holding 100,000 earlier ones
# (accepted, converted) and into one holding none, interleaved, each pair
# run $IDS_RUNS times (default 11).  The figure is the median of the
# pairs' ratios, target at most 1.2: an id is taken from a counter, so
# what is there already costs only what any insert into a larger table
# costs (its indexes are larger).
# Usage: ids.sh BINDIR GEN; its files in $BENCH_DIR/ids (default
# build/bench/ids).
set -u

[ $# -eq 2 ] || { echo "usage: ids.sh BINDIR GEN" >&2; exit 2; }
bin=$(cd "$1" && pwd) || exit 2
case $2 in /*) gen=$2 ;; *) gen=$PWD/$2 ;; esac
dir=${BENCH_DIR:-build/bench}/ids
runs=${IDS_RUNS:-11}
earlier=100000
new=5000
mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || exit 2
must() {
	"$@" >"$dir/setup.out" 2>"$dir/setup.err" || {
		echo "ids.sh: the setup failed: $*" >&2
		tail -n 5 "$dir/setup.err" >&2
		exit 1
	}
}

# ---- the databases ---------------------------------------------------------

# 10,000 accounts, the products, prices and rates; a quote line an account
# and a recurring product in turn, a qualified lead a number, the
# earlier ones first.
"$gen" --scale 0.1 accounts >"$dir/accounts.csv" &&
    "$gen" --scale 0.1 products >"$dir/products.csv" &&
    "$gen" --scale 0.1 prices >"$dir/prices.csv" &&
    "$gen" --scale 0.1 fx_rates >"$dir/fx_rates.csv" ||
    { echo "ids.sh: the generator failed" >&2; exit 1; }
n=$((earlier + new))
awk -F, -v n="$n" 'FNR == 1 { f++; next }
    f == 1 { acc[++a] = $1 }
    f == 2 && $4 == "recurring" { sku[++s] = $1 }
    END {
	print "quote_ref,account_id,sku,quantity"
	for (i = 1; i <= n; i++)
		printf "R-%d,%s,%s,%d\n", i, acc[(i - 1) % a + 1],
		    sku[(i - 1) % s + 1], i % 5 + 1
    }' "$dir/accounts.csv" "$dir/products.csv" >"$dir/lines.csv"
awk -v n="$n" 'BEGIN {
	print "lead_id,created_on,source,company,status"
	for (i = 1; i <= n; i++)
		printf "L-%06d,2026-01-01,web,Company %d,qualified\n", i, i
    }' >"$dir/leads.csv"

rm -f "$dir"/*.db "$dir"/*.db-wal "$dir"/*.db-shm "$dir/failed"
for e in accounts products prices fx_rates; do
	must "$bin/revops-import" -D "$dir/base.db" "$e" "$dir/$e.csv"
done
cp "$dir/base.db" "$dir/quotes-none.db"
cp "$dir/base.db" "$dir/quotes-many.db"
cp "$dir/base.db" "$dir/leads-none.db"
cp "$dir/base.db" "$dir/leads-many.db"
q="$bin/revops-quote --as-of 2026-06-01"
# none: the last 5,000 lines' quotes alone; many: all, the first 100,000
# accepted
tail -n "$new" "$dir/lines.csv" | sed '1i quote_ref,account_id,sku,quantity' \
    >"$dir/lines-new.csv"
must $q -D "$dir/quotes-none.db" new "$dir/lines-new.csv"
cut -d, -f1 "$dir/setup.out" >"$dir/accept-none.csv"
must $q -D "$dir/quotes-many.db" new "$dir/lines.csv"
cut -d, -f1 "$dir/setup.out" >"$dir/quotes-all.csv"
head -n $((earlier + 1)) "$dir/quotes-all.csv" >"$dir/accept-earlier.csv"
{ echo quote_id; tail -n "$new" "$dir/quotes-all.csv"; } \
    >"$dir/accept-many.csv"
must $q -D "$dir/quotes-many.db" accept - <"$dir/accept-earlier.csv"
p="$bin/revops-pipeline --on 2026-06-01"
{ head -n 1 "$dir/leads.csv"; tail -n "$new" "$dir/leads.csv"; } \
    >"$dir/leads-new.csv"
must "$bin/revops-import" -D "$dir/leads-none.db" leads "$dir/leads-new.csv"
must "$bin/revops-import" -D "$dir/leads-many.db" leads "$dir/leads.csv"
cut -d, -f1 "$dir/leads.csv" | head -n $((earlier + 1)) \
    >"$dir/convert-earlier.csv"
must $p -D "$dir/leads-many.db" convert - <"$dir/convert-earlier.csv"
cut -d, -f1 "$dir/leads-new.csv" >"$dir/convert-new.csv"

# ---- the runs ----------------------------------------------------------------

# timed DB PROGRAM... < INPUT: ms (wall, tenths) of PROGRAM on a fresh
# copy of DB.
timed() {
	src=$1
	shift
	rm -f "$dir/t.db" "$dir/t.db-wal" "$dir/t.db-shm"
	cp "$src" "$dir/t.db"
	sync
	t0=$(date +%s%N)
	"$@" >"$dir/run.out" 2>"$dir/run.err"
	rc=$?
	t1=$(date +%s%N)
	if [ "$rc" -ne 0 ] || [ ! -s "$dir/run.out" ]; then
		# in $(...): the caller sees the file, not a variable
		echo "ids.sh: failed (exit $rc): $*" >&2
		tail -n 3 "$dir/run.err" >&2
		: >"$dir/failed"
	fi
	echo $(((t1 - t0) / 100000))
}

# job NAME NONE-DB MANY-DB CMD INPUT-NONE INPUT-MANY
job() {
	name=$1 none=$2 many=$3 cmd=$4 in0=$5 in1=$6
	i=0
	: >"$dir/$name.times"
	while [ $i -lt "$runs" ]; do
		a=$(timed "$dir/$none" $cmd -D "$dir/t.db" <"$dir/$in0")
		b=$(timed "$dir/$many" $cmd -D "$dir/t.db" <"$dir/$in1")
		echo "$a $b" >>"$dir/$name.times"
		i=$((i + 1))
	done
	awk -v name="$name" '{ a[NR] = $1; b[NR] = $2; r[NR] = $2 / $1 }
	    function med(v, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
				t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
			}
		return v[int((n + 1) / 2)]
	    }
	    END {
		x = med(a, NR); y = med(b, NR); z = med(r, NR)
		printf "%-16s %10.3f %10.3f %8.2f %s\n", name, x / 1e4, y / 1e4,
		    z, z <= 1.2 ? "PASS" : "MISS"
	    }' "$dir/$name.times"
}

echo "a new id: 5,000 into a database of none and of 100,000 earlier," \
    "median of $runs pairs"
printf '%-16s %10s %10s %8s\n' job "none (s)" "100k (s)" ratio
job "quote accept" quotes-none.db quotes-many.db "$q accept -" \
    accept-none.csv accept-many.csv
job "pipeline convert" leads-none.db leads-many.db "$p convert -" \
    convert-new.csv convert-new.csv
rm -f "$dir"/t.db*
[ -e "$dir/failed" ] && exit 1
exit 0
