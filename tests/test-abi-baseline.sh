# abi-check/check-abi.sh against the committed baseline: the current header
# passes; a minor version that only appends passes; every other kind of
# change fails and says what changed.  Variants of the header are made
# with sed in the scratch directory.
. tests/functions.sh

CHECK=abi-check/check-abi.sh
api=plugin-api/qemu-block-plugin.h
abi=$(abi-check/abi-version.sh plugin-api)
major=${abi%%.*}
minor=${abi#*.}
next=$major.$((minor + 1))
baseline=abi-check/qemu-block-plugin-$abi.abi
incompatible="check-abi: FAIL: HEADER is not compatible with ABI $major.0 (abi-check/qemu-block-plugin-$major.0.abi)"
incompatible_1_2="check-abi: FAIL: HEADER is not compatible with ABI $major.2 (abi-check/qemu-block-plugin-$major.2.abi)"
changed_1_2="check-abi: fields that ABI $major.2 already has were changed; abidiff of the tables cut back to their $major.2 size reports:"
only_append="check-abi: a version of the same major may only append fields at the end of struct qbp_host, struct qbp_plugin or struct qbp_limits; abidiff reports:"
old_changed="check-abi: fields that ABI $major.0 already has were changed; abidiff of the tables cut back to their $major.0 size reports:"

# variant NAME SED_SCRIPT...: $scratch/NAME/qemu-block-plugin.h, the current
# header edited by each script in turn.  A script that matched nothing
# would make the test pass for the wrong reason, so that is a failure.
variant() {
    local name=$1 dir=$scratch/$1 script
    shift
    mkdir -p "$dir"
    cp "$api" "$dir/qemu-block-plugin.h"
    for script in "$@"; do
        cp "$dir/qemu-block-plugin.h" "$dir/before.h"
        sed -i "$script" "$dir/qemu-block-plugin.h"
        if cmp -s "$dir/before.h" "$dir/qemu-block-plugin.h"; then
            not_ok "variant $name: sed '$script' changed the header"
        fi
    done
    rm -f "$dir/before.h"
}
bump="s/^#define QBP_ABI_MINOR $minor\$/#define QBP_ABI_MINOR $((minor + 1))/"
append_plugin='/^struct qbp_plugin {/,/^};/ s/^};/    int (*appended_by_test)(void *handle);\n};/'

# run_check HEADER_DIR: sets $rc and $out (first two lines in $head).
run_check() {
    # C locale: the compiler's quotes and abidiff's wording as written here.
    out=$(LC_ALL=C "$CHECK" "$1" 2>&1)
    rc=$?
    head=$(printf '%s\n' "$out" | sed -n '1,2p')
}
# fails_with DESCRIPTION HEADER_DIR LINE1 LINE2 DETAIL: exit 1, the first
# two lines exactly (HEADER standing for the header's path), and DETAIL
# somewhere in abidiff's or the compiler's report.
fails_with() {
    local desc=$1 dir=$2 l1=${3//HEADER/$2/qemu-block-plugin.h} l2=$4 detail=$5
    run_check "$dir"
    check_equal "$desc: exit 1 and says why" "exit 1: $l1
$l2" "exit $rc: $head"
    check_contains "$desc: reports what changed" "$detail" "$out"
}

# ---- what must pass ----
run_check plugin-api
check_equal "the current header matches its baseline" \
    "exit 0: check-abi: OK: $api is ABI $abi, identical to its baseline $baseline" \
    "exit $rc: $out"

variant appended "$append_plugin" "$bump"
run_check "$scratch/appended"
check_equal "a field appended to struct qbp_plugin with the minor bumped passes" \
    "exit 0: check-abi: OK: $scratch/appended/qemu-block-plugin.h is ABI $next and only appends to ABI $abi
check-abi: note: no baseline for $next yet; once $next is final, run 'make abi-baseline' and commit abi-check/qemu-block-plugin-$next.abi next to the older ones" \
    "exit $rc: $out"

variant appended-host-limits "$bump" \
    '/^struct qbp_host {/,/^};/ s/^};/    void *appended_by_test;\n};/' \
    '/^struct qbp_limits {/,/^};/ s/^};/    uint32_t appended_by_test;\n};/'
run_check "$scratch/appended-host-limits"
check_equal "fields appended to struct qbp_host and struct qbp_limits pass" \
    "exit 0: check-abi: OK: $scratch/appended-host-limits/qemu-block-plugin.h is ABI $next and only appends to ABI $abi" \
    "exit $rc: $(printf '%s\n' "$out" | sed -n 1p)"

# ---- what must fail ----
# The appended field sits at the end of today's table: ask the compiler.
printf '#include <stdio.h>\n#include "qemu-block-plugin.h"\nint main(void) { printf("%%zu", 8 * sizeof(struct qbp_plugin)); return 0; }\n' \
    > "$scratch/bits.c"
${CC:-cc} -I plugin-api -o "$scratch/bits" "$scratch/bits.c"
plugin_bits=$("$scratch/bits")
variant nobump "$append_plugin"
fails_with "an appended field without a minor bump" "$scratch/nobump" \
    "check-abi: FAIL: HEADER appends to ABI $abi but QBP_ABI_MINOR is still $minor: bump it to $((minor + 1)) as abi-check/README.md says; abidiff reports:" \
    "    Functions changes summary: 0 Removed, 1 Changed (1 filtered out), 0 Added functions" \
    "'int (void*)* appended_by_test', at offset $plugin_bits (in bits)"

fails_with "the committed broken header (a field inserted in the middle)" \
    abi-check/broken "$incompatible" "$only_append" \
    "'const char* license', at offset 256 (in bits)"
check_contains "the broken header: later fields are reported as moved" \
    "'const qbp_option* options' offset changed from 384 to 448 (in bits)" "$out"

variant removed '/^    const char \*description;/d' "$bump"
fails_with "a field removed" "$scratch/removed" "$incompatible" "$only_append" \
    "'const char* description', at offset 320 (in bits)"

variant retyped 's/^    uint32_t thread_model;/    uint64_t thread_model;/' "$bump"
fails_with "a field's type changed" "$scratch/retyped" "$incompatible" \
    "$old_changed" "type of 'uint32_t thread_model' changed"

variant signature \
    's/(\*get_length)(void \*handle);/(*get_length)(void *handle, int extra);/' \
    "$bump"
fails_with "a callback's signature changed" "$scratch/signature" \
    "$incompatible" "$old_changed" "parameter 2 of type 'int' was added"

# libabigail's has_data_member_inserted_at = end alone lets this through.
variant append-and-retype "$append_plugin" "$bump" \
    's/^    const char \*version; /    const int *version;  /'
fails_with "an appended field does not hide a changed one" \
    "$scratch/append-and-retype" "$incompatible" "$old_changed" \
    "'const char' changed to 'const int'"

variant option-grew "$bump" \
    '/^struct qbp_option {/,/^};/ s/^};/    uint32_t appended_by_test;\n};/'
fails_with "growing struct qbp_option (an array element) fails" \
    "$scratch/option-grew" "$incompatible" "$only_append" \
    "in unqualified underlying type 'struct qbp_option'"

# struct qbp_extent (1.2) travels in an array too: the host's array of
# extents for aio_block_status.  It is only reached through a versioned
# table, so the suppression hides it and the cut-back comparison against
# the first baseline that has it is what fails.
if grep -q '^struct qbp_extent {' "$api"; then
    variant extent-grew "$bump" \
        '/^struct qbp_extent {/,/^};/ s/^};/    uint64_t appended_by_test;\n};/'
    fails_with "growing struct qbp_extent (an array element) fails" \
        "$scratch/extent-grew" "$incompatible_1_2" "$changed_1_2" \
        "in pointed to type 'struct qbp_extent'"
    check_contains "...and says that it grew" \
        "type size changed from 128 to 192 (in bits)" "$out"
fi

variant constant 's/^#define QBP_CAP_FUA .*/#define QBP_CAP_FUA          (1u << 7)/'
fails_with "a constant's value changed" "$scratch/constant" "$incompatible" \
    "$old_changed" "type of 'char cap_fua[17]' changed"

variant no-constant '/^#define QBP_CAP_ZERO_UNMAP/d'
run_check "$scratch/no-constant"
check_equal "a constant removed: exit 1 and says why" \
    "exit 1: check-abi: FAIL: the ABI probe does not build against $scratch/no-constant/qemu-block-plugin.h: a public type or constant was removed or renamed; the compiler says:" \
    "exit $rc: $(printf '%s\n' "$out" | sed -n 1p)"
check_contains "a constant removed: the compiler names it" \
    "'QBP_CAP_ZERO_UNMAP' undeclared" "$out"

major_scripts=("s/^#define QBP_ABI_MAJOR $major\$/#define QBP_ABI_MAJOR $((major + 1))/")
if [ "$minor" != 0 ]; then
    major_scripts+=("s/^#define QBP_ABI_MINOR $minor\$/#define QBP_ABI_MINOR 0/")
fi
variant major "${major_scripts[@]}"
run_check "$scratch/major"
have=$(ls abi-check/qemu-block-plugin-*.abi | sed 's/.*plugin-\(.*\)\.abi$/\1/' |
       sort -V | paste -sd' ')
check_equal "a new major without its baseline fails" \
    "exit 1: check-abi: FAIL: $scratch/major/qemu-block-plugin.h is ABI $((major + 1)).0 but abi-check/ has no baseline for major $((major + 1)) (it has: $have); for a deliberate major bump follow abi-check/README.md" \
    "exit $rc: $out"

# ---- the baseline itself ----
if grep -q "$top" "$baseline"; then
    not_ok "the baseline names no path of this checkout" \
        "$(grep -n "$top" "$baseline" | head -3)"
else
    ok "the baseline names no path of this checkout"
fi
# The same header in another directory dumps to the same bytes.
variant moved
abi-check/abi-dump.sh plugin-api "$scratch/a/probe.so" "$scratch/a/probe.abi"
abi-check/abi-dump.sh "$scratch/moved" "$scratch/b/probe.so" "$scratch/b/probe.abi"
check "the dump does not depend on where the header is" \
    cmp "$scratch/a/probe.abi" "$scratch/b/probe.abi"

plan "$tap_n"
done_testing
