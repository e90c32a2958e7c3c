# A mapping file (lib/mappings/SYSTEM.tsv) as the rows of its table in
# revops-import(1): an item an export, with the entity it becomes, and in
# it an item a column, with its source and conversion.  tests/docs.sh
# compares what this makes with the page, so that the two cannot drift.
BEGIN { FS = "\t" }
/^#/ || /^$/ { next }
$1 != export {
	if (export != "")
		print ".El"
	export = $1
	printf ".It Cm %s No \\(-> Cm %s\n", $1, $2
	print ".Bl -tag -width \"billing_period\" -compact"
}
# A line may break after a '|' of a long source or argument (\:).
{
	gsub(/\|/, "|\\:", $4)
	gsub(/\|/, "|\\:", $6)
	printf ".It Ql %s\n", $3
	if ($4 != "")
		printf ".Ql \"%s\" ,\n", $4
	print $5
	if ($6 != "")
		printf ".Ql \"%s\"\n", $6
}
END { print ".El" }
