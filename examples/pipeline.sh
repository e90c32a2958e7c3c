#!/bin/sh
# The sales pipeline of the sample company, from leads to a forecast.
# Run it with the programs on PATH: sh examples/pipeline.sh [DATABASE]
set -eu
data=$(cd "$(dirname "$0")/data" && pwd)
export REVOPS_DB=${1:-pipeline.db}
rm -f "$REVOPS_DB" "$REVOPS_DB-wal" "$REVOPS_DB-shm"

# 1. Load what the CRM exported: accounts, leads, opportunities and their
#    stage history, and the exchange rates for the EUR deals.
for entity in accounts leads opportunities stage_history fx_rates; do
	revops-import "$entity" "$data/$entity.csv"
done

# 2. Every qualified lead becomes an opportunity at the first stage; the
#    new opportunities come out as CSV.
revops-pipeline convert --all-qualified --on 2026-04-10 > converted.csv
cat converted.csv

# 3. The first of them had its discovery call: move it on.  Moves can also
#    come as a CSV (opportunity_id,stage,changed_on) on standard input.
first=$(sed -n 2p converted.csv | cut -d, -f1)
revops-pipeline move "$first" qualification --on 2026-04-14 >/dev/null

# 4. Where the quarter will land, and how fast deals move.
revops-pipeline forecast --by quarter --from 2026-01 --to 2026-12 --format table
revops-pipeline velocity --as-of 2026-04-15 --format table
revops-pipeline funnel --from 2026-01 --to 2026-03 --format table
