#!/bin/bash
# tests/fuzz/test_fuzz.sh - the fuzzing suite (libFuzzer + ASan + UBSan; docs/fuzzing.md).
#
#   tests/fuzz/test_fuzz.sh [--long] [--seconds S] [TARGET...]
#
# For each target (default: every tests/fuzz/fuzz_*.c), one line:
#   PASS: fuzz/<target> (N execs, 0 crashes, cov X ft Y; replayed R inputs)
#   FAIL: fuzz/<target> (why: a regression input that crashes, or the crash the run found)
# First every input under tests/fuzz/<target>/corpus/ and crashes/ is run once (a crash there is
# a regression), then the fuzzer runs for S seconds (default 2) from a copy of the corpus.
# --long (make fuzz): S defaults to 60, the working corpus build/fuzz/corpus/<target> is kept and
# grows from run to run, and a crash is kept under build/fuzz/crashes/<target>/.
# A crash found by the run is copied to $BUILD/fuzz/crashes/<target>/ with the command that
# shows it; docs/fuzzing.md says how to keep it as a regression input.
# Ends with SUMMARY: test_fuzz: ... and "N passed, N failed"; exit 0 only when nothing failed.
# Builds the fuzzers first (make fuzz-build); needs clang and libclang-rt-14-dev.

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$REPO" || exit 2
BUILD_DIR=${BUILD:-build}
[[ $BUILD_DIR == /* ]] || BUILD_DIR=$REPO/$BUILD_DIR
SUITE=test_fuzz

long=0 seconds="" targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --long) long=1; shift ;;
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "test_fuzz: unknown option '$1'" >&2; exit 64 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ -n $seconds ]] || seconds=$([[ $long -eq 1 ]] && echo 60 || echo "${FUZZ_SECONDS:-2}")
if [[ ${#targets[@]} -eq 0 ]]; then
  for f in "$HERE"/fuzz_*.c; do
    t=$(basename "$f" .c); t=${t#fuzz_}
    [[ $t == stubs ]] || targets+=("$t")
  done
fi

n_pass=0 n_fail=0
pass() { n_pass=$((n_pass + 1)); echo "PASS: $1${2:+ ($2)}"; }
fail() { n_fail=$((n_fail + 1)); echo "FAIL: $1 (${2:-failed})"; }
finish() {
  echo "SUMMARY: $SUITE: $((n_pass + n_fail)) checks, $n_pass passed, $n_fail failed, 0 skipped"
  echo "$n_pass passed, $n_fail failed"
  [[ $n_fail -eq 0 ]]
  exit
}

# The one line that says what went wrong: the harness's own check, a UBSan report, a panic, or
# the sanitizer's SUMMARY (kind, file:line, function).
why_crash() {
  local l
  l=$(grep -m1 -E '^fuzz_[a-z]+: |runtime error:|would panic' "$1")
  [[ -n $l ]] || l=$(grep -m1 -E '^SUMMARY: (AddressSanitizer|libFuzzer|LeakSanitizer)' "$1" | sed 's/^SUMMARY: //')
  echo "${l#$REPO/}" | sed "s|$REPO/||g; s|\./||g"
}

bins=()
for t in "${targets[@]}"; do bins+=("$BUILD_DIR/fuzz/fuzz_$t"); done
log=$BUILD_DIR/fuzz/build.log
mkdir -p "$BUILD_DIR/fuzz"
if ! ${MAKE:-make} --no-print-directory BUILD="$BUILD_DIR" "${bins[@]}" >"$log" 2>&1; then
  grep -E 'error|Error' "$log" | head -n 5 | sed 's/^/  /'
  fail "fuzz/build" "make could not build the fuzzers: see $log (clang and libclang-rt-14-dev: scripts/install-deps)"
  finish
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cv-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

for t in "${targets[@]}"; do
  bin=$BUILD_DIR/fuzz/fuzz_$t
  name=fuzz/$t
  # 1: every kept input, once
  inputs=()
  for f in "$HERE/$t"/corpus/* "$HERE/$t"/crashes/*; do [[ -f $f ]] && inputs+=("$f"); done
  if [[ ${#inputs[@]} -gt 0 ]]; then
    if ! "$bin" "${inputs[@]}" >"$work/$t.replay" 2>&1; then
      bad=$(grep -o 'Running: [^ ]*' "$work/$t.replay" | tail -n 1 | sed 's/Running: //')
      why=$(why_crash "$work/$t.replay")
      fail "$name" "regression input ${bad#$REPO/} crashes: ${why:-see $BUILD_DIR/fuzz/$t.replay.log}"
      cp "$work/$t.replay" "$BUILD_DIR/fuzz/$t.replay.log"
      continue
    fi
  fi
  # 2: a bounded run from the corpus
  if [[ $long -eq 1 ]]; then
    corpus=$BUILD_DIR/fuzz/corpus/$t
  else
    corpus=$work/corpus-$t
  fi
  mkdir -p "$corpus" "$work/art-$t"
  [[ -d $HERE/$t/corpus ]] && cp -n "$HERE/$t"/corpus/* "$corpus"/ 2>/dev/null
  "$bin" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/art-$t/" "$corpus" >"$work/$t.log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
  cov=$(grep -oE '(DONE|INITED|NEW|REDUCE|pulse|RELOAD) +cov: [0-9]+ ft: [0-9]+' "$work/$t.log" | tail -n 1 |
        awk '{print "cov " $3 " ft " $5}')
  arts=("$work/art-$t"/*)
  if [[ $rc -ne 0 || -e ${arts[0]} ]]; then
    keep=$BUILD_DIR/fuzz/crashes/$t
    mkdir -p "$keep"
    cp "$work/$t.log" "$keep/last-run.log"
    kept=""
    for a in "${arts[@]}"; do [[ -f $a ]] && cp "$a" "$keep/" && kept=$keep/$(basename "$a"); done
    why=$(why_crash "$work/$t.log")
    fail "$name" "crash after ${execs:-?} execs: ${why:-exit $rc}; input: ${kept:-none} (show it: $bin $kept)"
    continue
  fi
  pass "$name" "${execs:-0} execs, 0 crashes, ${cov:-cov ?}; replayed ${#inputs[@]} inputs"
done
finish
