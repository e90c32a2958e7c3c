#!/bin/sh
# Checks the documentation against the programs, for every program that
# is built in BINDIR:
#  - every long option of `PROG --help` is an item of the OPTIONS section
#    (else DESCRIPTION) of man/PROG.1, every long option that section
#    describes is in --help, and both completion files name it;
#  - per verb of a program with verbs, the own options that `PROG VERB
#    --help` lists are those of the verb's SYNOPSIS in man/PROG.1, of its
#    entry in the bash completion's table and of its block in the zsh
#    completion, no more and no fewer; and the verbs of `PROG --help` are
#    those both completions offer, each with a SYNOPSIS in man/PROG.1;
#  - every entity of `revops-import --list`, with the columns of
#    `revops-import --schema ENTITY` in their order, is in man/revops.7,
#    and both completion files know the entity;
#  - every --help, of a program and of a verb, fits 79 columns, and no
#    option runs into its text;
#  - the table of each system in revops-import(1) is its mapping file,
#    lib/mappings/SYSTEM.tsv, row for row (as tests/mapping-man.awk
#    writes it), and both completions offer the system and its exports;
#  - every page in man/ renders without a warning (man --warnings, and
#    mandoc -Tlint when it is installed), and within 80 columns;
#  - the bash completion loads and completes options, option arguments,
#    entities, verbs after help, and the ids of a small database (and
#    nothing, making no file, for a database that is not there); the zsh
#    completion parses.
# Prints what failed and exits 1 on any failure.
# Usage: sh tests/docs.sh BINDIR, from the top of the repository.

