#!/bin/sh
# The report as a reader gets it, in a real browser (Debian's chromium,
# headless): the reports of the demo company, of an empty database and
# of a company of one account, each laid out at 1400 and at 390 pixels
# (a laptop, a phone) and printed to PDF.  It checks that
#   - the page does not scroll sideways: the document is no wider than
#     the window (measured by a script added to a copy of the report; the
#     report itself has none);
#   - nothing is fetched: no script, and no http(s) address in the file;
#   - printed, no heading ends a page (pdftotext's text of each page).
# Without chromium it says so and passes: the HTML itself is checked by
# the unit and end-to-end tests.  SHOTS=DIR keeps screenshots of each in
# DIR (NAME-1400.png, NAME-390.png) to look at; KEEP=1 keeps the files.
# Usage: sh tests/report.sh BINDIR, from the top of the repository.
[ $# -eq 1 ] || { echo "usage: sh tests/report.sh BINDIR" >&2; exit 2; }
bindir=$(cd "$1" && pwd) || exit 2
top=$(cd "$(dirname "$0")/.." && pwd) || exit 2
browser=$(command -v chromium || command -v chromium-browser)
if [ -z "$browser" ]; then
	echo "report: skipped: no chromium to lay the report out in" \
	    "(apt-get install chromium)"
	exit 0
fi
if ! command -v pdftotext >/dev/null; then
	echo "report: skipped: no pdftotext (apt-get install poppler-utils)"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/revops-report.XXXXXX") || exit 2
[ -n "$KEEP" ] && echo "report: kept $tmp" || trap 'rm -rf "$tmp"' EXIT
PATH=$bindir:$PATH
export REVOPS_DB=
fail=0

# A profile of its own, no sandbox (CI runs as root), nothing from the
# network.
chrome() {
	profile=$tmp/profile-$1
	shift
	"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
	    --no-first-run --user-data-dir="$profile" "$@" 2>/dev/null
}

bad() {
	echo "report: $*" >&2
	fail=1
}

# The three companies.
sh "$top/examples/demo.sh" "$bindir" "$tmp/demo.db" "$tmp/unused.html" \
    >"$tmp/demo.log" 2>&1 || { cat "$tmp/demo.log" >&2; exit 1; }
printf 'account_id,name,currency\n' |
    revops-import -D "$tmp/empty.db" accounts >/dev/null 2>&1 || exit 1
{
	printf 'account_id,name,currency\nA-1,Solo Ltd,USD\n' |
	    revops-import -D "$tmp/one.db" accounts &&
	printf 'sku,name,kind,billing_period\nPLAN,Plan,recurring,month\n' |
	    revops-import -D "$tmp/one.db" products &&
	printf '%s\n' 'subscription_id,account_id,sku,quantity,unit_price,currency,billing_period,start_date' \
	    'S-1,A-1,PLAN,1,1250.00,USD,month,2026-04-01' |
	    revops-import -D "$tmp/one.db" subscriptions
} >/dev/null 2>&1 || { echo "report: the one-account company" >&2; exit 1; }
revops-metrics -D "$tmp/demo.db" --as-of 2026-06-30 --from 2025-07 \
    --to 2026-06 --segment segment --report "$tmp/demo.html" || fail=1
revops-metrics -D "$tmp/empty.db" --as-of 2026-06-30 \
    --report "$tmp/empty.html" || fail=1
revops-metrics -D "$tmp/one.db" --as-of 2026-06-30 \
    --report "$tmp/one.html" || fail=1

# One page that lays each report out in frames of either width (a window
# of headless chromium is at least 500 pixels wide) and notes how wide
# each document is.
{
	echo '<!DOCTYPE html><html><body>'
	for name in demo empty one; do
		for w in 1400 390; do
			echo "<iframe id=\"$name-$w\" src=\"$name.html\"" \
			    "style=\"width:${w}px;height:900px;border:0\"></iframe>"
		done
	done
	cat <<'EOF'
<script>
onload = function () {
	var r = [];
	document.querySelectorAll("iframe").forEach(function (f) {
		r.push(f.id + "=" + f.contentDocument.documentElement.scrollWidth);
	});
	document.body.setAttribute("data-widths", r.join(" "));
};
</script></body></html>
EOF
} >"$tmp/measure.html"
chrome measure --allow-file-access-from-files --window-size=1500,900 \
    --virtual-time-budget=3000 --dump-dom "file://$tmp/measure.html" \
    >"$tmp/measure.dom" &
for name in demo empty one; do
	html=$tmp/$name.html
	grep -qi '<script' "$html" && bad "$name: the report has a script"
	grep -qiE 'https?:' "$html" && bad "$name: the report names an" \
	    "address: $(grep -oiE 'https?:[^" <]*' "$html" | head -n 1)"
	chrome "$name-pdf" --print-to-pdf="$tmp/$name.pdf" \
	    --no-pdf-header-footer "file://$html" >/dev/null
	[ -z "$SHOTS" ] && continue
	for w in 1400 390; do
		chrome "$name-$w" --window-size=$w,900 \
		    --screenshot="$SHOTS/$name-$w.png" "file://$html" >/dev/null
	done
done
wait

for name in demo empty one; do
	for w in 1400 390; do
		got=$(sed -n "s/.*data-widths=\"[^\"]*$name-$w=\([0-9]*\).*/\1/p" \
		    "$tmp/measure.dom")
		if [ -z "$got" ]; then
			bad "$name at $w px: the browser laid out nothing"
		elif [ "$got" -gt "$w" ]; then
			bad "$name at $w px: the page is $got px wide: it" \
			    "scrolls sideways"
		fi
	done
	# The headings' texts, and the last line of each printed page: a
	# line of nothing but headings (two side by side in the grid) ends
	# a page with no content under them.
	sed -n 's/.*<h[123]>\([^<]*\)<\/h[123]>.*/\1/p' "$tmp/$name.html" |
	    sed 's/^ *//; s/ *$//' >"$tmp/$name.heads"
	if ! pdftotext -layout "$tmp/$name.pdf" "$tmp/$name.txt"; then
		bad "$name: not printed"
		continue
	fi
	awk -v heads="$tmp/$name.heads" -v name="$name" '
	BEGIN { while ((getline h < heads) > 0) head[h] = 1 }
	function ends(   n, i, part, only) {
		n = split(last, part, /   +/)
		only = 0
		for (i = 1; i <= n; i++) {
			sub(/^ +/, "", part[i]); sub(/ +$/, "", part[i])
			if (part[i] == "") continue
			if (!(part[i] in head)) return
			only = 1
		}
		if (only)
			printf "report: %s: page %d ends with the heading \"%s\"\n",
			    name, page, last > "/dev/stderr"
		if (only) bad = 1
	}
	BEGIN { page = 1 }
	{
		while ((i = index($0, "\f")) > 0) {
			if (i > 1 && substr($0, 1, i - 1) ~ /[^ ]/)
				last = substr($0, 1, i - 1)
			ends(); page++; last = ""
			$0 = substr($0, i + 1)
		}
		if ($0 ~ /[^ ]/) last = $0
	}
	END { exit bad }' "$tmp/$name.txt" || fail=1
done
grep -q 'No data yet' "$tmp/empty.html" ||
    bad "empty: the report does not say there is no data yet"
grep -q '<svg' "$tmp/empty.html" && bad "empty: the report draws a chart"
[ $fail = 0 ] && echo "report: 3 reports laid out at 1400 and 390 px and" \
    "printed"
exit $fail
