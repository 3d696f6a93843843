#!/usr/bin/env bash
# Copies the hub's front-end dependencies (the pinned UMD builds of enigma.js, nebula.js stardust and its
# chart packages, and enigma.js's QIX schema) from conformance/node_modules into crates/qixd/hub/vendor/,
# with their licences. The copies are committed, so a fresh `cargo build` needs no npm: run this after a
# version change in conformance/package.json (then `npm ci` there first) and commit what changed.
#
# With --check, copies into a temporary folder instead and fails when the committed files differ (the
# test command runs this after `npm ci`, so a version bump without a rebuild of the hub is caught).
set -euo pipefail
cd "$(dirname "$0")/.."
nm=conformance/node_modules
committed=crates/qixd/hub/vendor
out=$committed
if [ "${1:-}" = "--check" ]; then
  out=$(mktemp -d)/vendor
  trap 'rm -rf "$(dirname "$out")"' EXIT
fi
if [ ! -d "$nm/@nebula.js/stardust" ]; then
  echo "build-hub: $nm is missing: run 'npm ci' in conformance/ first" >&2
  exit 1
fi
rm -rf "$out"
mkdir -p "$out/licenses"
copy() { # package, file in the package, name in vendor/
  cp "$nm/$1/$2" "$out/$3"
  cp "$nm/$1/LICENSE" "$out/licenses/$(basename "$1").LICENSE.txt"
}
copy enigma.js enigma.min.js enigma.min.js
copy enigma.js schemas/12.2027.0.json enigma-schema.json
copy @nebula.js/stardust dist/stardust.js stardust.js
copy @nebula.js/sn-bar-chart dist/sn-bar-chart.js sn-bar-chart.js
copy @nebula.js/sn-table dist/sn-table.js sn-table.js
copy @nebula.js/sn-kpi dist/sn-kpi.js sn-kpi.js
copy @nebula.js/sn-scatter-plot dist/sn-scatter-plot.js sn-scatter-plot.js
{
  echo "Files copied by scripts/build-hub.sh from these npm packages (see licenses/):"
  for p in enigma.js @nebula.js/stardust @nebula.js/sn-bar-chart @nebula.js/sn-table @nebula.js/sn-kpi @nebula.js/sn-scatter-plot; do
    node -e "const p=require('./$nm/$p/package.json'); console.log(p.name + ' ' + p.version + ' (' + p.license + ')')"
  done
} > "$out/VERSIONS.txt"
# Source-map references point at files not shipped: drop them so browsers do not ask for them.
sed -i -e '/^\/\/# sourceMappingURL=/d' "$out"/*.js
if [ "$out" != "$committed" ]; then
  if ! diff -r -q "$committed" "$out"; then
    echo "build-hub: $committed is not what conformance/node_modules holds: run scripts/build-hub.sh and commit" >&2
    exit 1
  fi
  echo "build-hub: $committed matches conformance/node_modules"
  exit 0
fi
echo "build-hub: $(du -sh "$out" | cut -f1) in $out"
