#!/usr/bin/env python3
"""cut-appended.py SUPPR OLD.abi NEW.abi OUT.abi

Write NEW.abi to OUT.abi with every versioned table (the structs that
SUPPR's name_regexp names) cut back to its size in OLD.abi: members at or
past the old size are dropped and the size is set to the old one.

If a table only had fields appended, the cut NEW equals OLD and a plain
abidiff of OLD against OUT reports nothing.  Any other change to the old
part (a type, a callback signature, an offset) is still there to report.
This covers what libabigail's has_data_member_inserted_at = end hides
wrongly (see appended-fields.suppr).  A table that shrank is left as it
is, so that its deleted members are reported.
"""
import re
import sys
import xml.etree.ElementTree as ET


def table_regexp(suppr_path):
    """The name_regexp of the suppression file: one list of tables."""
    with open(suppr_path, encoding="utf-8") as f:
        for line in f:
            key, sep, value = line.partition("=")
            if sep and key.strip() == "name_regexp":
                return re.compile(value.strip())
    sys.exit(f"cut-appended: no name_regexp in {suppr_path}")


def tables(tree, names):
    """Definitions (not declarations) of the named structs, by name."""
    found = {}
    for decl in tree.iter("class-decl"):
        name = decl.get("name", "")
        if names.search(name) and decl.get("is-declaration-only") != "yes":
            found.setdefault(name, []).append(decl)
    return found


def cut(decl, old_bits):
    for member in list(decl.findall("data-member")):
        if int(member.get("layout-offset-in-bits", "0")) >= old_bits:
            decl.remove(member)
    decl.set("size-in-bits", str(old_bits))


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__.strip().splitlines()[0])
    suppr, old_path, new_path, out_path = sys.argv[1:]
    names = table_regexp(suppr)
    old = tables(ET.parse(old_path), names)
    new_tree = ET.parse(new_path)
    for name, decls in tables(new_tree, names).items():
        if name not in old:
            continue
        old_bits = int(old[name][0].get("size-in-bits"))
        for decl in decls:
            if int(decl.get("size-in-bits")) > old_bits:
                cut(decl, old_bits)
    new_tree.write(out_path, encoding="unicode")


if __name__ == "__main__":
    main()
