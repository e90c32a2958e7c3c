# Other programs on the same server (issue 14), read by tests/pg.sh with
# its server running: $top, $dir, $bindir on PATH, and rc, set to 1 on a
# failure.
#
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
