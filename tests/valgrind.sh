#!/bin/sh
# The end-to-end cases with every program under valgrind's memcheck: an
# invalid read or write, a use of uninitialised memory or a definite leak
# makes the program exit 99 and print the error, which the case's
# expected output does not have.  Usage: sh tests/valgrind.sh BINDIR
[ $# -eq 1 ] || { echo "usage: sh tests/valgrind.sh BINDIR" >&2; exit 2; }
bindir=$(cd "$1" && pwd) || exit 2
# the tester's own config file (revops(7)) is no part of the test
export REVOPS_CONFIG=
command -v valgrind >/dev/null ||
    { echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
wrap=$(mktemp -d "${TMPDIR:-/tmp}/revops-valgrind.XXXXXX") || exit 2
trap 'rm -rf "$wrap"' EXIT
chmod 755 "$wrap"	# the read-only case runs them as another user
for p in "$bindir"/revops-*; do
	cat >"$wrap/$(basename "$p")" <<WRAPPER
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full \\
    --errors-for-leak-kinds=definite --show-leak-kinds=definite \\
    "$p" "\$@"
WRAPPER
	chmod +x "$wrap/$(basename "$p")"
done
sh "$(dirname "$0")/e2e/run.sh" "$wrap"
