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
