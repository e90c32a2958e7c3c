#!/bin/sh
# The demo: load the sample company of examples/data into a new database,
# show what went in, its MRR and the reconciliation, and write the HTML
# report next to the database.  Usage: demo.sh BINDIR DATABASE
set -eu
bindir=$(cd "$1" && pwd)
db=$2
data=$(cd "$(dirname "$0")/data" && pwd)
PATH="$bindir:$PATH"
export REVOPS_DB="$db"
rm -f "$db" "$db-wal" "$db-shm"

echo "== importing the sample company into $db"
# settings and stages come with a new database: the company's own replace
# them.  The rest go in the order their references need.
revops-import --upsert settings "$data/settings.csv"
revops-import --replace stages "$data/stages.csv"
for entity in accounts products prices rules tax_rates fx_rates leads \
    opportunities stage_history contracts subscriptions invoices payments \
    usage users spend csat; do
	revops-import "$entity" "$data/$entity.csv"
done

echo
echo "== what was loaded"
sqlite3 -column -header "$db" "
SELECT 'accounts' AS entity, count(*) AS rows FROM accounts
UNION ALL SELECT 'products', count(*) FROM products
UNION ALL SELECT 'subscriptions', count(*) FROM subscriptions
UNION ALL SELECT 'invoices', count(*) FROM invoices
UNION ALL SELECT 'invoice lines', count(*) FROM invoice_lines
UNION ALL SELECT 'payments', count(*) FROM payments
UNION ALL SELECT 'opportunities', count(*) FROM opportunities
UNION ALL SELECT 'leads', count(*) FROM leads"

echo
echo "== invoiced per month and currency"
# Amounts are stored in cents (both currencies here have two decimals).
sqlite3 -column -header "$db" "
SELECT substr(issue_date, 1, 7) AS month, currency, count(*) AS invoices,
	printf('%d.%02d', sum(total_minor) / 100, sum(total_minor) % 100) AS total
FROM invoice_totals GROUP BY month, currency ORDER BY month, currency"

echo
echo "== the first accounts, as revops-import --export writes them"
revops-import --export accounts --format table | head -7

echo
echo "== MRR and its movements, the first half of 2026"
revops-metrics --from 2026-01 --to 2026-06 --format table mrr new_mrr \
    expansion_mrr contraction_mrr churned_mrr nrr grr

echo
echo "== the invariants, checked"
revops-metrics reconcile --as-of 2026-06-30 --format table

report=$(dirname "$db")/report.html
revops-metrics --as-of 2026-06-30 --from 2025-07 --to 2026-06 \
    --report "$report"
echo
echo "== the report of June 2026 is in $report"
