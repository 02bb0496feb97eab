#!/usr/bin/env bash
# scripts/apt-sources.sh takes the Debian archive's address and key from
# the machine's own apt sources (deb822 or one-line), whatever mirror they
# name, and refuses with a message when none is for Debian 12.
. tests/functions.sh
plan 7

gen=$top/scripts/apt-sources.sh

cat >"$scratch/mirror.sources" <<'SRC'
Types: deb
# a comment inside the stanza
URIs: http://mirror.example.org/debian/
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/example.gpg

Types: deb
URIs: http://security.example.org/debian-security
Suites: bookworm-security
Components: main
SRC
out=$("$gen" "$scratch/mirror.sources" 2>&1)
check_equal "deb822: the mirror's address for the source packages" \
    "URIs: http://mirror.example.org/debian/" "$(printf '%s\n' "$out" | grep -m1 '^URIs:')"
check_equal "deb822: its key" 2 \
    "$(printf '%s\n' "$out" | grep -c '^Signed-By: /usr/share/keyrings/example.gpg$')"
check_contains "deb822: deb-src for Debian 12's and Debian 13's QEMU" \
    "Suites: bookworm bookworm-updates trixie" "$out"
check_contains "deb822: bookworm-backports for meson" \
    "Suites: bookworm-backports" "$out"

printf '%s\n' '# a comment' \
    'deb-src http://ignored.example.org/debian bookworm main' \
    'deb [arch=amd64 signed-by=/etc/apt/keyrings/m.gpg] https://m.example.net/debian bookworm main' \
    >"$scratch/one-line.list"
out=$("$gen" "$scratch/one-line.list" 2>&1)
check_equal "one-line: address and key of the deb line for bookworm" \
    "URIs: https://m.example.net/debian | Signed-By: /etc/apt/keyrings/m.gpg" \
    "$(printf '%s\n' "$out" | grep -m1 '^URIs:') | $(printf '%s\n' "$out" | grep -m1 '^Signed-By:')"

printf 'deb http://deb.example.org/debian trixie main\n' >"$scratch/other.list"
rc=0
out=$("$gen" "$scratch/other.list" 2>&1) || rc=$?
check_equal "no source for Debian 12: refused" 1 "$rc"
check_equal "...with a message that says so" \
    "apt-sources: no apt source for Debian 12 (bookworm) is configured; add one (the QEMU source packages are fetched from it)" \
    "$out"
done_testing
