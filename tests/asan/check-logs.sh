#!/usr/bin/env bash
# The sanitizer reports of a `make check-asan` run, one file a process
# (ASAN_OPTIONS=log_path=DIR/asan, so that tests comparing stderr word for
# word are not disturbed).  Fails, printing them, if any process reported
# an error or a leak.  Not counted:
# - the warnings every QEMU prints about its coroutines (swapcontext,
#   __asan_handle_no_return), which no option turns off, and
#   LeakSanitizer's note that a thread (librados' own, ending at exit) ran
#   on while it checked: a leak it then found would still be reported;
# - errors inside tests/broken-plugins/, the plugins with a seeded fault
#   that qbp-check must catch (double-completion's worker reads a request
#   its early completion gave back: a use after free by design).
#
#   tests/asan/check-logs.sh DIR
set -u
dir=$1
shopt -s nullglob
files=("$dir"/*)
bad=0
seeded=0
digest=()
for f in "${files[@]}"; do
    # What is left once the known warnings are taken out.
    rest=$(grep -v -e "WARNING: ASan doesn't fully support makecontext/swapcontext" \
                   -e 'WARNING: ASan is ignoring requested __asan_handle_no_return' \
                   -e '^False positive error reports may follow' \
                   -e '^For details see https://github.com/google/sanitizers/issues/189' \
                   -E -e '^==[0-9]+==Running thread [0-9]+ was not suspended\. False leaks are possible\.$' \
                   "$f")
    [ -n "$rest" ] || continue
    # The first frame of the error is in a seeded broken plugin.
    if printf '%s\n' "$rest" | grep -m1 -E '^ +#0 ' | grep -q 'tests/broken-plugins/'; then
        seeded=$((seeded + 1))
        continue
    fi
    bad=$((bad + 1))
    echo "==== $f"
    printf '%s\n' "$rest" | sed -n '1,80p'
    # What went wrong and where, again at the end of the output, where a
    # CI log that keeps only head and tail still shows it.
    digest+=("$f: $(printf '%s\n' "$rest" | grep -m1 -E 'ERROR: |runtime error' | sed 's/^==[0-9]*==//')")
    digest+=("$(printf '%s\n' "$rest" | grep -m1 -E -A6 '^(Direct|Indirect) leak|^READ|^WRITE|runtime error' | grep -E '^ +#[0-9]+ ' | head -6)")
done
[ "${#digest[@]}" -eq 0 ] || printf '%s\n' "${digest[@]}"
echo "sanitizers: ${#files[@]} process reports, $bad with errors or leaks," \
     "$seeded from seeded broken plugins (reports: $dir)"
[ "$bad" -eq 0 ]
