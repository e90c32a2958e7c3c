#!/bin/sh
# The nightly job: load what the company's systems dropped into DROP_DIR
# since the last run, then write the day's report and metrics to OUT_DIR.
#
# Each DROP_DIR/ENTITY.csv (accounts.csv, subscriptions.csv, ...) goes in
# with --upsert, so that a full export every night changes only what
# changed, in the order the references need, and is moved to
# DROP_DIR/done/DAY/ once in.  A file that does not import stays where it
# is, the database keeps what it had (each import is all or nothing), a
# line in OUT_DIR/nightly.log says why, no report is written (yesterday's
# stays), and the job exits 1, which makes cron mail the log.
#
# Safe while analysts use the same database: SQLite's WAL lets them read
# the last committed state, and a writer waits for another up to the busy
# timeout (--busy-timeout, 10 s by default).
#
# Usage: REVOPS_DB=revops.db sh nightly-report.sh DROP_DIR OUT_DIR [DAY]
# (DAY defaults to today, UTC).  See examples/crontab.
set -u
[ $# -ge 2 ] || { echo "usage: nightly-report.sh DROP_DIR OUT_DIR [DAY]" >&2; exit 2; }
drop=$1
out=$2
day=${3:-$(date -u +%Y-%m-%d)}
log=$out/nightly.log
mkdir -p "$out" "$drop/done/$day" || exit 3

say() {
	printf '%s nightly %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$day" \
	    "$*" >>"$log"
}

# The entities in the order their references need.
for entity in settings accounts products prices rules tax_rates fx_rates \
    leads opportunities stage_history contracts subscriptions invoices \
    payments usage users spend csat; do
	file=$drop/$entity.csv
	[ -f "$file" ] || continue
	if msg=$(revops-import --upsert "$entity" "$file" 2>&1); then
		say "$(printf '%s' "$msg" | tail -n 1 | sed 's/^revops-import: //')"
		mv "$file" "$drop/done/$day/"
	else
		printf '%s\n' "$msg" | sed 's/^/    /' >>"$log"
		say "FAILED: $entity.csv was not imported; the database keeps" \
		    "what it had, and no report is written"
		exit 1
	fi
done

# The report and the metrics of the twelve months to DAY, each written
# aside and moved in place only when whole: the metrics to a new file of
# their folder (mktemp, so that no symlink is followed), removed if the
# job fails or is killed, with the mode a new file would have.
report=$out/report-$day.html
metrics=$out/metrics-$day.csv
tmp=$(mktemp "$metrics.XXXXXX") || exit 3
trap 'rm -f "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
chmod "$(printf '%o' $((0666 & ~$(umask))))" "$tmp"
if ! revops-metrics --as-of "$day" --report "$report" 2>>"$log" ||
    ! revops-metrics --as-of "$day" >"$tmp" 2>>"$log" ||
    ! mv "$tmp" "$metrics"; then
	say "FAILED: the report or the metrics could not be written"
	exit 1
fi
say "wrote $report and $metrics"
