#!/usr/bin/env bash
# `make test-downstream`: proves another package can depend on the engine BY VERSION. It clones this repository's
# HEAD (committed work only) into a temp dir, tags it with possumVersion, fills in the template package beside this
# script (Package.swift with `.package(url: "file://…", from: VERSION)`, and a main.swift that solves least squares
# through PossumLinalg's public API and checks the residual), then builds and runs it. SwiftPM refuses a versioned
# dependency whose manifest has unsafe build flags, so this also guards Package.swift.
# Env: KEEP=1 keeps the temp dir.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VERSION=$(sed -n 's/^public let possumVersion = "\([0-9][0-9.]*\)"$/\1/p' "$REPO/Sources/PossumWorkflows/Version.swift")
if [ -z "$VERSION" ]; then echo "test-downstream: no possumVersion in Sources/PossumWorkflows/Version.swift" >&2; exit 1; fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/possum-downstream.XXXXXX")
if [ "${KEEP:-}" = 1 ]; then echo "== keeping $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi

echo "== cloning HEAD ($(git -C "$REPO" rev-parse --short HEAD)) and tagging it $VERSION"
git clone --quiet --no-hardlinks "$REPO" "$WORK/possum"
git -C "$WORK/possum" checkout --quiet --detach "$(git -C "$REPO" rev-parse HEAD)"
git -C "$WORK/possum" tag -f "$VERSION" HEAD >/dev/null

echo "== the downstream package: .package(url: \"file://$WORK/possum\", from: \"$VERSION\")"
mkdir -p "$WORK/app"
cp -R "$HERE/Sources" "$WORK/app/"
sed -e "s|@POSSUM_URL@|file://$WORK/possum|" -e "s|@POSSUM_VERSION@|$VERSION|" \
    "$HERE/Package.swift" > "$WORK/app/Package.swift"

# Its own scratch path and no shared caches, so that nothing from an earlier run (another clone at the same
# version) is reused; the transitive dependencies come from the machine's package mirror as usual.
cd "$WORK/app"
swift build --disable-dependency-cache --manifest-cache none
"$(swift build --show-bin-path)/possum-downstream"
