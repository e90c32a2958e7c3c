#!/bin/sh
# A damaged database (DESIGN.md section 5: "a corrupt or truncated
# database file is an error (exit 3) for every verb, never a short or
# empty result").  Makes a small company with tests/bench/gen (scale
# 0.01: 1,000 accounts, 3,000 subscriptions, 10,000 invoice lines, with
# payments applied and quotes accepted, and a row or two of each entity
# gen does not make), then three copies, each with one leaf page in the
# middle of one b-tree overwritten with zeros: the table invoice_lines,
# the table subscriptions (in account order, with every column: what the
# billing run and the metrics read), and the index of its ids alone,
# through which a subscription is found by its id.  Every read verb of every program runs on each
# copy.  A verb that reads the damaged b-tree must exit 3 with the
# database's message; rows it printed before it reached the page are no
# result.  A verb that does not read it must give exactly what it gives
# on the intact database.  Which verb reads what is the table below,
# decided from their SQL.  Prints what failed; exits 1 on any failure.
# Usage: sh tests/damaged.sh BINDIR GEN
bindir=$(cd "$1" && pwd) || exit 2
# the tester's own config file (revops(7)) is no part of the test
export REVOPS_CONFIG=
case $2 in /*) gen=$2 ;; *) gen=$PWD/$2 ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/revops-damaged.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
PATH="$bindir:$PATH" LC_ALL=C TZ=UTC USER=tester
export PATH LC_ALL TZ USER
unset REVOPS_DB
asof=2026-12-31	# the last day of the generated invoices

# ---- the company --------------------------------------------------------
for e in accounts products prices tax_rates fx_rates subscriptions \
    invoices payments usage opportunities stage_history; do
	"$gen" --scale 0.01 "$e" >"$e.csv" &&
	    revops-import -D intact.db "$e" "$e.csv" 2>.err || {
		cat .err
		echo "damaged: the generated $e do not import"
		exit 1
	}
done
# one quote a line; the prices took effect on 2025-01-01 (gen.c)
"$gen" --scale 0.01 --rows 40 quote_lines |
    awk -F, 'NR == 1 { print "quote_ref," $0; next } { print "R" NR "," $0 }' \
    >quote_lines.csv
{ revops-quote -D intact.db new --on 2025-01-15 quote_lines.csv &&
    revops-quote -D intact.db accept --on 2025-01-20 Q-000001 Q-000002 &&
    revops-invoice -D intact.db apply --as-of "$asof"; } >/dev/null 2>.err || {
	cat .err
	echo "damaged: the generated company's quotes and payments fail"
	exit 1
}
# a row or two of what gen does not make, so that every export has rows
printf '%s\n' rule_id,applies_to,kind,threshold,approver \
    'R-1,*,max_discount,30,sales_manager' >rules.csv
printf '%s\n' lead_id,created_on,status L-1,2025-01-05,new \
    L-2,2025-01-06,qualified >leads.csv
printf '%s\n' user_id,account_id,activated_on U-1,ACC-000001,2025-02-01 \
    >users.csv
printf '%s\n' month,kind,amount,currency 2025-01,marketing,1000.00,USD \
    >spend.csv
printf '%s\n' response_id,account_id,responded_on,score \
    C-1,ACC-000001,2025-03-01,5 >csat.csv
# a pause of the first subscription (from 2025-04-13, with no end)
printf '%s\n' subscription_id,start_date,end_date \
    "$(sed -n 2p subscriptions.csv | cut -d, -f1),2026-03-01,2026-04-01" \
    >pauses.csv
for e in rules leads users spend csat pauses; do
	revops-import -D intact.db "$e" "$e.csv" 2>.err || {
		cat .err
		echo "damaged: the $e of this script do not import"
		exit 1
	}
done
# every page in the file itself, none left in the write-ahead log
sqlite3 intact.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
sqlite3 -header -csv intact.db "SELECT invoice_id FROM invoices
    ORDER BY invoice_id" >invoices.ids
sqlite3 -header -csv intact.db "SELECT quote_id FROM quotes
    ORDER BY quote_id" >quotes.ids

# damage NAME COPY: COPY is intact.db with the middle leaf of b-tree NAME
# (in key order) overwritten with zeros, or its root where SQLite has no
# dbstat table.
damage() {
	size=$(sqlite3 intact.db "PRAGMA page_size")
	page=$(sqlite3 intact.db "SELECT pageno FROM dbstat WHERE name = '$1'
	    AND pagetype = 'leaf' ORDER BY path LIMIT 1 OFFSET
	    (SELECT count(*) / 2 FROM dbstat WHERE name = '$1'
	    AND pagetype = 'leaf')" 2>/dev/null) ||
	    page=$(sqlite3 intact.db "SELECT rootpage FROM sqlite_master
	    WHERE name = '$1'")
	if [ -z "$page" ] || [ "$page" -le 1 ]; then
		echo "damaged: no page of $1 found"
		exit 1
	fi
	cp intact.db "$2"
	dd if=/dev/zero of="$2" bs="$size" seek=$((page - 1)) count=1 \
	    conv=notrunc 2>/dev/null
}
damage invoice_lines lines.db
damage subscriptions subs.db
damage sqlite_autoindex_subscriptions_1 subs_index.db

# ---- the verbs ----------------------------------------------------------
# One line a verb: what it does on each copy, for invoice_lines,
# subscriptions and the index of subscription ids (3: it reads the b-tree, so
# exits 3; 0: it does not, so gives what it gives on the intact
# database), then the command.  A command's stdin is /dev/null unless it
# ends in "< FILE".
metrics="mrr arr new_mrr expansion_mrr contraction_mrr churned_mrr
    reactivation_mrr paying_accounts new_accounts churned_accounts
    logo_churn_rate gross_revenue_churn net_revenue_churn grr nrr
    renewal_rate renewal_rate_value arpa ltv cac cac_payback_months tcv acv
    bookings_new bookings_expansion bookings_renewal dso rpo crpo csat
    adoption_rate seat_utilization margin win_rate avg_deal_size
    sales_cycle_days pipeline_velocity"
entities=$(revops-import --list | awk '{ print $1 }')
{
	cat <<EOF
3 0 0 revops-invoice aging --as-of $asof
3 0 0 revops-invoice dunning --as-of $asof
3 0 0 revops-invoice list --as-of $asof
3 0 0 revops-invoice show --as-of $asof < invoices.ids
3 0 0 revops-invoice export --from 2024-01-01 --to $asof
3 0 0 revops-invoice export --lines --from 2024-01-01 --to $asof
3 0 0 revops-invoice schedule --from 2024-01 --to 2026-12
3 0 0 revops-invoice deferred --as-of $asof
3 3 0 revops-metrics --from 2026-01 --to 2026-12
3 3 0 revops-metrics --from 2026-01 --to 2026-12 --by quarter --segment region
0 3 0 revops-metrics --from 2026-01 --to 2026-12 --detail mrr
3 3 0 revops-metrics --as-of $asof --report report.html
3 3 0 revops-metrics reconcile --as-of $asof
0 0 0 revops-pipeline list
0 0 0 revops-pipeline won --since 2024-01-01
0 0 0 revops-pipeline funnel --from 2024-07 --to 2026-06
0 0 0 revops-pipeline forecast --from 2024-07 --to 2026-12
0 0 0 revops-pipeline velocity --as-of 2026-06-30
0 0 0 revops-pipeline stages
0 0 0 revops-quote price --on 2025-01-15 quote_lines.csv
0 0 0 revops-quote list --as-of 2025-01-20
0 0 0 revops-quote show --as-of 2025-01-20 < quotes.ids
0 0 0 revops-quote show --lines --as-of 2025-01-20 < quotes.ids
0 0 0 revops-import --log
EOF
	for m in $metrics; do
		echo "3 3 0 revops-metrics $m --from 2026-01 --to 2026-12"
	done
	for e in $entities; do
		case $e in
		invoices) echo "3 0 0 revops-import --export invoices" ;;
		subscriptions) echo "0 3 3 revops-import --export subscriptions" ;;
		*) echo "0 0 0 revops-import --export $e" ;;
		esac
	done
} >verbs

pass=0 fail=0
# run DB: runs $command on DB with stdin $input, its output in .out and
# .err, its status in $rc.
run() {
	rm -f report.html
	REVOPS_DB=$1 $command <"$input" >.out 2>.err
	rc=$?
}
while read -r on_lines on_subs on_index command; do
	input=/dev/null
	case $command in *" < "*)
		input=${command##* < }
		command=${command% < *} ;;
	esac
	run intact.db
	if [ "$rc" != 0 ]; then
		echo "FAIL $command: exit $rc on the intact database"
		sed 's/^/    /' .err | head -3
		fail=$((fail + 1))
		continue
	fi
	[ -f report.html ] && mv report.html .out
	# a header alone would show nothing of what a damaged page hides
	if [ "$(wc -l <.out)" -lt 2 ]; then
		echo "FAIL $command: no rows on the intact database"
		fail=$((fail + 1))
		continue
	fi
	mv .out .intact
	for copy in "lines.db $on_lines invoice_lines" \
	    "subs.db $on_subs subscriptions" \
	    "subs_index.db $on_index subscription_ids"; do
		set -- $copy
		run "$1"
		[ -f report.html ] && [ "$2" = 0 ] && mv report.html .out
		if [ "$2" = 3 ] && [ "$rc" = 3 ] && [ ! -f report.html ] &&
		    grep -q 'database disk image is malformed' .err; then
			pass=$((pass + 1))
		elif [ "$2" = 0 ] && [ "$rc" = 0 ] && cmp -s .out .intact; then
			pass=$((pass + 1))
		else
			echo "FAIL $command, $3 damaged: exit $rc, not $2" \
			    "$([ "$2" = 0 ] && ! cmp -s .out .intact &&
			    echo "(its output differs)")" \
			    "$([ -f report.html ] && echo "(a report was left)")"
			sed 's/^/    /' .err | head -3
			fail=$((fail + 1))
		fi
	done
done <verbs
echo "damaged: $pass passed, $fail failed ($(wc -l <verbs) read verbs on" \
    "3 damaged copies)"
[ "$fail" = 0 ]
