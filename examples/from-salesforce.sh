#!/bin/sh
# From a Salesforce export to revops: the Account and Opportunity reports
# (Data Loader or "Export Details", every field quoted) mapped onto the
# import contract (man 7 revops) and imported with --upsert, so that the
# same export can be loaded every night and only what changed changes.
#
# The mapping is SQL in the sqlite3 shell, which reads quoted CSV with
# commas and doubled quotes inside fields as it should; a Miller user
# would write the same with `mlr --csv rename ... then put ...`.
#
# Usage: REVOPS_DB=revops.db sh from-salesforce.sh [EXPORT_DIR]
set -eu
dir=${1:-$(dirname "$0")/salesforce}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/from-salesforce.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# map FILE SQL: the SELECT over the export (table `x`) as CSV.
map() {
	sqlite3 -csv -header :memory: ".import --csv '$1' x" "$2"
}

# Accounts: Salesforce ids stay the ids (references in other exports use
# them); dates lose their time; the segment is a custom field here.
map "$dir/Account.csv" "
SELECT Id AS account_id, Name AS name,
    lower(replace(Segment__c, '-', '_')) AS segment,
    BillingCountry AS region, lower(Industry) AS industry,
    \"Owner.Name\" AS owner, CurrencyIsoCode AS currency,
    substr(CreatedDate, 1, 10) AS created_on,
    nullif(Billing_Email__c, '') AS billing_email
FROM x" >"$tmp/accounts.csv"

# Opportunities: Salesforce's stage and type names onto revops's.
map "$dir/Opportunity.csv" "
SELECT Id AS opportunity_id, AccountId AS account_id, Name AS name,
    CASE Type WHEN 'Existing Customer - Upgrade' THEN 'expansion'
        WHEN 'Existing Customer - Replacement' THEN 'renewal'
        WHEN 'Renewal' THEN 'renewal' ELSE 'new' END AS type,
    CASE StageName WHEN 'Prospecting' THEN 'prospecting'
        WHEN 'Qualification' THEN 'qualification'
        WHEN 'Needs Analysis' THEN 'qualification'
        WHEN 'Proposal/Price Quote' THEN 'proposal'
        WHEN 'Negotiation/Review' THEN 'negotiation'
        WHEN 'Closed Won' THEN 'closed_won'
        WHEN 'Closed Lost' THEN 'closed_lost' END AS stage,
    Amount AS amount, CurrencyIsoCode AS currency,
    substr(CreatedDate, 1, 10) AS created_on, CloseDate AS close_date,
    \"Owner.Name\" AS owner
FROM x" >"$tmp/opportunities.csv"

revops-import --upsert accounts <"$tmp/accounts.csv"
revops-import --upsert opportunities <"$tmp/opportunities.csv"
