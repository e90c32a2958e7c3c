#!/bin/sh
# What a spreadsheet makes of an --excel file: exports with ids and
# texts that a spreadsheet would take for numbers, dates or formulas
# (000045, 007, 1E5, 3/4, 1-2, 2026-01, =1+1, TRUE, 50%; a line end, which
# a formula cannot hold as it is), opened by
# LibreOffice as a US user opens a CSV (English, special numbers such as
# dates detected, formulas evaluated), saved as a flat ODF spreadsheet
# and read back cell by cell: every text cell must be a string with its
# text, every amount a number.  Then the export read back by
# revops-import --excel changes nothing.  The same exports as --format
# xlsx workbooks, opened by LibreOffice: the same cells, but dates as
# dates (and amounts the same numbers, to the cent).  Skips, saying so, when soffice
# (libreoffice-calc-nogui) is not installed; CI installs it.
# Usage: sh tests/excel.sh BINDIR, from the top of the repository.
[ $# -eq 1 ] || { echo "usage: sh tests/excel.sh BINDIR" >&2; exit 2; }
bindir=$(cd "$1" && pwd) || exit 2
# the tester's own config file (revops(7)) is no part of the test
export REVOPS_CONFIG=
top=$(cd "$(dirname "$0")/.." && pwd) || exit 2
if ! command -v soffice >/dev/null 2>&1; then
	echo "excel: SKIPPED: soffice is not installed" \
	    "(apt-get install libreoffice-calc-nogui)"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/revops-excel.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
PATH="$bindir:$PATH" REVOPS_DB="$tmp/test.db" LC_ALL=C TZ=UTC USER=tester
export PATH REVOPS_DB LC_ALL TZ USER
cd "$tmp" || exit 2
revops-import accounts "$top/tests/excel/accounts.csv" 2>/dev/null &&
    revops-import invoices "$top/tests/excel/invoices.csv" 2>/dev/null &&
    revops-import --export accounts --excel >accounts.csv &&
    revops-invoice export --as-of 2026-02-01 --excel >invoices.csv &&
    revops-import --export accounts --format xlsx -o accounts.xlsx &&
    revops-invoice export --as-of 2026-02-01 --format xlsx -o invoices.xlsx ||
    { echo "FAIL: excel: the exports could not be made"; exit 1; }

# cells FILE.fods: each row's cells as TYPE:VALUE, separated by |.
cells() {
	sed 's/</\n</g' "$1" | awk '
	function unxml(s) {
		gsub(/&quot;/, "\"", s); gsub(/&apos;/, "\047", s)
		gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s)
		gsub(/&#x0a;/, "\\n", s); gsub(/&amp;/, "\\&", s)
		return s
	}
	function attr(s, name,    v) {
		if (match(s, name "=\"[^\"]*\"") == 0)
			return ""
		v = substr(s, RSTART + length(name) + 2, RLENGTH - length(name) - 3)
		return unxml(v)
	}
	function flush(    i) {
		if (cell == "")
			return
		for (i = 0; i < repeat; i++)
			row = row (row == "" ? "" : "|") cell
		cell = ""
	}
	/^<table:table-row/ { row = ""; inrow = 1; next }
	/^<\/table:table-row/ {
		flush()
		sub(/(\|e:)+$/, "", row)
		print row
		inrow = 0
		next
	}
	!inrow { next }
	/^<table:table-cell/ {
		flush()
		repeat = attr($0, "table:number-columns-repeated") + 0
		if (repeat < 1)
			repeat = 1
		type = attr($0, "office:value-type")
		if (type == "")
			cell = "e:"
		else if (type == "float")
			cell = "n:" attr($0, "office:value")
		else if (type == "date")
			cell = "d:" attr($0, "office:date-value")
		else if (type == "string" && $0 ~ /office:string-value=/)
			cell = "s:" attr($0, "office:string-value")
		else
			cell = substr(type, 1, 1) ":"
		pending = type == "string" && $0 !~ /office:string-value=/
		paragraphs = 0
		next
	}
	# a line end in a cell: a line of its own, or a paragraph
	/^<text:p>/ && pending {
		cell = cell (paragraphs++ > 0 ? "\\n" : "") unxml(substr($0, 9))
		next
	}
	'
}

# fods DIR FILE [SOFFICE-OPTION]: FILE opened by LibreOffice and saved as
# DIR/NAME.fods; else says so.
fods() {
	soffice -env:UserInstallation="file://$tmp/profile" --headless ${3:+"$3"} \
	    --convert-to fods --outdir "$1" "$2" >"$tmp/soffice.log" 2>&1 &&
	    [ -s "$1/$(basename "${2%.*}").fods" ] && return 0
	cat "$tmp/soffice.log"
	echo "FAIL: excel: LibreOffice did not convert $(basename "$2")"
	return 1
}

failed=0
for f in accounts invoices; do
	fods "$tmp" "$tmp/$f.csv" \
	    --infilter="CSV:44,34,76,1,,1033,false,true,false,false,false,-1,true" ||
	    { failed=1; continue; }
	cells "$tmp/$f.fods" >"$tmp/$f.got"
	if ! diff -u "$top/tests/excel/$f.expected" "$tmp/$f.got"; then
		echo "FAIL: excel: $f.csv as LibreOffice opens it"
		failed=1
	fi
done
# The workbooks: what the CSV showed, a date a date rather than its text.
for f in accounts invoices; do
	fods "$tmp/xlsx" "$tmp/$f.xlsx" || { failed=1; continue; }
	# the empty rows after the last, which LibreOffice writes of a sheet
	cells "$tmp/xlsx/$f.fods" | sed '/^e:$/d' >"$tmp/$f.xlsx.got"
	sed 's/s:\([0-9]\{4\}-[0-9][0-9]-[0-9][0-9]\)\(|\|$\)/d:\1\2/g' \
	    "$top/tests/excel/$f.expected" >"$tmp/$f.xlsx.want"
	if ! diff -u "$tmp/$f.xlsx.want" "$tmp/$f.xlsx.got"; then
		echo "FAIL: excel: $f.xlsx as LibreOffice opens it"
		failed=1
	fi
done
before=$(revops-import --export accounts)
if ! revops-import --upsert --excel accounts accounts.csv 2>"$tmp/upsert" ||
    [ "$(revops-import --export accounts)" != "$before" ] ||
    ! grep -q ': 0 rows inserted, 0 updated, 7 unchanged$' "$tmp/upsert"; then
	cat "$tmp/upsert"
	echo "FAIL: excel: revops-import --excel did not read the export" \
	    "back as it was"
	failed=1
fi
[ "$failed" -eq 0 ] &&
    echo "excel: the cells of 2 exports as LibreOffice opens them, as csv" \
    "and as xlsx, and read back"
exit "$failed"
