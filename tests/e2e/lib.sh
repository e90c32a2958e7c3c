# Helpers for the cmd scripts of tests/e2e/cases.

# Runs a command and prints its exit status after its output.
st() {
	"$@"
	echo "[exit $?]"
}

# Whether the database is PostgreSQL's (a URL), not a SQLite file.
on_pg() {
	case $REVOPS_DB in
	postgres://* | postgresql://*) return 0 ;;
	esac
	return 1
}

# Runs SQL on the database as the sqlite3 shell does: rows of fields
# separated by '|'; on PostgreSQL through psql, written the same.
sql() {
	if on_pg; then
		psql -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -d "$REVOPS_DB" \
		    -c "$1"
	else
		sqlite3 "$REVOPS_DB" "$1"
	fi
}

# The database as text, without the bookkeeping that changes with time:
# on SQLite its dump, on PostgreSQL each table's rows in order.
dbdump() {
	if on_pg; then
		psql -X -A -t -d "$REVOPS_DB" -c "SELECT format('SELECT %L, ' ||
		    't::text FROM %I t ORDER BY 2;', table_name, table_name)
		    FROM information_schema.tables WHERE table_schema =
		    'public' AND table_type = 'BASE TABLE' AND table_name NOT IN
		    ('audit_log', 'import_batches') ORDER BY 1" |
		    psql -X -A -t -d "$REVOPS_DB"
	else
		sqlite3 "$REVOPS_DB" .dump | grep -v -e '^INSERT INTO audit_log' \
		    -e '^INSERT INTO import_batches'
	fi
}

# Remembers the database; `unchanged` then says whether it still is.
snapshot() {
	dbdump >.snapshot
}
unchanged() {
	if dbdump | cmp -s - .snapshot; then
		echo "database unchanged"
	else
		echo "database CHANGED:"
		dbdump | diff .snapshot - | head -20
	fi
}

# Rows of a table or query as CSV with a header.
q() {
	if on_pg; then
		psql -X -q --csv -d "$REVOPS_DB" -c "$1"
	else
		sqlite3 -header -csv "$REVOPS_DB" "$1"
	fi
}
