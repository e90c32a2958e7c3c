# Other programs on the same server (issue 14), read by tests/pg.sh with
# its server running: $top, $dir, $bindir on PATH, and rc, set to 1 on a
# failure.
#
#  serialize  psql changes invoice INV-1 in a transaction that it commits
#             while revops-invoice void, its snapshot taken, waits to
#             change the same row: the void fails to serialize (SQLSTATE
#             40001).  With the ids as arguments, or on stdin from a file,
#             it runs again from the start, unseen: exit 0, its output
#             once, written from the database psql left (INV-1 due on
#             2026-02-15, void), one audit row.  With the ids on a pipe,
#             which cannot be read again, or once it has run again 3
#             times, and an import of a FIFO (psql changes the account it
#             upserts): exit 3, the message, stdout empty, and the
#             database as psql left it;
#  parents    an import writes its rows without the server's triggers of
#             their references and locks the parents they name itself
#             (db_pg.c, a table vouched for): psql deletes account A-2,
#             which nothing refers to yet, in a transaction that it
#             commits while the import of two invoices of A-2 (two rows
#             a table: one would go by an INSERT, with the triggers)
#             waits for that lock; the import runs again and refuses them,
#             A-2 gone (exit 1, their lines), and no invoice is left of an
#             account that is not there.  A role that may not turn the
#             triggers off (not a superuser, not granted the setting)
#             imports the same rows with them, and one that is granted
#             it without them, each refusing an invoice of an account
#             that is not there;
#  collation  a database of ICU's root collation (C.UTF-8 where the server
#             has no ICU) whose text columns compare by it, as an older
#             revops made them, with a view granted to PUBLIC: a command
#             that reads refuses it (exit 3, the reason), a command that
#             writes migrates it, and the accounts then come out in the
#             order of their ids' bytes, every text column collated "C",
#             the view there again with its grant.
LC_ALL=C
export LC_ALL

foreign() {
	echo "FAIL: $*"
	rc=1
}

# pg_wait DB SQL: waits, 10 s at most, until SQL's answer on DB is 1.
pg_wait() {
	k=0
	until [ "$(psql -X -A -t -d "$1" -c "$2")" = 1 ]; do
		k=$((k + 1))
		[ $k -lt 200 ] || return 1
		sleep 0.05
	done
}

# conflict DB SQL CMD...: CMD, with stdin, stdout and stderr as given,
# waits for the row that psql changes (SQL) in a transaction of its own,
# which psql then commits; the exit status of CMD.
conflict() {
	db=$1
	change=$2
	shift 2
	rm -f "$dir/psql.in"
	mkfifo "$dir/psql.in" || exit 2
	psql -X -q -d "$db" <"$dir/psql.in" >/dev/null 2>&1 &
	exec 4>"$dir/psql.in"
	echo "BEGIN; $change;" >&4
	pg_wait "$db" "SELECT count(*) FROM pg_stat_activity WHERE datname =
	    current_database() AND state = 'idle in transaction'" || foreign "serialize: psql did not begin"
	exec 5<&0	# an asynchronous command's stdin is /dev/null else
	"$@" <&5 5<&- &
	cmd=$!
	exec 5<&-
	pg_wait "$db" "SELECT count(*) FROM pg_stat_activity WHERE datname =
	    current_database() AND wait_event_type = 'Lock'" || foreign "serialize: $*: no wait"
	echo "COMMIT;" >&4
	exec 4>&-
	wait "$cmd"
	status=$?
	wait
	return $status
}
due="UPDATE invoices SET due_date = '2026-02-15' WHERE invoice_id = 'INV-1'"

# ---- serialize ------------------------------------------------------------
createdb revops_s_base || exit 2
for e in accounts products prices invoices; do
	revops-import -D postgresql:///revops_s_base "$e" "$top/bad/ref/$e.csv" \
	    2>/dev/null || { echo "foreign: the setup import of $e failed"; exit 2; }
done
printf 'invoice_id\nINV-1\n' >"$dir/s-ids.csv"
state() {
	psql -X -A -t -d "$1" -c "SELECT status || ' ' || due_date || ' ' ||
	    (SELECT count(*) FROM audit_log WHERE verb = 'void') FROM
	    invoices WHERE invoice_id = 'INV-1'"
}
for how in arguments file; do
	createdb -T revops_s_base "revops_s_$how" || exit 2
	if [ "$how" = arguments ]; then
		conflict "revops_s_$how" "$due" revops-invoice -D \
		    "postgresql:///revops_s_$how" void INV-1 --as-of 2026-01-20 \
		    </dev/null >"$dir/s.out" 2>"$dir/s.err"
	else
		conflict "revops_s_$how" "$due" revops-invoice -D \
		    "postgresql:///revops_s_$how" void - --as-of 2026-01-20 \
		    <"$dir/s-ids.csv" >"$dir/s.out" 2>"$dir/s.err"
	fi
	got="$? $(cut -d, -f1,5,11 "$dir/s.out" | tr '\n' ' ')$(cat "$dir/s.err")"
	got="$got/ $(state "revops_s_$how")"
	if [ "$got" != "0 invoice_id,due_date,status INV-1,2026-02-15,void / void 2026-02-15 1" ]; then
		foreign "serialize: ids as $how: not run again: $got"
	fi
