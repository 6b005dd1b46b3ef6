# tests/emu/lib.sh - helpers for the emulator tests (source it from tests/emu/test_*.sh).
#
# Output, one line per check (kvm-unit-tests style), then a summary:
#   PASS: name [(detail)]
#   FAIL: name (why; log: path)
#   SKIP: name (why)
#   SUMMARY: <suite>: N checks, N passed, N failed, N skipped
#   N passed, N failed[, N skipped]
#
# Running cvrun (every run gets an explicit --timeout; logs under $BUILD/test-logs/<suite>/<run>/):
#   cv RUN [cvrun args...]         run now; sets CV_RC[RUN], CV_WALL[RUN]
#   cv_bg RUN [cvrun args...]      start in the background (max 2 Bochs at a time: the caller's job)
#   cv_wait RUN...                 wait for background runs; sets CV_RC / CV_WALL
#   cv_log RUN                     path of RUN's serial log
#
# A check made of several conditions prints one line:
#   begin NAME [RUN]                   start a check (RUN: the run its log-conditions look at)
#   want_rc WANT                       cvrun's exit status must be WANT
#   want_log REGEX [DESC]              the serial log has a line matching REGEX (grep -E)
#   want_nolog REGEX [DESC]            ... has no such line
#   want_out REGEX [DESC]              cvrun's own stdout/stderr has a line matching REGEX
#   want CMD... / want_desc "DESC" CMD...   an arbitrary command must succeed
#   end [DETAIL]                       print PASS/FAIL for the check
# Or, for a single command:  check NAME CMD...   /  skip NAME WHY
#   finish                             print the summary; exit 0 when nothing failed

set -u

TEST_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TEST_BUILD=${BUILD:-build}
[[ $TEST_BUILD == /* ]] || TEST_BUILD=$TEST_REPO/$TEST_BUILD
CVRUN=$TEST_REPO/scripts/cvrun
TEST_SUITE=${TEST_SUITE:-$(basename "${BASH_SOURCE[1]:-$0}" .sh)}
TEST_LOGROOT=$TEST_BUILD/test-logs/$TEST_SUITE

n_pass=0 n_fail=0 n_skip=0
declare -A CV_RC=() CV_WALL=() CV_PID=()

pass() { n_pass=$((n_pass + 1)); echo "PASS: $1${2:+ ($2)}"; }
fail() { n_fail=$((n_fail + 1)); echo "FAIL: $1 (${2:-failed})"; }
skip() { n_skip=$((n_skip + 1)); echo "SKIP: $1 (${2:-skipped})"; }

check() {
  local name=$1; shift
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [[ $rc -eq 0 ]]; then pass "$name"
  else fail "$name" "'$*' exited $rc${out:+: $(tail -n 1 <<<"$out")}"; fi
}

# ---- cvrun ----
cv_dir() { echo "$TEST_LOGROOT/$1"; }
cv_log() { echo "$TEST_LOGROOT/$1/serial.log"; }
cv_out() { echo "$TEST_LOGROOT/$1/cvrun.out"; }

_cv_run() { # RUN args...: runs cvrun, leaves rc in DIR/cvrun.rc
  local run=$1; shift
  local dir; dir=$(cv_dir "$run")
  rm -rf "$dir"; mkdir -p "$dir"
  "$CVRUN" --quiet --log "$dir" "$@" >"$dir/cvrun.out" 2>&1
  echo $? >"$dir/cvrun.rc"
}
_cv_collect() {
  local run=$1 dir; dir=$(cv_dir "$run")
  CV_RC[$run]=$(cat "$dir/cvrun.rc" 2>/dev/null || echo "?")
  CV_WALL[$run]=$(sed -n 's/^cvrun: wall time \([0-9.]*\) s.*/\1/p' "$dir/cvrun.out" 2>/dev/null | tail -n 1)
  [[ -n ${CV_WALL[$run]} ]] || CV_WALL[$run]="?"
}
cv() { _cv_run "$@"; _cv_collect "$1"; }
cv_bg() { _cv_run "$@" & CV_PID[$1]=$!; }
cv_wait() {
  local run
  for run in "$@"; do
    [[ -n ${CV_PID[$run]:-} ]] && wait "${CV_PID[$run]}"
    unset "CV_PID[$run]"
    _cv_collect "$run"
  done
}

# Ctrl-C / kill: stop background runs (cvrun kills its emulator on TERM). Background jobs of a
# script ignore SIGINT, so they are sent SIGTERM explicitly: the subshell's children (cvrun), then it.
_cv_abort() {
  trap - INT TERM
  local run pid
  for run in "${!CV_PID[@]}"; do
    pid=${CV_PID[$run]}
    pkill -TERM -P "$pid" 2>/dev/null
    kill -TERM "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  echo "FAIL: $TEST_SUITE interrupted"
  exit 130
}
trap _cv_abort INT TERM

# ---- multi-condition checks ----
_chk_name="" _chk_run="" _chk_why=()
begin() { _chk_name=$1; _chk_run=${2:-}; _chk_why=(); }
_chk_fail() { _chk_why+=("$1"); }
want_rc() {
  local got=${CV_RC[$_chk_run]:-?}
  [[ $got == "$1" ]] || _chk_fail "cvrun exit $got, want $1"
}
want_log() {
  grep -qaE -- "$1" <(tr -d '\r' <"$(cv_log "$_chk_run")" 2>/dev/null) ||
    _chk_fail "log lacks ${2:-/$1/}"
}
want_nolog() {
  grep -qaE -- "$1" <(tr -d '\r' <"$(cv_log "$_chk_run")" 2>/dev/null) &&
    _chk_fail "log has ${2:-/$1/}"
  return 0
}
want_out() {
  grep -qaE -- "$1" "$(cv_out "$_chk_run")" 2>/dev/null || _chk_fail "cvrun output lacks ${2:-/$1/}"
}
want() { "$@" >/dev/null 2>&1 || _chk_fail "'$*' failed"; }
want_desc() { local d=$1; shift; "$@" >/dev/null 2>&1 || _chk_fail "$d"; }
end() {
  if [[ ${#_chk_why[@]} -eq 0 ]]; then
    pass "$_chk_name" "${1:-}"
  else
    local why; why=$(IFS=';'; echo "${_chk_why[*]}" | sed 's/;/; /g')
    [[ -n $_chk_run ]] && why+="; log: $(cv_dir "$_chk_run")/"
    fail "$_chk_name" "$why"
  fi
}

finish() {
  local total=$((n_pass + n_fail + n_skip))
  echo "SUMMARY: $TEST_SUITE: $total checks, $n_pass passed, $n_fail failed, $n_skip skipped"
  if [[ $n_skip -gt 0 ]]; then echo "$n_pass passed, $n_fail failed, $n_skip skipped"
  else echo "$n_pass passed, $n_fail failed"; fi
  [[ $n_fail -eq 0 ]]
  exit $?
}
