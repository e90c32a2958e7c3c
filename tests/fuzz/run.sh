#!/bin/sh
# Runs each fuzzer that `make fuzz` built in DIR for SECONDS, on a working
# corpus DIR/corpus/NAME seeded from tests/fuzz/corpus/NAME: what it finds
# stays there, out of the tree.  A crash, a leak, a hang or a runaway use
# of memory fails the run and leaves its input in DIR/NAME-crash-... (or
# leak-, timeout-, oom-), to add to the unit tests once fixed.
# Usage: run.sh DIR SECONDS NAME...
dir=$1 seconds=$2
shift 2
top=$(cd "$(dirname "$0")" && pwd)

# One line from the statistics at the end of a fuzzer's log.
summary() {
	awk -v name="$1" '
	/^stat::number_of_executed_units:/ { runs = $2 }
	/^stat::average_exec_per_sec:/ { rate = $2 }
	/^stat::peak_rss_mb:/ { rss = $2 }
	$2 == "DONE" {
		for (i = 1; i < NF; i++)
			if ($i == "corp:")
				corp = $(i + 1)
	}
	END {
		printf "fuzz %s: %s runs, %s/s, corpus %s, %s MB, no crash\n",
		    name, runs, rate, corp, rss
	}' "$2"
}

# fuzz NAME: runs one, its log in DIR/NAME.log, its exit status in
# DIR/NAME.rc.
fuzz() {
	case $1 in
	csv)	opts="-max_len=65536" ;;
	money)	opts="-max_len=64" ;;
	date)	opts="-max_len=16" ;;
	*)	opts= ;;
	esac
	mkdir -p "$dir/corpus/$1"
	cp "$top/corpus/$1/"* "$dir/corpus/$1/"
	"$dir/${1}_fuzz" -max_total_time="$seconds" $opts \
	    -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
	    -artifact_prefix="$dir/$1-" "$dir/corpus/$1" >"$dir/$1.log" 2>&1
	echo $? >"$dir/$1.rc"
}

# All at once: on a machine of few cores each gets less of one, but the
# run takes SECONDS, not SECONDS a fuzzer (CI's time is bounded).
for name in "$@"; do
	rm -f "$dir/$name.rc"
	fuzz "$name" &
done
wait
status=0
for name in "$@"; do
	log=$dir/$name.log
	if [ "$(cat "$dir/$name.rc" 2>/dev/null)" = 0 ]; then
		summary "$name" "$log"
	else
		status=1
		tail -n 60 "$log"
		echo "fuzz $name: FAILED (log $log); run $dir/${name}_fuzz" \
		    "on the saved input to see it again"
	fi
done
exit $status
