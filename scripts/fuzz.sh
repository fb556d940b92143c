#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/) and runs each for FUZZ_SECONDS, one after the other.
#
#   scripts/fuzz.sh [TARGET...]     default: every target
#   FUZZ_SECONDS=300                time per target (make fuzz); make test runs each for a few seconds
#   FUZZ_JOBS=1, FUZZ_NICE=10       one fuzzer at a time, niced: the machine is shared
#
# Targets build with `--sanitize fuzzer` (coverage instrumentation of every module plus
# libFuzzer's main) in their own scratch path, .build-fuzz, so the normal build is untouched.
# Seeds are committed under Fuzz/corpus/TARGET; what the fuzzer finds on top of them stays in
# .build-fuzz/corpus/TARGET, and crashers in .build-fuzz/crashes/ (the script then fails: turn
# each into a regression test in the normal suites).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${FUZZ_SECONDS:-300}"
NICE="${FUZZ_NICE:-10}"
ALL=(TokenizerJSON TokenizerEncode JSONValue PromptGroup Jinja Checkpoint)
TARGETS=("${@:-${ALL[@]}}")
SCRATCH=.build-fuzz

# One build command per product keeps SwiftPM from building every executable of the package.
for t in "${TARGETS[@]}"; do
    WINNOW_FUZZ=1 nice -n "$NICE" swift build -c release --scratch-path "$SCRATCH" --sanitize fuzzer --product "fuzz-$t"
done
bin="$(WINNOW_FUZZ=1 swift build -c release --scratch-path "$SCRATCH" --show-bin-path)"

status=0
for t in "${TARGETS[@]}"; do
    corpus="$SCRATCH/corpus/$t" crashes="$SCRATCH/crashes/$t"
    mkdir -p "$corpus" "$crashes"
    echo "== fuzz-$t for ${SECONDS_PER_TARGET}s"
    # -rss_limit_mb: a template or record that makes the process balloon is a finding too.
    if ! nice -n "$NICE" "$bin/fuzz-$t" "$corpus" "Fuzz/corpus/$t" \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$crashes/" -print_final_stats=1 2>"$SCRATCH/fuzz-$t.log"; then
        status=1
        echo "fuzz-$t FAILED: see $SCRATCH/fuzz-$t.log and $crashes/" >&2
        tail -40 "$SCRATCH/fuzz-$t.log" >&2
    else
        grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$SCRATCH/fuzz-$t.log" | tr '\n' ' '; echo
    fi
done
exit "$status"
