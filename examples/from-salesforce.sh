#!/bin/sh
# From Salesforce to revops: Data Loader's exports of Account,
# OpportunityStage, Opportunity and OpportunityHistory, read through
# revops's mapping of Salesforce (revops-import(1), "Salesforce"), with
# --upsert, so that the same exports can be loaded every night and only
# what changed changes.  The org's stages are the whole table (--replace).
# Usage: REVOPS_DB=revops.db sh from-salesforce.sh [EXPORT_DIR]
set -eu
dir=${1:-$(dirname "$0")/exports/salesforce}
revops-import --from salesforce --upsert Account "$dir/Account.csv"
revops-import --from salesforce --replace OpportunityStage \
    "$dir/OpportunityStage.csv"
revops-import --from salesforce --upsert Opportunity "$dir/Opportunity.csv"
revops-import --from salesforce --upsert OpportunityHistory \
    "$dir/OpportunityHistory.csv"
