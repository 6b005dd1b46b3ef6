#!/bin/bash
# tests/docs/test_docs.sh - the docs' references to the code still resolve (tests/docs/check-refs):
# one check per document (README.md, docs/*.md), then three checks that check-refs itself still
# catches drift, on a scratch copy of the tree: a renamed function, a moved file, and a
# line-number reference. No emulator; a few seconds.
#
# Output in the tests/emu/lib.sh format: PASS:/FAIL: lines, SUMMARY, then "N passed, N failed".

source "$(dirname "$0")/../emu/lib.sh"

CHECK=$TEST_REPO/tests/docs/check-refs
SCRATCH=$TEST_LOGROOT/scratch

# ---- the documents ----
docs=(README.md)
for f in "$TEST_REPO"/docs/*.md; do docs+=("docs/$(basename "$f")"); done
for d in "${docs[@]}"; do
  out=$("$CHECK" "$d" 2>&1)
  np=$(grep -c '^PASS: ' <<<"$out"); nf=$(grep -c '^FAIL: ' <<<"$out")
  if [[ $nf -eq 0 && $out == *" passed, 0 failed" ]]; then
    pass "refs-$d" "$np references"
  else
    fail "refs-$d" "$nf of $((np + nf)) references broken: $(grep '^FAIL: ' <<<"$out" | head -n 3 | sed 's/^FAIL: //' | tr '\n' ';')"
  fi
done

# ---- check-refs still catches drift (scratch copies; the tree itself is not touched) ----
scratch() { # fresh copy of the tree without build/ and .git
  rm -rf "$SCRATCH"; mkdir -p "$SCRATCH"
  (cd "$TEST_REPO" && tar --exclude=./build --exclude=./.git -cf - .) | tar -xf - -C "$SCRATCH"
}
# drift NAME WANT: check-refs on the scratch tree must fail with a FAIL line matching WANT
drift() {
  local out rc
  out=$("$CHECK" --root "$SCRATCH" 2>&1); rc=$?
  if [[ $rc -ne 0 ]] && grep -qE -- "$2" <<<"$out"; then
    pass "$1" "$(grep -c '^FAIL: ' <<<"$out") FAIL lines"
  else
    fail "$1" "check-refs exit $rc, no FAIL line matching /$2/"
  fi
}

scratch
# a function the docs name, renamed in the code
if grep -qE '^[a-z0-9_]+ vtsc_load\(' "$SCRATCH/vmm/time/vtsc.c" 2>/dev/null; then
  grep -rlw vtsc_load "$SCRATCH/vmm" | xargs sed -i 's/\bvtsc_load\b/vtsc_load_renamed/g'
  drift catches-renamed-function 'FAIL: .*`vmm/time/vtsc.c:vtsc_load`: .* does not define or declare vtsc_load'
else
  skip catches-renamed-function "vmm/time/vtsc.c no longer defines vtsc_load: pick another function"
fi

scratch
# a file the docs name, moved
if [[ -f $SCRATCH/vmm/sched.c ]]; then
  mkdir -p "$SCRATCH/vmm/core" && mv "$SCRATCH/vmm/sched.c" "$SCRATCH/vmm/core/sched.c"
  drift catches-moved-file 'FAIL: .*`vmm/sched.c[:`].*no (such )?file'
else
  skip catches-moved-file "vmm/sched.c no longer exists: pick another file"
fi

scratch
# a line-number reference added to a document
echo 'See `vmm/run.c:42` and [the slice](vmm/run.c#L42).' >>"$SCRATCH/docs/tsc.md"
drift catches-line-numbers 'FAIL: .*`vmm/run.c:42` points at a line number'

rm -rf "$SCRATCH"
finish