[ $# -eq 1 ] || { echo "usage: sh tests/docs.sh BINDIR" >&2; exit 2; }
bindir=$(cd "$1" && pwd) || exit 2
# the tester's own config file (revops(7)) is no part of the test
export REVOPS_CONFIG=
cd "$(dirname "$0")/.." || exit 2

programs='revops-import revops-pipeline revops-quote revops-invoice revops-metrics'
bash_comp=completions/revops.bash
zsh_comp=completions/_revops
tmp=$(mktemp -d "${TMPDIR:-/tmp}/revops-docs.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0
cli_common='--db --busy-timeout --mode --delimiter --tsv --decimal-comma
    --format --output --no-header --excel --max-errors --quiet --help --version'
: >"$tmp/cases"

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# The lines of section $2 of the mdoc page $1 (without its .Sh line).
man_section() {
	awk -v want="$2" '/^\.Sh / { on = substr($0, 5) == want; next } on' "$1"
}

# The lines of help $2 (of command $1) wider than 79 columns, or where an
# option runs into its text ("--closing FROM..TO list: ...").
check_layout() {
	awk -v cmd="$1" 'length > 79 {
		print "FAIL: " cmd ": a line of " length " columns: " $0 }
	    /^  (-[A-Za-z], |    )--/ &&
	    !/^  (-[A-Za-z], |    )--[a-z-]+( [^ ]+)?(  +[^ ]|$)/ {
		print "FAIL: " cmd ": an option runs into its text: " $0 }' "$2" \
	    >"$tmp/layout"
	if [ -s "$tmp/layout" ]; then
		cat "$tmp/layout"
		failures=$((failures + $(wc -l <"$tmp/layout")))
	fi
}

# Whether file $2 names the option $1 (--name) as a word.
names_option() {
	grep -Eq -- "(^|[^A-Za-z0-9-])$1([^A-Za-z0-9-]|\$)" "$2"
}

# ---- options: --help, the man page, the completions --------------------

for prog in $programs; do
	[ -x "$bindir/$prog" ] || continue
	page=man/$prog.1
	if ! "$bindir/$prog" --help >"$tmp/help" 2>&1; then
		fail "$prog --help exits with status $?"
		continue
	fi
	check_layout "$prog --help" "$tmp/help"
	tr -c 'A-Za-z0-9-' '\n' <"$tmp/help" | grep -E '^--[A-Za-z]' |
	    LC_ALL=C sort -u >"$tmp/opts"
	[ -s "$tmp/opts" ] || fail "$prog --help shows no long option"
	# For the bash completion below: "PROG --" offers them all.
	echo "$(paste -s -d ' ' "$tmp/opts")|$prog --" >>"$tmp/cases"
	if [ ! -f "$page" ]; then
		fail "$prog: no man page $page"
		: >"$tmp/section"
	else
		man_section "$page" OPTIONS >"$tmp/section"
		[ -s "$tmp/section" ] ||
			man_section "$page" DESCRIPTION >"$tmp/section"
	fi
	while read -r opt; do
		checks=$((checks + 1))
		name=${opt#--}
		[ -f "$page" ] &&
		    ! grep -Eq "^\.It Fl( .*)? -$name( |\$)" "$tmp/section" &&
			fail "$page does not describe $opt (no '.It Fl -$name')"
		names_option "$opt" "$bash_comp" ||
			fail "$bash_comp does not complete $opt of $prog"
		names_option "$opt" "$zsh_comp" ||
			fail "$zsh_comp does not complete $opt of $prog"
	done <"$tmp/opts"
	# And the other way: what the page describes, --help must know.
	sed -n 's/^\.It Fl //p' "$tmp/section" | tr ' ' '\n' |
	    grep -E '^-[A-Za-z][A-Za-z0-9-]+$' | sort -u |
	    while read -r opt; do
		grep -qx -- "-$opt" "$tmp/opts" ||
			echo "FAIL: $page describes -$opt, which $prog --help does not show"
	    done >"$tmp/extra"
	if [ -s "$tmp/extra" ]; then
		cat "$tmp/extra"
		failures=$((failures + $(wc -l <"$tmp/extra")))
	fi
done

# ---- options per verb: VERB --help, the man page, the completions -----------

# The long options of the common ones, which go with every verb.
common_opts=$(printf '%s\n' "$cli_common" | tr ' ' '\n' | grep -E '^--' |
    sort -u)

# Whether the sorted lists of options in files $2 and $3 are the same;
# else says so, as $1.
same_options() {
	if ! cmp -s "$2" "$3"; then
		fail "$1: $(paste -s -d ' ' "$3" | sed 's/^$/none/') instead of" \
		    "$(paste -s -d ' ' "$2" | sed 's/^$/none/')"
	fi
}

for prog in $programs; do
	[ -x "$bindir/$prog" ] || continue
	"$bindir/$prog" --help | awk '/^Verbs:/ { on = 1; next }
	    on && /^  [a-z]/ { print $1; next } on && !/^   / { on = 0 }' \
	    >"$tmp/verbs"
	[ -s "$tmp/verbs" ] || continue
	LC_ALL=C sort "$tmp/verbs" >"$tmp/want"
	bash -c '. "$1"; _revops_table "$2"; printf "%s\n" $verbs' sh \
	    "$bash_comp" "$prog" | LC_ALL=C sort >"$tmp/have"
	same_options "$bash_comp: the verbs of $prog are" "$tmp/want" \
	    "$tmp/have"
	awk -v p="$prog)" '$1 == p { on = 1; next } on && /verbs=\(/ { v = 1;
	    next } v && /^ *\)/ { exit } v' "$zsh_comp" |
	    sed -n "s/^ *'\([a-z]*\):.*/\1/p" | LC_ALL=C sort >"$tmp/have"
	same_options "$zsh_comp: the verbs of $prog are" "$tmp/want" \
	    "$tmp/have"
	for verb in $(cat "$tmp/verbs"); do
		checks=$((checks + 1))
		if ! "$bindir/$prog" "$verb" --help >"$tmp/vhelp" 2>&1; then
			fail "$prog $verb --help exits with status $?"
			continue
		fi
		check_layout "$prog $verb --help" "$tmp/vhelp"
		sed -n 's/^  *\(-[A-Za-z], \)\{0,1\}\(--[a-z-]*\).*/\2/p' \
		    "$tmp/vhelp" | LC_ALL=C sort -u >"$tmp/want"
		awk '/^\.Sh / { on = $2 == "SYNOPSIS"; next } on' "man/$prog.1" |
		    grep -A1 -x '\.Nm' | grep -qx "\.Cm $verb" ||
			fail "man/$prog.1: no SYNOPSIS of $verb"
		# The man page: the SYNOPSIS lines from ".Cm VERB" after ".Nm"
		# to the next ".Nm".
		awk -v verb="$verb" '/^\.Sh / { on = $2 == "SYNOPSIS"; next }
		    on && /^\.Nm/ { nm = 1; v = 0; next }
		    on && nm && $0 == ".Cm " verb { v = 1; nm = 0; next }
		    on { nm = 0 } on && v' "man/$prog.1" |
		    grep -oE 'Fl -[a-z][a-z-]*' | sed 's/^Fl -/--/' |
		    LC_ALL=C sort -u | grep -vxF -e "$common_opts" >"$tmp/have"
		same_options "man/$prog.1: the SYNOPSIS of $verb names" \
		    "$tmp/want" "$tmp/have"
		bash -c '. "$1"; _revops_table "$2 $3"; printf "%s\n" $own' \
		    sh "$bash_comp" "$prog" "$verb" | sed 's/=$//' |
		    grep -E '^--' | LC_ALL=C sort -u >"$tmp/have"
		same_options "$bash_comp: $prog $verb completes" "$tmp/want" \
		    "$tmp/have"
		# The zsh block: from the case pattern naming 'PROG VERB' to
		# the end of its own=( ... ) list.
		awk -v pv="'$prog $verb'" 'index($0, pv ")") ||
		    index($0, pv "|") || index($0, "|" pv) { on = 1; next }
		    on && /\) ;;$/ { print; on = 0 } on' "$zsh_comp" |
		    sed -n "s/^ *\(own=( *\)\{0,1\}'\(([^)]*)\)\{0,1\}\**\(--[a-z-]*\).*/\3/p" |
		    LC_ALL=C sort -u >"$tmp/have"
		same_options "$zsh_comp: $prog $verb completes" "$tmp/want" \
		    "$tmp/have"
	done
