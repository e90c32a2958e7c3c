# Helpers of tests/readme.sh and tests/man.sh, which run the blocks of a
# document and check what they print.

# compare_blocks DIR LABEL: for each DIR/N.want, whether DIR/N.got is the
# same; prints the difference of each that is not, as "FAIL: LABEL N",
# and counts in $checked and $failed.
compare_blocks() {
	for want in "$1"/*.want; do
		[ -f "$want" ] || continue
		checked=$((checked + 1))
		if ! diff -u "$want" "${want%.want}.got" >"$1/.diff"; then
			echo "FAIL: $2 $(basename "$want" .want):"
			cat "$1/.diff"
			failed=1
		fi
	done
}

# With REVOPS_TEST_PG=1, tests/pg.sh runs the blocks again on PostgreSQL
# (the server that libpq's environment names), each database file the
# blocks name a database of the server's instead.

# pg_rewrite PREFIX: the document on stdin with each database file NAME.db
# (a path: its base name) as the URL of the database PREFIX_NAME, and a
# copy `cp A.db B.db` as B made anew from A, which prints nothing either.
pg_rewrite() {
	f='([A-Za-z0-9_./]*/)?([A-Za-z0-9_]+)\.db'	# \1 its folder, \2 NAME
	sed -E -e "s#cp $f $f#dropdb $1_\\4 \\&\\& createdb -T $1_\\2 $1_\\4#g" \
	    -e "s#$f([^A-Za-z0-9_]|\$)#postgresql:///$1_\\2\\3#g"
}

# pg_createdbs PREFIX FILE...: makes the empty databases that the files
# (rewritten by pg_rewrite) name, but those there already: the programs
# make their schema in an empty database, not the database itself.
pg_createdbs() {
	p=$1
	shift
	grep -h -o "postgresql:///${p}_[A-Za-z0-9_]*" "$@" | sort -u |
	    while read -r url; do
		psql -X -A -t -d postgres -c "SELECT 1 FROM pg_database WHERE
		    datname = '${url##*/}'" | grep -q 1 || createdb "${url##*/}" ||
		    return 1
	done
}

# pg_dropdbs PREFIX: drops the databases of the blocks.
pg_dropdbs() {
	psql -X -A -t -d postgres -c "SELECT datname FROM pg_database WHERE
	    datname LIKE '$(echo "$1" | sed 's/_/\\_/g')\\_%'" |
	    xargs -r -n 1 dropdb
}
