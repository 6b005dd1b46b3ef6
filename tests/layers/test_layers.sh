#!/bin/bash
# tests/layers/test_layers.sh - the layering suite for tests/run-all (no emulator; < 2 s).
#
#   check-layers on the real tree and $BUILD/k (includes, links, file and folder cycles), then
#   selftest's negative controls (each proves check-layers can fail).
# Output as tests/emu/lib.sh: PASS:/FAIL:/SKIP: lines (notes pass through), then
#   SUMMARY: test_layers: N checks, N passed, N failed, N skipped
#   N passed, N failed[, N skipped]
# A tool that crashes or ends without its "N passed, N failed" line counts as one failure.

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${BUILD:-build}
[[ $BUILD_DIR == /* ]] || BUILD_DIR=$REPO/$BUILD_DIR
SUITE=test_layers

n_pass=0 n_fail=0 n_skip=0
fail() { n_fail=$((n_fail + 1)); echo "FAIL: $1 (${2:-failed})"; }

# run_tool NAME CMD...: pass its PASS/FAIL/SKIP lines through and count them; drop its own total
run_tool() {
  local name=$1; shift
  local out rc line summary=0 fails=0
  out=$("$@" 2>&1); rc=$?
  while IFS= read -r line; do
    case "$line" in
      PASS:\ *) n_pass=$((n_pass + 1)); echo "$line" ;;
      FAIL:\ *) n_fail=$((n_fail + 1)); fails=$((fails + 1)); echo "$line" ;;
      SKIP:\ *) n_skip=$((n_skip + 1)); echo "$line" ;;
      SUMMARY:\ *) echo "  $line" ;;   # never let a tool's line pass for this suite's summary
      *) if [[ $line =~ ^[0-9]+\ passed,\ [0-9]+\ failed ]]; then summary=1
         elif [[ -n $line ]]; then echo "$line"; fi ;;
    esac
  done <<<"$out"
  if [[ $summary -eq 0 ]]; then fail "$name" "ended without its summary line (exit $rc)"
  elif [[ $rc -ne 0 && $fails -eq 0 ]]; then fail "$name" "exit $rc with no FAIL line"
  elif [[ $rc -eq 0 && $fails -ne 0 ]]; then fail "$name" "exit 0 despite $fails FAIL line(s)"
  fi
}

run_tool "layers/check-layers" "$HERE/check-layers" --root "$REPO" --objs "$BUILD_DIR/k"
run_tool "layers/selftest" "$HERE/selftest" --no-tree

total=$((n_pass + n_fail + n_skip))
echo "SUMMARY: $SUITE: $total checks, $n_pass passed, $n_fail failed, $n_skip skipped"
if [[ $n_skip -gt 0 ]]; then echo "$n_pass passed, $n_fail failed, $n_skip skipped"
else echo "$n_pass passed, $n_fail failed"; fi
[[ $n_fail -eq 0 ]]