done

# ---- the import contract in revops(7) -------------------------------------

if [ -x "$bindir/revops-import" ]; then
	"$bindir/revops-import" --list | while read -r entity _; do
		echo "$entity"
	done >"$tmp/entities"
	[ -s "$tmp/entities" ] || fail "revops-import --list lists nothing"
	while read -r entity; do
		checks=$((checks + 1))
		"$bindir/revops-import" --schema "$entity" | tr ',' '\n' \
		    >"$tmp/want"
		awk -v want="$entity" '/^\.S[sh] / { on = $0 == ".Ss " want;
		    next } on && /^\.It Cm / { print $3 }' man/revops.7 \
		    >"$tmp/have"
		if [ ! -s "$tmp/have" ]; then
			fail "man/revops.7 has no '.Ss $entity' with its columns"
		elif ! cmp -s "$tmp/want" "$tmp/have"; then
			fail "man/revops.7: the columns of $entity are not" \
			    "those of revops-import --schema $entity:" \
			    "$(paste -s -d ' ' "$tmp/have") instead of" \
			    "$(paste -s -d ' ' "$tmp/want")"
		fi
		for f in "$bash_comp" "$zsh_comp"; do
			grep -Eq "(^|[^a-z_])$entity([^a-z_]|\$)" "$f" ||
				fail "$f does not know the entity $entity"
		done
	done <"$tmp/entities"
fi

# ---- the man pages render without warnings --------------------------------

