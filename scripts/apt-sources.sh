#!/usr/bin/env bash
# Print the apt sources the project needs beyond the machine's own, in
# deb822 form: deb-src for Debian 12's QEMU (and Debian 13's, the second
# QEMU the shim is built for), and bookworm-backports for the newer meson
# QEMU 10.0 needs.  The archive's address and key are the ones this
# machine's apt already uses for Debian 12, so whatever mirror a machine is
# set up with is the one used; the project names none.
#
#   scripts/apt-sources.sh [SOURCES_FILE...]
#
# Without arguments it reads /etc/apt/sources.list and
# /etc/apt/sources.list.d/*.{list,sources}.  Fails with a message when no
# source for Debian 12 ("bookworm") is configured.
set -euo pipefail

if [ $# -eq 0 ]; then
    set -- /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
           /etc/apt/sources.list.d/*.sources
fi

# One line "URI<TAB>KEYRING" for the first source of binary packages whose
# suites include bookworm itself; KEYRING may be empty.
find_archive() {
    local f
    for f in "$@"; do
        [ -f "$f" ] || continue
        case "$f" in
        *.sources)
            # deb822: stanzas separated by blank lines.
            awk -v RS= -F'\n' '
                {
                    types = uris = suites = key = ""; enabled = 1
                    for (i = 1; i <= NF; i++) {
                        line = $i
                        if (line ~ /^#/) continue
                        split(line, kv, ":")
                        name = tolower(kv[1])
                        value = substr(line, length(kv[1]) + 2)
                        gsub(/^[ \t]+|[ \t]+$/, "", value)
                        if (name == "types") types = value
                        else if (name == "uris") uris = value
                        else if (name == "suites") suites = value
                        else if (name == "signed-by") key = value
                        else if (name == "enabled" && tolower(value) == "no") enabled = 0
                    }
                    if (enabled && (" " types " ") ~ / deb / &&
                        (" " suites " ") ~ / bookworm /) {
                        split(uris, u, " ")
                        print u[1] "\t" key
                        exit
                    }
                }' "$f"
            ;;
        *)
            # One-line form: deb [options] URI SUITE COMPONENT...
            awk '
                $1 == "deb" {
                    key = ""; i = 2
                    if ($2 ~ /^\[/) {
                        for (; i <= NF; i++) {
                            if ($i ~ /^\[?signed-by=/) {
                                key = $i
                                sub(/^\[?signed-by=/, "", key)
                                sub(/\]$/, "", key)
                            }
                            if ($i ~ /\]$/) { i++; break }
                        }
                    }
                    if ($(i + 1) == "bookworm") { print $i "\t" key; exit }
                }' "$f"
            ;;
        esac
    done | head -n 1
}

archive=$(find_archive "$@")
if [ -z "$archive" ]; then
    echo "apt-sources: no apt source for Debian 12 (bookworm) is configured;" \
         "add one (the QEMU source packages are fetched from it)" >&2
    exit 1
fi
uri=${archive%%$'\t'*}
key=${archive#*$'\t'}
key_line=""
if [ -n "$key" ]; then
    key_line="Signed-By: $key"
fi

cat <<SRC
# Written by qemu-block-plugins' scripts/apt-sources.sh from this machine's
# own apt source for Debian 12.
Types: deb-src
URIs: $uri
Suites: bookworm bookworm-updates trixie
Components: main
$key_line

Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
$key_line
SRC
