#!/usr/bin/env bash
# Fuzz one target for a bounded time, starting from its committed corpus.
#
#   tests/fuzz/run-fuzz.sh FUZZ_DIR NAME SECONDS
#
# FUZZ_DIR holds fuzz-NAME (built by tests/fuzz/fuzz.mk).  Inputs that
# reach new code go to FUZZ_DIR/work/NAME/ (the committed corpus,
# tests/fuzz/corpus/NAME/, is only read); a crash is saved as
# FUZZ_DIR/artifacts/NAME-crash-<sha1> and printed with its stack.  The
# last line is a summary: executions, their rate, the corpus size.
# Exit status 0 when nothing was found.
set -u

dir=$1
name=$2
seconds=$3
bin=$dir/fuzz-$name
seeds=tests/fuzz/corpus/$name
work=$dir/work/$name
artifacts=$dir/artifacts
log=$dir/fuzz-$name.log

mkdir -p "$work" "$artifacts"
args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
      -max_len=4096 -use_value_profile=1 -print_final_stats=1
      -artifact_prefix="$artifacts/$name-")
if [ -f "tests/fuzz/$name.dict" ]; then
    args+=(-dict="tests/fuzz/$name.dict")
fi

echo "fuzz-$name: fuzzing for ${seconds}s (log: $log)"
"$bin" "${args[@]}" "$work" "$seeds" > "$log" 2>&1
rc=$?

stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
runs=$(stat number_of_executed_units)
rate=$(stat average_exec_per_sec)
corpus=$(find "$work" "$seeds" -type f | wc -l)
if [ "$rc" -ne 0 ]; then
    echo "fuzz-$name: FAILED (exit $rc) after ${runs:-?} executions:"
    grep -E -A40 '^==[0-9]+==ERROR|invariant violated|runtime error|deadly signal|Test unit written' "$log" | head -80
    echo "fuzz-$name: reproduce with: $bin $artifacts/$name-crash-..."
    exit 1
fi
echo "fuzz-$name: ok, ${runs:-?} executions in ${seconds}s (${rate:-?}/s), corpus $corpus inputs"