done
said="revops-invoice: database: could not serialize access due to concurrent update, in 'UPDATE invoices SET status = \$2 WHERE invoice_id = \$1': another program changed the same rows at the same time; nothing was committed: run the command again"
for how in pipe runs; do
	createdb -T revops_s_base "revops_s_$how" || exit 2
	if [ "$how" = pipe ]; then
		conflict "revops_s_$how" "$due" sh -c "cat '$dir/s-ids.csv' |
		    revops-invoice -D postgresql:///revops_s_$how void - \
		    --as-of 2026-01-20" >"$dir/s.out" 2>"$dir/s.err"
	else
		REVOPS_RUN_AGAIN=3 conflict "revops_s_$how" "$due" revops-invoice -D \
		    "postgresql:///revops_s_$how" void INV-1 --as-of 2026-01-20 \
		    </dev/null >"$dir/s.out" 2>"$dir/s.err"
	fi
	got="$? $(cat "$dir/s.out" "$dir/s.err") / $(state "revops_s_$how")"
	if [ "$got" != "3 $said / open 2026-02-15 0" ]; then
		foreign "serialize: ids on a $how: $got"
	fi
done
# an import of a file that is a FIFO, spent once read
createdb -T revops_s_base revops_s_fifo || exit 2
mkfifo "$dir/s-accounts.fifo" || exit 2
printf 'account_id,name,currency\nA-1,Acme Inc,USD\n' >"$dir/s-accounts.fifo" &
conflict revops_s_fifo "UPDATE accounts SET segment = 'mid' WHERE account_id
    = 'A-1'" revops-import -D postgresql:///revops_s_fifo --upsert accounts \
    "$dir/s-accounts.fifo" </dev/null >"$dir/s.out" 2>"$dir/s.err"
got="$? $(cat "$dir/s.out" "$dir/s.err") / $(psql -X -A -t -d revops_s_fifo \
    -c "SELECT name || ' ' || segment || ' ' || (SELECT count(*) FROM
    audit_log) FROM accounts WHERE account_id = 'A-1'")"
case $got in
"3 revops-import: database: could not serialize access due to concurrent update, in '"*"': another program changed the same rows at the same time; nothing was committed: run the command again / Acme Corp mid 4") ;;
*) foreign "serialize: an import of a FIFO: $got" ;;
esac
if [ $rc -eq 0 ]; then
	echo "serialize on PostgreSQL: a void that another transaction" \
	    "made fail ran again unseen (ids as arguments, on stdin from a" \
	    "file), and said so with exit 3, nothing changed, when it could" \
	    "not (ids on a pipe, run again 3 times, an import of a FIFO)"
fi

# ---- parents --------------------------------------------------------------
createdb -T revops_s_base revops_s_parents || exit 2
printf '%s\n' "invoice_id,account_id,issue_date,due_date,line_no,sku,quantity,unit_price,amount" \
    "INV-7,A-2,2026-01-01,2026-01-31,1,SEAT,1,25.00,25.00" \
    "INV-8,A-2,2026-01-02,2026-02-01,1,SEAT,1,25.00,25.00" >"$dir/p-inv.csv"
conflict revops_s_parents "DELETE FROM accounts WHERE account_id = 'A-2'" \
    revops-import -D postgresql:///revops_s_parents invoices "$dir/p-inv.csv" \
    </dev/null >"$dir/p.out" 2>"$dir/p.err"
got="$? $(cat "$dir/p.out" "$dir/p.err") / $(psql -X -A -t -d \
    revops_s_parents -c "SELECT count(*) FROM invoices i WHERE NOT EXISTS
    (SELECT 1 FROM accounts a WHERE a.account_id = i.account_id)") $(psql \
    -X -A -t -d revops_s_parents -c "SELECT count(*) FROM invoices WHERE
    invoice_id IN ('INV-7', 'INV-8')")"
