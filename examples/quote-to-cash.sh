#!/bin/sh
# Quote to cash in one pipe, with no file in between: the deals won in
# March become quotes for five Pro seats each, the quotes are accepted
# (an order, a contract and a subscription each, from 1 April), and the
# accounts they are for are billed for April.  Each program writes the
# records it made, and the next one reads the ids it needs from them.
# Run it with the programs on PATH: sh examples/quote-to-cash.sh [DATABASE]
set -eu
data=$(cd "$(dirname "$0")/data" && pwd)
export REVOPS_DB=${1:-q2c.db}
rm -f "$REVOPS_DB" "$REVOPS_DB-wal" "$REVOPS_DB-shm"
revops-import --upsert settings "$data/settings.csv"
revops-import --replace stages "$data/stages.csv"
for entity in accounts products prices rules tax_rates fx_rates leads \
    opportunities stage_history; do
	revops-import "$entity" "$data/$entity.csv"
done

# won:    the won opportunities closed since 1 March, with their account;
# new:    a quote for each (its ref the opportunity), five PRO-SEAT;
# accept: each approved quote becomes an order, a contract and a
#         subscription starting 1 April, written with its account;
# run:    the April billing run of those accounts only ('-': the
#         accounts of the CSV on stdin; without it, every account).
revops-pipeline won --since 2026-03-01 |
    revops-quote new --on 2026-03-31 --sku PRO-SEAT --quantity 5 |
    revops-quote accept --on 2026-03-31 --start 2026-04-01 |
    revops-invoice run --period 2026-04 - > april.csv

echo "billed: $(($(wc -l < april.csv) - 1)) invoice lines"
revops-quote list --status accepted --as-of 2026-04-01 --format table
revops-invoice list --as-of 2026-04-01 --format table
