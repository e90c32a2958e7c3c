#!/bin/sh
# Checks the build dependencies (Debian package names as arguments); when
# one is missing, installs them with apt-get as root, or prints the line to
# run and fails.
missing=
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "installing build dependencies:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq$missing >/dev/null && exit 0
	echo "apt-get failed; run: apt-get install$missing" >&2
	exit 1
fi
echo "missing build dependencies; run: sudo apt-get install$missing" >&2
exit 1