if [ "$got" != "1 revops-import: $dir/p-inv.csv:2: column 'account_id': 'A-2' is not in accounts
revops-import: $dir/p-inv.csv:3: column 'account_id': 'A-2' is not in accounts
revops-import: invoices: nothing imported (2 errors) / 0 0" ]; then
	foreign "parents: an invoice of an account deleted meanwhile: $got"
fi
# as roles that are not superusers, one granted the setting
psql -X -q -d postgres -c "CREATE ROLE revops_plain LOGIN" \
    -c "CREATE ROLE revops_granted LOGIN" \
    -c "GRANT SET ON PARAMETER session_replication_role TO revops_granted" ||
    exit 2
printf '%s\n' "invoice_id,account_id,issue_date,due_date,line_no,sku,quantity,unit_price,amount" \
    "INV-8,A-1,2026-01-01,2026-01-31,1,SEAT,1,25.00,25.00" \
    "INV-8,A-1,2026-01-01,2026-01-31,2,SEAT,2,25.00,50.00" >"$dir/p-ok.csv"
for role in revops_plain revops_granted; do
	createdb -O "$role" "revops_s_$role" || exit 2
	u="postgresql://$role@/revops_s_$role"
	for e in accounts products; do
		revops-import -D "$u" "$e" "$top/bad/ref/$e.csv" 2>/dev/null ||
		    foreign "parents: $role: the import of $e failed"
	done
	revops-import -D "$u" invoices "$dir/p-ok.csv" 2>"$dir/p.err" ||
	    foreign "parents: $role: $(cat "$dir/p.err")"
	got=$(psql -X -A -t -d "revops_s_$role" -c "SELECT string_agg(
	    invoice_id || ' ' || line_no || ' ' || amount_minor, ', ' ORDER BY
	    line_no) FROM invoice_lines")
	[ "$got" = "INV-8 1 2500, INV-8 2 5000" ] ||
	    foreign "parents: $role: the lines are $got"
	sed 's/INV-8,A-1/INV-9,A-9/' "$dir/p-ok.csv" >"$dir/p-bad.csv"
	revops-import -D "$u" invoices "$dir/p-bad.csv" >/dev/null \
	    2>"$dir/p.err"
	got="$? $(psql -X -A -t -d "revops_s_$role" -c "SELECT count(*) FROM
	    invoices")"
	[ "$got" = "1 1" ] && grep -q "p-bad.csv:2: column 'account_id'" \
	    "$dir/p.err" ||
	    foreign "parents: $role: an unknown account: $got $(cat "$dir/p.err")"
done
if [ $rc -eq 0 ]; then
	echo "parents on PostgreSQL: an import waited for the lock on a" \
	    "parent that another transaction deleted, ran again and refused" \
	    "the row; a role not granted the setting imported with the" \
	    "triggers, one granted it without"
fi

# ---- collation ------------------------------------------------------------
db=revops_s_collation
if [ "$(psql -X -A -t -d postgres -c "SELECT count(*) FROM pg_collation
    WHERE collprovider = 'i'")" != 0 ]; then
	createdb -T template0 --locale-provider=icu --icu-locale=und \
	    --locale=C.UTF-8 "$db" || exit 2
else
	createdb -T template0 --locale=C.UTF-8 "$db" || exit 2
fi
revops-import -D "postgresql:///$db" accounts \
    "$top/e2e/cases/collation/accounts.csv" 2>/dev/null ||
    { echo "foreign: the setup import of accounts failed"; exit 2; }
# as an older revops left it: text of the database's collation
psql -X -q -d "$db" -v ON_ERROR_STOP=1 -c "DO \$\$ DECLARE v record;
    c record; BEGIN
	CREATE TEMP TABLE views AS SELECT oid, relname, pg_get_viewdef(oid)
	    AS def FROM pg_class WHERE relkind = 'v' AND relnamespace =
	    'public'::regnamespace;
	FOR v IN SELECT * FROM views LOOP
		EXECUTE format('DROP VIEW %I', v.relname);
	END LOOP;
	FOR c IN SELECT table_name, column_name FROM
	    information_schema.columns WHERE table_schema = 'public' AND
	    data_type = 'text' LOOP
		EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE text
		    COLLATE \"default\"', c.table_name, c.column_name);
	END LOOP;
	FOR v IN SELECT * FROM views ORDER BY oid LOOP
		EXECUTE format('CREATE VIEW %I AS %s', v.relname, v.def);
	END LOOP;
    END \$\$; GRANT SELECT ON invoice_totals TO PUBLIC" || exit 2
revops-import -D "postgresql:///$db" --export accounts >"$dir/c.out" \
    2>"$dir/c.err"
got="$? $(cat "$dir/c.out" "$dir/c.err")"
if [ "$got" != "3 revops-import: postgresql:///$db: its text compares by the database's collation, not byte by byte: a command that writes migrates it" ]; then
	foreign "collation: a read of the older database: $got"
fi
printf 'account_id,name,currency\nZ-1,Zed,USD\n' |
    revops-import -D "postgresql:///$db" accounts 2>/dev/null ||
    foreign "collation: the import that migrates failed"
got=$(revops-import -D "postgresql:///$db" --export accounts | cut -d, -f1 |
    tr '\n' ' ')
left=$(psql -X -A -t -d "$db" -c "SELECT count(*) FROM
    information_schema.columns WHERE table_schema = 'public' AND data_type
    = 'text' AND collation_name IS DISTINCT FROM 'C'")
granted=$(psql -X -A -t -d "$db" -c "SELECT
    has_table_privilege('public', 'invoice_totals', 'SELECT')")
if [ "$got" != "account_id B-2 E-5 Z-1 _c a-3 b-1 É-4 " ]; then
	foreign "collation: after the migration the accounts are $got"
elif [ "$left" != 0 ] || [ "$granted" != t ]; then
	foreign "collation: $left text columns not collated \"C\"," \
	    "invoice_totals granted to PUBLIC: $granted"
else
	echo "collation on PostgreSQL: an older database of another" \
	    "collation refused to a read, migrated by a write, its output" \
	    "then in byte order"
fi
