#!/usr/bin/env bash
# The unit and integration tier on the current Node LTS, in a fresh clone with
# nothing beside it (scripts/test.sh runs this; CI fails when it fails).
#
# One step proves two things users rely on:
#   - the repository stands alone: the tracked files (plus new, not ignored
#     ones) are copied into an empty temporary directory, so no test, fixture
#     or script can lean on a sibling folder (../shared) or on build output;
#   - it works on the Node LTS users run: `npm ci` (with its prepare build and
#     the socketcan postinstall) and the whole unit+integration tier run on
#     Node ${HILBRIDGE_LTS_MAJOR:-24}.
#
# When the machine's Node is older than that, the LTS comes from the npm
# registry's `node` package (which pulls the platform binary package from the
# same registry), installed once into .node-lts/ (git-ignored) and reused.
#
# Usage: scripts/test-fresh-clone.sh [absolute path for vitest's JSON report]
# Exit: vitest's status; 3 when Node or the clone could not be set up.
set -u
cd "$(dirname "$0")/.."
root=$PWD
major=${HILBRIDGE_LTS_MAJOR:-24}
report=${1:-}

say() { echo "== fresh clone (node $major): $*" >&2; }

machine_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$machine_major" -ge "$major" ]; then
  node_bin=$(dirname "$(command -v node)")
else
  node_bin=$root/.node-lts/node_modules/.bin
  have=$("$node_bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)
  if [ "$have" != "$major" ]; then
    say "installing node@$major from the npm registry into .node-lts/"
    mkdir -p .node-lts
    # The node package's preinstall fetches the platform binary package (from the same registry).
    echo '{ "private": true, "allowScripts": { "node": true } }' >.node-lts/package.json
    if ! npm install --prefix .node-lts --no-audit --no-fund --loglevel=error "node@$major" >&2; then
      say "could not install node@$major from the npm registry"
      exit 3
    fi
  fi
fi
node_version=$("$node_bin/node" --version) || { say "no node binary in $node_bin"; exit 3; }
# scripts/test.sh labels this run's totals with the version.
[ -n "$report" ] && echo "$node_version" >"$report.node"

clone=$(mktemp -d "${TMPDIR:-/tmp}/hilbridge-fresh.XXXXXX")
trap 'rm -rf "$clone"' EXIT
# The working tree's files as git sees them: tracked (with their local edits)
# and new files not ignored; deleted tracked files are left out.
git ls-files -z --cached --others --exclude-standard \
  | xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh \
  | tar --null -T - -cf - | tar -xf - -C "$clone" \
  || { say "could not copy the working tree into $clone"; exit 3; }
cd "$clone"
say "clone in $clone (nothing beside it), $node_version"

# npm itself is the machine's; PATH makes it, and everything it starts, run on the LTS.
export PATH=$node_bin:$PATH
start=$SECONDS
if ! npm ci --no-audit --no-fund --loglevel=error >npm-ci.log 2>&1; then
  cat npm-ci.log >&2
  say "npm ci failed"
  exit 3
fi
grep -v '^$' npm-ci.log >&2 || true
# Where npm installed socketcan itself, the side build must not have run, and
# the addon must load in this Node (its ABI); otherwise the side build is the way.
if [ -f node_modules/socketcan/build/Release/can.node ]; then
  if [ -d node_modules/.hilbridge-native ]; then
    say "npm installed socketcan, yet hil/build-socketcan.mjs built it beside too"
    exit 1
  fi
  node --input-type=commonjs -e 'require("socketcan")' || { say "socketcan does not load on $node_version"; exit 1; }
  say "socketcan installed by npm itself and loads (no side build)"
elif [ -f node_modules/.hilbridge-native/node_modules/socketcan/build/Release/can.node ]; then
  say "socketcan skipped by npm, built beside by hil/build-socketcan.mjs"
else
  say "socketcan unavailable (CAN links would report unsupported_link)"
fi
say "npm ci took $((SECONDS - start))s"

# What a user runs first (README quick start), on this Node, from the fresh build.
if ! node dist/bin/hilbridge.js demo >demo.log 2>&1 || ! grep -q '^demo complete' demo.log; then
  cat demo.log >&2
  say "hilbridge demo failed"
  exit 1
fi
say "hilbridge demo ran"

start=$SECONDS
args=(run --reporter=default)
[ -n "$report" ] && args+=(--reporter=json "--outputFile.json=$report")
npx vitest "${args[@]}"
status=$?
say "unit+integration took $((SECONDS - start))s, exit $status"
exit $status
