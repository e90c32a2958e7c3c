# Helpers for the cmd scripts of tests/e2e/cases.

# Runs a command and prints its exit status after its output.
st() {
	"$@"
	echo "[exit $?]"
}

# The database as SQL text, without the bookkeeping that changes with time.
dbdump() {
	sqlite3 "$REVOPS_DB" .dump | grep -v -e '^INSERT INTO audit_log' \
	    -e '^INSERT INTO import_batches'
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
	sqlite3 -header -csv "$REVOPS_DB" "$1"
}
