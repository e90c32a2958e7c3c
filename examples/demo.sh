#!/bin/sh
# The demo: the sample company of examples/data through the whole
# quote-to-cash cycle in a new database, from its import to the HTML
# report, saying what each step did.  The company's books run to March
# 2026; the demo is its April to June.
# Usage: demo.sh BINDIR DATABASE [REPORT]: DATABASE a file, made anew, or
# a postgresql:// URL of an empty database; REPORT by default report.html
# next to the file, or in the current folder.
set -eu
bindir=$(cd "$1" && pwd)
db=$2
data=$(cd "$(dirname "$0")/data" && pwd)
PATH="$bindir:$PATH"
export REVOPS_DB="$db"
case $db in
postgres://* | postgresql://*)
	report=${3:-report.html}
	# counts SQL: the one row of SQL, as the sqlite3 shell prints it
	counts() { psql -X -A -t -d "$db" -c "$1"; }
	;;
*)
	report=${3:-$(dirname "$db")/report.html}
	counts() { sqlite3 "$db" "$1"; }
	rm -f "$db" "$db-wal" "$db-shm"
	;;
esac
work=$(mktemp -d "${TMPDIR:-/tmp}/revops-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

step() {
	printf '\n== %s\n' "$*"
}

# rows FILE: the data rows of a CSV with a header.
rows() {
	echo $(($(wc -l <"$1") - 1))
}

step "1. import the sample company into $db"
# settings and stages come with a new database: the company's own replace
# them.  The rest go in the order their references need.
revops-import -q --upsert settings "$data/settings.csv"
revops-import -q --replace stages "$data/stages.csv"
for entity in accounts products prices rules tax_rates fx_rates leads \
    opportunities stage_history contracts subscriptions invoices payments \
    usage users spend csat; do
	revops-import -q "$entity" "$data/$entity.csv"
done
counts "SELECT count(*) || ' accounts, ' ||
    (SELECT count(*) FROM subscriptions) || ' subscriptions, ' ||
    (SELECT count(*) FROM invoices) || ' invoices, ' ||
    (SELECT count(*) FROM opportunities) || ' opportunities' FROM accounts"

step "2. the pipeline: qualified leads become opportunities, then move on"
revops-pipeline convert --all-qualified --on 2026-04-01 >"$work/converted.csv"
echo "converted $(rows "$work/converted.csv") qualified leads:" \
    "$(cut -d, -f1 "$work/converted.csv" | sed 1d | tr '\n' ' ')"
awk -F, 'NR == 1 { print "opportunity_id,stage,changed_on"; next }
    { print $1 ",qualification,2026-04-08" }' "$work/converted.csv" |
    revops-pipeline move >/dev/null
printf 'opportunity_id,stage,changed_on\nOPP-0013,closed_won,2026-04-10\nOPP-0037,closed_won,2026-04-14\n' |
    revops-pipeline move >/dev/null
echo "moved them to qualification; won OPP-0013 and OPP-0037"
revops-pipeline forecast --from 2026-04 --to 2026-06 --format table

step "3. quotes: the deals won in April, and a discount that needs approval"
revops-pipeline won --since 2026-04-01 |
    revops-quote new --on 2026-04-15 --sku PRO-SEAT --quantity 10 \
    >"$work/quotes.csv"
printf 'quote_ref,account_id,sku,quantity,discount_pct,term_months\nlindqvist,A-0048,CORE-SEAT,40,25,24\n' |
    revops-quote new --on 2026-04-15 >>"$work/quotes.csv"
revops-quote list --as-of 2026-04-15 --format table
revops-quote approve --as sales_manager --note "24 months" \
    --on 2026-04-16 Q-000003 >/dev/null
echo "the sales manager approved Q-000003"
revops-quote list --status approved --as-of 2026-04-20 |
    revops-quote accept --on 2026-04-20 --start 2026-05-01 \
    >"$work/accepted.csv"
echo "accepted: $(cut -d, -f1 "$work/accepted.csv" | sed 1d | sort -u |
    wc -l) quotes, $(rows "$work/accepted.csv") order lines, subscriptions" \
    "from 2026-05-01"

step "4. bill April, May and June, with a plan change, a pause and late usage"
# bill MONTH [ACCOUNT...]: runs the month, and shows those accounts' lines
bill() {
	revops-invoice run --tsv --period "$1" >"$work/run.tsv"
	echo "$1: $(rows "$work/run.tsv") invoice lines on" \
	    "$(cut -f1 "$work/run.tsv" | sed 1d | sort -u | wc -l) invoices"
	shift
	for account in "$@"; do
		echo "  $account:"
		awk -F'\t' -v a="$account" '$2 == a {
		    printf "%9s %s\n", $12, $8 }' "$work/run.tsv"
	done
}
bill 2026-04
# Keystone (A-0020) moves its 10 Core seats a month to Pro seats a year on
# 12 May: the old plan ends that day, and the new one (replaces) runs its
# year to the anniversary of the month it left, 1 May 2027.
printf '%s\n' \
    subscription_id,account_id,sku,quantity,unit_price,billing_period,start_date,end_date,replaces \
    S-0035,A-0020,CORE-SEAT,10,25.00,month,2025-05-01,2026-05-12, \
    S-0200,A-0020,PRO-SEAT,10,540.00,year,2026-05-12,,S-0035 |
    revops-import -q --upsert subscriptions
echo "A-0020 changes plan on 2026-05-12: S-0200 replaces S-0035"
bill 2026-05 A-0020
# Ridgeline (A-0029) pauses from 18 May through 14 June, after May was
# billed; an event of April's usage for A-0004 comes in late.
revops-invoice pause S-0052 --from 2026-05-18 --to 2026-06-14 >/dev/null
echo "S-0052 of A-0029 paused from 2026-05-18 through 2026-06-14"
printf 'event_id,account_id,sku,quantity,used_on\nE-000900,A-0004,API-CALLS,400,2026-04-29\n' |
    revops-import -q usage
echo "a late event of April's usage for A-0004"
bill 2026-06 A-0029 A-0004

step "5. the card payments of April to June, from Stripe; apply them, and see what is owed"
# Stripe charges the invoices of those who pay by card: its payments
# export has revops's ids in the metadata, and a failed charge is left out.
revops-import -q --from stripe payments "$data/stripe/payments.csv"
echo "from Stripe: $(counts "SELECT count(*) FROM payments WHERE
    payment_id LIKE 'ch_%'") card payments;" \
    "A-0017's May charge failed and was retried on 2026-05-04"
revops-invoice apply --as-of 2026-06-30 >"$work/applied.csv"
echo "applied: $(rows "$work/applied.csv") payments to invoices"
revops-invoice aging --as-of 2026-06-30 --by segment --format table

step "6. the metrics of the first half of 2026"
revops-metrics --from 2026-01 --to 2026-06 --format table mrr new_mrr \
    expansion_mrr contraction_mrr churned_mrr nrr grr
revops-metrics reconcile --as-of 2026-06-30 --format table

step "7. the report"
revops-metrics --as-of 2026-06-30 --from 2025-07 --to 2026-06 \
    --report "$report"
echo "the report of June 2026 is in $report"
