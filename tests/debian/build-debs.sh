#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-debs.sh - `make deb`: the three packages, built by dpkg-buildpackage
# from a copy of what a clean clone holds (tracked files and new ones git
# does not ignore), then checked by lintian.
#
#   tests/debian/build-debs.sh [OUTDIR]     (default build/deb)
#
# Leaves OUTDIR/*.deb, the .changes, build.log and lintian.txt. Exit status
# 1 if the build fails or lintian reports an error or a warning.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/build/deb}
ver=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
src="$OUT/src/ai-native-$ver"

rm -rf "$OUT"
mkdir -p "$src"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 -I{} sh -c '[ -e "{}" ] && cp --parents -a "{}" "$0"' "$src")
cd "$src"
if ! dpkg-buildpackage -us -uc > "$OUT/build.log" 2>&1; then
	tail -n 30 "$OUT/build.log" >&2
	echo "build-debs: dpkg-buildpackage failed (see $OUT/build.log)" >&2
	exit 1
fi
mv ../*.deb ../*.changes ../*.buildinfo ../*.dsc ../*.tar.* "$OUT/" 2>/dev/null || true
# Errors and warnings fail; info/pedantic tags are reported only.
lintian --fail-on error,warning "$OUT"/ai-native_"$ver"_*.changes > "$OUT/lintian.txt" 2>&1 && rc=0 || rc=$?
cat "$OUT/lintian.txt"
ls "$OUT"/*.deb
exit $rc
