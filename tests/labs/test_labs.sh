#!/bin/bash
# tests/labs/test_labs.sh - the labs (labs/README.md) can be failed and can be passed: for each
# lab N, labs/mklab makes its stubbed tree, and labs/check N must
#   (a) build the stubbed tree, then FAIL at least one of the lab's checks on it, and
#   (b) PASS every check on this tree, the reference solution.
# A third check per lab: the stubbed tree differs from this one in exactly the files that
# labs/stubs/manifest names, so a lab never removes more (or less) than it says.
#
# Runs `make lab-N` twice per lab, sequentially (labs/check starts at most 2 Bochs at a time).
# Usual wall time on 2 cores: 1.5-2 minutes (six stubbed trees to build, ~6 s each; labs 1, 2,
# 3, 5 and 6 boot Bochs 1-4 times per tree, 5-15 s a boot; lab 4 is cmocka only).
# Logs: $BUILD/test-logs/test_labs/ (each lab's stubbed tree, and labs/check's output on both).

source "$(dirname "$0")/../emu/lib.sh"

LABS=$TEST_REPO/labs
MANIFEST=$LABS/stubs/manifest
LAB_TIMEOUT=900        # one labs/check run, seconds (usual: 5-40 s)

rm -rf "$TEST_LOGROOT"; mkdir -p "$TEST_LOGROOT"

# The files of this tree labs/mklab copies (as it lists them), for the scope check.
mapfile -d '' -t tracked < <(cd "$TEST_REPO" && git ls-files -z --cached --others --exclude-standard 2>/dev/null)

# run_check N TREE LOG: labs/check under a timeout; its rc in $rc, its output in LOG
run_check() {
  timeout -k 20 "$LAB_TIMEOUT" "$LABS/check" "$1" "$2" >"$3" 2>&1
  rc=$?
}
fails_of() { sed -n 's/^FAIL: \([^ ]*\).*/\1/p' "$1" | paste -sd' ' -; }

for lab in $(awk '/^[0-9]/{print $1}' "$MANIFEST" | sort -un); do
  dir=$TEST_LOGROOT/lab-$lab
  stub=$dir/tree
  mkdir -p "$dir"

  # ---- the stubbed tree ----
  if ! "$LABS/mklab" --force "$lab" "$stub" >"$dir/mklab.log" 2>&1; then
    fail "lab$lab-stub-made" "labs/mklab $lab failed: $(tail -n 1 "$dir/mklab.log")"
    continue
  fi
  want_files=$(awk -v n="$lab" '$1 == n {print $3}' "$MANIFEST" | sort -u | paste -sd' ' -)
  got_files=$(for f in "${tracked[@]}"; do
                [[ -f $TEST_REPO/$f && $f != .lab ]] || continue
                cmp -s "$TEST_REPO/$f" "$stub/$f" || echo "$f"
              done | sort -u | paste -sd' ' -)
  begin "lab$lab-stub-scope"
  [[ $got_files == "$want_files" ]] ||
    _chk_fail "the stubbed tree differs in '$got_files', the manifest names '$want_files'"
  end "differs in: $got_files"

  start=$SECONDS
  run_check "$lab" "$stub" "$dir/stubbed.out"
  secs=$((SECONDS - start))
  begin "lab$lab-fails-on-stub"
  grep -q "^PASS: lab$lab/build" "$dir/stubbed.out" ||
    _chk_fail "the stubbed tree did not build (a lab tree must compile); see $dir/stubbed.out"
  [[ $rc -ne 0 ]] || _chk_fail "labs/check $lab passed on the stubbed tree"
  [[ $rc -eq 124 || $rc -eq 137 ]] && _chk_fail "labs/check $lab timed out after $LAB_TIMEOUT s"
  grep -q "^FAIL: lab$lab/" "$dir/stubbed.out" || _chk_fail "no FAIL line of lab $lab's own checks"
  end "${secs} s; failing: $(fails_of "$dir/stubbed.out")"

  # ---- this tree: the solution ----
  start=$SECONDS
  run_check "$lab" "$TEST_REPO" "$dir/main.out"
  secs=$((SECONDS - start))
  begin "lab$lab-passes-on-main"
  [[ $rc -eq 0 ]] || _chk_fail "labs/check $lab exited $rc on this tree; failing: $(fails_of "$dir/main.out"); see $dir/main.out"
  grep -q "^PASS: lab$lab/" "$dir/main.out" || _chk_fail "no PASS line of lab $lab's checks"
  end "${secs} s; $(tail -n 1 "$dir/main.out")"
done

finish
