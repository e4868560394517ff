#!/usr/bin/env bash
# npm run test:hil: the HIL tier (test/hil) under hil/with-vcan.
# Exit: vitest's status when the tier ran; 5 when it could not run (says why).
set -u
cd "$(dirname "$0")/.."
EXIT_SKIPPED=5
skip() {
  {
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo "!! HIL tier SKIPPED: $*"
    echo "!! skipped: test/hil/*.test.ts ($(ls test/hil/*.test.ts | tr '\n' ' '))"
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  } >&2
  exit $EXIT_SKIPPED
}
[ "$(id -u)" -eq 0 ] || skip "not root (vcan and UML's hostfs need root)"
hil/install-deps.sh || skip "rig dependencies missing (see above)"
node hil/build-socketcan.mjs
out=$(mktemp -p "$PWD" .hil-report.XXXXXX.json) # the working dir is shared with the UML guest
trap 'rm -f "$out"' EXIT
# HILBRIDGE_HIL_REPORT=<path>: keep vitest's JSON report there (scripts/test.sh sums the tiers)
hil/with-vcan npx vitest run -c hil/vitest.hil.config.ts --reporter=default --reporter=json --outputFile.json="$out"
status=$?
case $status in
  124|125|126) skip "hil/with-vcan failed with status $status (124 timeout, 125 VM, 126 guest setup)" ;;
esac
[ -n "${HILBRIDGE_HIL_REPORT:-}" ] && [ -s "$out" ] && cp "$out" "$HILBRIDGE_HIL_REPORT"
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(`HIL scenarios: ${r.numTotalTests} ran: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
if (r.numPendingTests > 0) console.error("!! HIL scenarios skipped inside the tier: a link was missing (see the test names above)");
process.exit(r.numPendingTests > 0 && r.numFailedTests === 0 ? 5 : 0);
' "$out" || exit $EXIT_SKIPPED
exit $status
