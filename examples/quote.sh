#!/bin/sh
# Configure, price and quote on the sample company: price a few lines,
# make two quotes, approve the one that breaks a rule, accept both, and
# look at the order, contract and subscriptions they became.
# Run it with the programs on PATH: sh examples/quote.sh [DATABASE]
set -eu
data=$(cd "$(dirname "$0")/data" && pwd)
export REVOPS_DB=${1:-quote.db}
rm -f "$REVOPS_DB" "$REVOPS_DB-wal" "$REVOPS_DB-shm"
for entity in accounts products prices rules fx_rates; do
	revops-import "$entity" "$data/$entity.csv"
done

# 1. What would 15 Pro seats cost, and 30 Core seats at 25% off?  price
#    writes nothing; the rules column names the rules a line breaks.
printf 'sku,quantity,discount_pct\nPRO-SEAT,15,\nCORE-SEAT,30,25\n' |
    revops-quote price --currency USD --on 2026-04-01 --format table

# 2. Two quotes from one CSV: a line per product, a quote per quote_ref.
cat > lines.csv <<'LINES'
quote_ref,account_id,sku,quantity,discount_pct,term_months
hilltop,A-0050,PRO-SEAT,12,5,12
hilltop,A-0050,ONBOARD,1,,
lindqvist,A-0048,CORE-SEAT,40,25,24
LINES
revops-quote new --on 2026-04-01 < lines.csv > quotes.csv
cut -d, -f1-3,7,15 quotes.csv

# 3. The 25% discount needs the sales manager; then both are approved.
revops-quote approve --as sales_manager --note "multi-year" --on 2026-04-02 Q-000002 >/dev/null

# 4. Both accepted: orders, contracts and subscriptions.
revops-quote list --on 2026-04-02 --no-header | cut -d, -f1 |
    sed '1i quote_id' | revops-quote accept --on 2026-04-03 --format table
revops-quote list --as-of 2026-04-03 --format table