if command -v man >/dev/null 2>&1 &&
    man --help 2>&1 | grep -q -- --warnings; then
	for page in man/*.[1-9]; do
		[ -f "$page" ] || continue
		checks=$((checks + 1))
		MANWIDTH=80 man --warnings -l "$page" \
		    2>"$tmp/warn" >"$tmp/page" || fail "man -l $page fails"
		[ -s "$tmp/warn" ] && fail "man --warnings -l $page:" \
		    "$(cat "$tmp/warn")"
		# an 80-column terminal shows every line whole, examples too
		# (a character a column: UTF-8's continuation bytes dropped)
		checks=$((checks + 1))
		long=$(LC_ALL=C sed "s/$(printf '[\200-\277]')//g" \
		    "$tmp/page" | LC_ALL=C awk 'length($0) > 80 { print; exit }')
		[ -z "$long" ] || fail "man -l $page: a line over 80" \
		    "columns: $long"
	done
else
	echo "docs: note: man (man-db) is not installed; not checking that" \
	    "the pages render without warnings"
fi
if command -v mandoc >/dev/null 2>&1; then
	for page in man/*.[1-9]; do
		[ -f "$page" ] || continue
		checks=$((checks + 1))
		mandoc -Tlint -W warning "$page" >"$tmp/lint" 2>&1
		[ $? -eq 0 ] && [ ! -s "$tmp/lint" ] ||
			fail "mandoc -Tlint $page: $(cat "$tmp/lint")"
	done
fi

# ---- the completions work ---------------------------------------------------

if command -v bash >/dev/null 2>&1; then
	checks=$((checks + 1))
	# Each line: what the completion should offer | the words typed, the
	# last one being completed (after a line per program made above).
	cat >>"$tmp/cases" <<-'EOF'
	--upsert|revops-import --up
	accounts|revops-import acc
	accounts|revops-import -D x.db --upsert acc
	invoices|revops-import --schema inv
	stripe|revops-import --from st
	chartmogul hubspot salesforce stripe|revops-import --list --from ''
	payments prices products|revops-import --from stripe p
	customers|revops-import --upsert --from=stripe --dry-run cu
	--export=invoices|revops-import --export=inv
	csv json jsonl markdown table tsv vertical xlsx|revops-import --format ''
	--excel|revops-metrics --exc
	--as-of|revops-pipeline funnel --as
	--as-of|revops-pipeline move --as
	--dry-run|revops-invoice credit --dr
	README.md|revops-quote price READ
	README.md|revops-quote new READ
	|revops-quote revise READ
	Makefile|revops-invoice aging -o Ma
	man|revops-invoice render -o ma
	|revops-invoice render --output Ma
	README.md|revops-quote revise Q-000001 READ
	EOF
	# Ids from a small database, by the programs on PATH, and nothing
	# from a database that is not there (which completing must not make).
	ids=$tmp/ids.db
	for e in accounts products prices rules contracts subscriptions \
	    invoices; do
		"$bindir/revops-import" -q -D "$ids" $e examples/data/$e.csv ||
			fail "revops-import $e examples/data/$e.csv failed"
	done
	printf 'quote_ref,account_id,sku,quantity\nq,A-0001,CORE-SEAT,2\n' |
	    "$bindir/revops-quote" -D "$ids" new --on 2026-04-01 >/dev/null ||
		fail "revops-quote new failed"
	inv=$(seq -f 'INV-2026-00000%g' 1 9 | paste -s -d ' ' -)
	subs=$(seq -f 'S-000%g' 1 9 | paste -s -d ' ' -)
	cat >>"$tmp/cases" <<-EOF
	$inv|revops-invoice -D $ids show INV-2026-00000
	$inv|revops-invoice --db=$ids void INV-2026-00000
	$inv|revops-invoice -D $ids credit INV-2026-00000
	$inv|revops-invoice -D $ids export --lines INV-2026-00000
	$inv|revops-invoice -D $ids render -o . INV-2026-00000
	$subs|revops-invoice -D $ids pause S-000
	$subs|revops-invoice -D $ids resume --on 2026-05-01 S-000
	$subs|revops-quote -D $ids accept --replaces S-000
	$(seq -f 'A-000%g' 1 9 | paste -s -d ' ' -)|revops-invoice -D $ids list --account A-000
	Q-000001|revops-quote -D $ids accept Q
	Q-000001|revops-quote -D $ids approve Q
	Q-000001|revops-quote -D $ids show Q
	Q-000001|revops-quote -D $ids revise Q
	|revops-quote -D $ids revise Q-000001 Q
	cfo sales_manager services_director vp_sales|revops-quote -D $ids approve --as ''
	|revops-invoice -D $tmp/none.db show INV
	|revops-quote -D $tmp/none.db approve --as ''
	apply|revops-invoice help ap
	--last|revops-import --log --la
	--quiet|revops-metrics --qu
	EOF
	PATH="$bindir:$PATH" bash -c '
		. "$1" || exit 1
		complete -p revops-import >/dev/null ||
			echo "complete -p revops-import: no completion"
		while IFS="|" read -r want words; do
			eval "COMP_WORDS=($words)"
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			COMPREPLY=()
			_revops
			got=$(printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort | paste -s -d " " -)
			[ "$got" = "$want" ] ||
				echo "completing \"$words\" offers \"$got\", not \"$want\""
		done <"$2"
	' sh "$bash_comp" "$tmp/cases" >"$tmp/bash.out" 2>&1
	while read -r line; do
		fail "$bash_comp: $line"
	done <"$tmp/bash.out"
	[ ! -e "$tmp/none.db" ] ||
		fail "$bash_comp: completing made the database $tmp/none.db"
else
	echo "docs: note: bash is not installed; not checking $bash_comp"
fi
if command -v zsh >/dev/null 2>&1; then
	checks=$((checks + 1))
	zsh -n "$zsh_comp" 2>"$tmp/zsh.out" ||
		fail "$zsh_comp does not parse: $(cat "$tmp/zsh.out")"
fi

# Each system's table in revops-import(1): the items after the line that
# names its mapping file, up to the .El of their list.
for map in lib/mappings/*.tsv; do
	system=$(basename "$map" .tsv)
	checks=$((checks + 1))
	awk -v want="against $map" '
	    index($0, want) && /^\.\\" tests\/docs.sh checks/ { on = 1; next }
	    on == 1 && /^\.Bl / { on = 2; depth = 0; next }
	    on == 2 && /^\.Bl / { depth++ }
	    on == 2 && /^\.El/ { if (depth-- == 0) exit }
	    on == 2' man/revops-import.1 >"$tmp/table"
	awk -f tests/mapping-man.awk "$map" >"$tmp/rows"
	if [ ! -s "$tmp/table" ]; then
		fail "man/revops-import.1 has no table of $map"
	elif ! diff -u "$tmp/rows" "$tmp/table" >"$tmp/table.diff"; then
		fail "man/revops-import.1: the table of $system is not $map" \
		    "(tests/mapping-man.awk writes it):"
		sed 's/^/    /' "$tmp/table.diff"
	fi
	for x in $system $("$bindir/revops-import" --list --from "$system" |
	    awk '{ print $1 }'); do
		grep -q "$x" "$bash_comp" ||
			fail "$bash_comp does not offer $system's '$x'"
		grep -q "$x" "$zsh_comp" ||
			fail "$zsh_comp does not offer $system's '$x'"
	done
done

if [ "$failures" -gt 0 ]; then
	echo "docs: $failures failed"
	exit 1
fi
echo "docs: $checks checks passed"
