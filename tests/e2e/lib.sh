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

# newdb NAME: the name of a new database of the case's own beside
# REVOPS_DB, for -D or REVOPS_DB: the file NAME.db, or on PostgreSQL a
# database that run.sh drops with the case's.
newdb() {
	if on_pg; then
		createdb "${E2E_PG}_$1" && echo "postgresql:///${E2E_PG}_$1"
	else
		echo "$1.db"
	fi
}

# copydb NAME: as newdb, a copy of REVOPS_DB.
copydb() {
	if on_pg; then
		createdb -T "${REVOPS_DB##*/}" "${E2E_PG}_$1" &&
		    echo "postgresql:///${E2E_PG}_$1"
	else
		cp "$REVOPS_DB" "$1.db" && echo "$1.db"
	fi
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

# As sql, with the database's check of references off: rows of another
# system that refer to what is not there.
sql_unchecked() {
	if on_pg; then
		sql "SET session_replication_role = replica; $1"
	else
		sql "PRAGMA foreign_keys = OFF; $1"
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

# Rows of a table or query as CSV with a header, as the sqlite3 shell
# writes it: a NULL empty, an empty text "", and a field quoted when it
# holds a space, a quote, a comma or a byte outside ASCII's printable
# ones.  psql separates the fields by ASCII's unit separator, the rows
# by its record separator, and writes a NULL as \002, to be quoted so.
q() {
	if on_pg; then
		psql -X -q -A -P footer=off -P null="$(printf '\002')" \
		    -F "$(printf '\037')" -R "$(printf '\036')" \
		    -d "$REVOPS_DB" -c "$1" |
		    LC_ALL=C awk 'BEGIN { RS = "\036"; FS = "\037" }
		{
			sub(/\n$/, "")	# the last row ends so
			for (i = 1; i <= NF; i++) {
				f = $i
				if (f == "\002")
					f = ""
				else if (f == "" || f ~ /[\001- ",\047\177-\377]/) {
					gsub(/"/, "\"\"", f)
					f = "\"" f "\""
				}
				printf "%s%s", f, i < NF ? "," : "\n"
			}
		}'
	else
		sqlite3 -header -csv "$REVOPS_DB" "$1"
	fi
}

# on_tty CMD: runs the shell command CMD with its stdout a terminal, the
# pseudo-terminal of script(1) (util-linux), and the CR that the terminal
# puts before each LF taken out.
on_tty() {
	script -qec "$1" /dev/null </dev/null | tr -d '\r'
}
