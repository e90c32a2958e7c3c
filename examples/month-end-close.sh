#!/bin/sh
# Month-end close on the sample company: bill April 2026, apply the
# payments received, see what is overdue, recognise the month's revenue,
# and hand finance a spreadsheet.
# Run it with the programs on PATH: sh examples/month-end-close.sh [DATABASE]
set -eu
data=$(cd "$(dirname "$0")/data" && pwd)
export REVOPS_DB=${1:-close.db}
rm -f "$REVOPS_DB" "$REVOPS_DB-wal" "$REVOPS_DB-shm"
revops-import --upsert settings "$data/settings.csv"
for entity in accounts products prices tax_rates fx_rates contracts \
    subscriptions invoices payments usage; do
	revops-import "$entity" "$data/$entity.csv"
done

# 1. Bill the month: subscription periods starting in April, March's
#    usage, one invoice per account and currency.  Run it twice: the
#    second run bills nothing.
revops-invoice run --period 2026-04 > april.csv
echo "billed: $(($(wc -l < april.csv) - 1)) invoice lines"
revops-invoice run --period 2026-04 | wc -l

# 2. Apply the payments received by the end of the month (EUR payments
#    on USD invoices, if any, at the day's rate).
revops-invoice apply --as-of 2026-04-30 --convert > applied.csv
echo "applied: $(($(wc -l < applied.csv) - 1)) payments"

# 3. What is owed, by age, and who gets a reminder.
revops-invoice aging --as-of 2026-04-30 --format table | tail -3
revops-invoice dunning --as-of 2026-04-30 --tsv --no-header |
    awk -F '\t' '{ n[$8]++ } END { for (l in n) print "dunning level " l ": " n[l] " invoices" }' |
    sort

# 4. April's recognised revenue per currency, and what is still deferred.
revops-invoice schedule --from 2026-04 --to 2026-04 |
    awk -F, 'NR > 1 { sum[$4] += $6 } END { for (c in sum) printf "recognised in April: %s %.2f\n", c, sum[c] }' |
    sort

# 5. The invoices of the month for finance, ready for a spreadsheet.
revops-invoice export --from 2026-04 --to 2026-04 --excel > april-invoices.csv
echo "export: $(($(wc -l < april-invoices.csv) - 1)) invoices"
