#!/usr/bin/env bash
# Every fuzz target (tests/fuzz/fuzz-NAME.c) runs once over each input of
# its committed corpus (tests/fuzz/corpus/NAME/), without fuzzing: the
# seeds still keep every promise the target checks, and an input that once
# broke one stays fixed.  `make check-fuzz` is the fuzzing itself.
. tests/functions.sh

targets=()
for src in tests/fuzz/fuzz-*.c; do
    name=${src#tests/fuzz/fuzz-}
    targets+=("${name%.c}")
done
plan $((2 * ${#targets[@]} + 1))

# Every corpus belongs to a target: a renamed target keeps its seeds.
orphans=()
for dir in tests/fuzz/corpus/*/; do
    name=$(basename "$dir")
    [ -f "tests/fuzz/fuzz-$name.c" ] || orphans+=("$dir")
done
check_equal "every corpus directory has its target" "" "${orphans[*]}"

for name in "${targets[@]}"; do
    bin=$build/fuzz/fuzz-$name
    shopt -s nullglob
    inputs=(tests/fuzz/corpus/"$name"/*)
    shopt -u nullglob
    if [ "${#inputs[@]}" -gt 0 ]; then
        ok "fuzz-$name has a seed corpus (${#inputs[@]} inputs)"
    else
        not_ok "fuzz-$name has a seed corpus" "tests/fuzz/corpus/$name/ is empty or missing"
    fi
    if [ ! -x "$bin" ]; then
        not_ok "fuzz-$name passes on its corpus" "$bin is not built (make fuzz)"
        continue
    fi
    if out=$("$bin" -runs=1 "${inputs[@]}" 2>&1); then
        ok "fuzz-$name passes on its corpus"
    else
        # The input that failed, and what it broke.
        not_ok "fuzz-$name passes on its corpus" \
            "$(printf '%s\n' "$out" | grep -E '^Running: ' | tail -1)" \
            "$(printf '%s\n' "$out" | grep -E -B4 -A30 'invariant violated|^==[0-9]+==ERROR|runtime error' | grep -v '^Running: ' | head -40)"
    fi
done
done_testing
