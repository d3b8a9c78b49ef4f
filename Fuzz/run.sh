#!/usr/bin/env bash
# Runs the libFuzzer harnesses built by `make fuzz` (.build-fuzz/debug/fuzz-<name>),
# each for FUZZ_SECONDS, and fails if any of them crashed, leaked, hung or ran
# out of memory. Usage: Fuzz/run.sh [name ...]   (default: every harness)
#
# The checked-in seeds (Fuzz/Corpus/<name>) are only read; what a run finds
# goes to .build-fuzz/corpus/<name>, kept between runs, and a crash's input to
# .build-fuzz/artifacts/<name>/. FUZZ_ARGS adds libFuzzer flags (-fork=2, -dict=…, -max_len=…).
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-20}
bin=.build-fuzz/debug
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for dir in Fuzz/Harnesses/*/; do names+=("$(basename "$dir")"); done
fi

failed=()
printf '%-26s %12s %8s %7s\n' harness executions exec/s corpus
for name in "${names[@]}"; do
    harness=$bin/fuzz-$name
    [ -x "$harness" ] || { echo "$harness is not built (make fuzz builds it)"; exit 2; }
    corpus=.build-fuzz/corpus/$name
    artifacts=.build-fuzz/artifacts/$name/
    log=.build-fuzz/logs/$name.log
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    touch "$log.start"
    # -timeout: one input taking this long is a hang; stdin is /dev/null so that
    # a harness reading a file name the fuzzer made up (the kubeconfig's
    # tokenFile: /dev/stdin) cannot wait for a terminal. SWIFT_BACKTRACE:
    # Swift's crash handler reads memory ASan guards and hides the real report
    # behind one of its own.
    # shellcheck disable=SC2086
    SWIFT_BACKTRACE=enable=no "$harness" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts" ${FUZZ_ARGS:-} "$corpus" "Fuzz/Corpus/$name" </dev/null >"$log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    # -fork=N prints no final stats, only its `#N: … exec/s: R` progress lines.
    [ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\):.*/\1/p' "$log" | tail -1)
    [ -n "$rate" ] || rate=$(sed -n 's/^#[0-9]*:.* exec\/s: \([0-9]*\).*/\1/p' "$log" | tail -1)
    size=$(find "$corpus" -type f | wc -l)
    printf '%-26s %12s %8s %7s\n' "$name" "${runs:-?}" "${rate:-?}" "$size"
    if [ $status -ne 0 ]; then
        failed+=("$name")
        echo "---- $name failed (exit $status); from $log:"
        # The failed check or sanitizer report, and the input libFuzzer saved.
        grep -v '^#[0-9]' "$log" | grep -E -A12 'Fatal error|ERROR: |==[0-9]+==' | grep -v '^ *#[0-9]* 0x.* in fuzzer::' | head -40
        grep -E '^(MS:|artifact_prefix|Base64)' "$log" | tail -3
        find "$artifacts" -type f -newer "$log.start" | sed "s|^|  input: |"
        echo "---- reproduce: SWIFT_BACKTRACE=enable=no $harness <input>"
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]}"
    exit 1
fi
