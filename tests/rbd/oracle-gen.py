#!/usr/bin/python3
"""Seeded random qemu-io script for the rbd oracle test, and the bytes it
must leave on the image.

  oracle-gen.py SEED SIZE COMMANDS DIR [OBJECT_SIZE]

writes DIR/pattern (4099 random bytes, for `write -s`), DIR/script (one
qemu-io command a line, to feed qemu-io on stdin) and DIR/expect (SIZE bytes:
the image after the script, starting from an all-zero image).  The same
seed gives the same files.

With OBJECT_SIZE (an image without fancy striping), also the data objects
that must exist afterwards, starting from an image with none, one
"OFFSET LENGTH" line each, as `rbd diff --whole-object` lists them on a
fast-diff image (see objects_after below):
  DIR/objects        write -z without -u leaves every object in place
                     (QEMU did not allow unmapping: the plugin);
  DIR/objects-unmap  every write -z is a discard that zeroes exactly
                     (QEMU 7.2's rbd driver on librbd 16, which never asks
                     for RBD_WRITE_ZEROES_FLAG_THICK_PROVISION: its #ifdef
                     tests an enum constant).
With OBJECT_SIZE the script also ends (before the final reads) with
whole-object work on an eighth of the objects, which random offsets rarely
do: removing objects by discard (spilling into the neighbours) and by
write -z -u, write -z without -u over a whole object, and an object written
and removed at once.  Without it, the script is what it always was for a
seed.

What the script does, with the expected content tracked byte by byte:
  - writes of 512 B to 9 MiB (log-uniform), with a byte pattern (-P) or
    with the pattern file repeated (-s, so that data out of place shows);
    many of odd length; offsets crossing a stripe unit, 1 MiB, object or
    object set boundary, or ending or starting exactly at one or a few
    bytes or sectors off, or random unaligned, or 512-aligned;
  - writev with 2 to 6 iovecs, some of 1 byte or of odd size;
  - write -z, with and without -u (unmap allowed), always at or across a
    boundary (where the plugin truncates or removes instead of zeroing);
  - discard, see below;
  - read and readv verified with -P: over a uniform run of the expected
    content, or over a wider range crossing boundaries with -s/-l so that
    only the uniform part is checked; many right after the write they check;
  - data across a boundary, then a discard or write -z -u that ends 1 byte
    to half a stripe unit or object before it, and a read of what must be
    left;
  - flush now and then.

Discards.  A discard only says the guest no longer needs the data: QEMU's
in-tree driver hands it to librbd, which rounds it inwards to
rbd_discard_granularity_bytes (64 KiB by default) and drops what is left,
so after an unaligned discard the bytes it covered may or may not be zero
depending on the driver, and the comparison would be meaningless there.
So the script has two kinds of discard, both with one defined outcome:
  - discards 64 KiB-aligned in offset and length (the granularity of
    librbd, and a multiple of the striped image's 64 KiB stripe unit):
    librbd removes, truncates or zeroes exactly that range, and so must the
    plugin; the range reads as zeroes afterwards (checked with read -P 0);
  - unaligned discards followed at once by `write -z` of the same range:
    whatever the discard did inside the range is overwritten with zeroes,
    but a discard that removed, truncated or zeroed anything outside its
    range (a wrong object, a wrong stripe, a truncate that should have been
    a zero) still shows in the exported bytes.
"""

import math
import random
import sys

KiB = 1024
MiB = 1024 * KiB
MIN_IO = 512
MAX_IO = 9 * MiB
GRANULE = 64 * KiB
# Boundaries worth crossing: the striped image's stripe unit, 1 MiB, and
# the default 4 MiB object (and, with 4 stripes, 16 MiB object sets).
BOUNDARIES = (64 * KiB, 1 * MiB, 4 * MiB, 16 * MiB)
PATTERN_LEN = 4099


def objects_after(cmds, size, object_size, zeroes_unmap):
    """Which objects exist after cmds, as offsets.  A write creates every
    object it touches; a discard, write -z -u and (zeroes_unmap) write -z
    remove the objects they cover whole (also an unaligned discard: librbd
    rounds it in to 64 KiB, which keeps every whole object) and leave the
    others as they were: a truncate or zero where the object exists,
    nothing where it does not."""
    exists = set()
    for cmd in cmds:
        w = cmd.split()
        if w[0] == "write" and w[1] in ("-P", "-s"):
            off, n = int(w[3]), int(w[4])
            data = True
        elif w[0] == "writev":
            off, n = int(w[3]), sum(int(x) for x in w[4:])
            data = True
        elif w[0] == "discard" or (w[0] == "write" and w[1] == "-z"):
            unmap = w[0] == "discard" or "-u" in w or zeroes_unmap
            if not unmap:
                continue
            off, n = int(w[-2]), int(w[-1])
            data = False
        else:
            continue
        first, last = off // object_size, (off + n - 1) // object_size
        for o in range(first, last + 1):
            start = o * object_size
            end = min(start + object_size, size)
            if data:
                exists.add(o)
            elif off <= start and off + n >= end:
                exists.discard(o)
    return ["%d %d" % (o * object_size,
                       min(object_size, size - o * object_size))
            for o in sorted(exists)]


def main():
    seed, size, ncmds, out = int(sys.argv[1]), int(sys.argv[2]), \
        int(sys.argv[3]), sys.argv[4]
    rng = random.Random(seed)
    img = bytearray(size)
    pattern = bytes(rng.randrange(256) for _ in range(PATTERN_LEN))
    pattern_path = out + "/pattern"
    with open(pattern_path, "wb") as f:
        f.write(pattern)
    cmds = []

    def length(lo=MIN_IO, hi=MAX_IO):
        n = int(math.exp(rng.uniform(math.log(lo), math.log(hi))))
        if rng.random() < 0.4:
            n = max(MIN_IO, n // MIN_IO * MIN_IO)
        return min(n, hi)

    def near():
        """How far from a boundary: 0, a few bytes, or some sectors."""
        r = rng.random()
        if r < 0.4:
            return 0
        if r < 0.8:
            return rng.randrange(1, 4097)
        return rng.randrange(1, 9) * MIN_IO

    def offset(n, edge=False):
        """An offset for n bytes: crossing a boundary, ending or starting
        at or just next to one, unaligned or 512-aligned (edge: always one
        of the first three, for discards and write-zeroes, whose pieces at
        the end of an object are truncated and elsewhere zeroed)."""
        r = rng.uniform(0, 0.7) if edge else rng.random()
        for _ in range(20):
            b = rng.choice([x for x in BOUNDARIES if x < size])
            k = rng.randrange(1, size // b)
            if r < 0.35 and n >= 2:
                off = k * b - rng.randrange(1, n)           # crosses k*b
            elif r < 0.55:
                off = k * b - n - near()                    # ends near k*b
            elif r < 0.70:
                off = k * b + near()                        # starts near k*b
            else:
                break
            if off >= 0 and off + n <= size:
                return off
        if r < 0.90:
            return rng.randrange(0, size - n + 1)
        return rng.randrange(0, (size - n) // MIN_IO + 1) * MIN_IO

    def fill(off, n, byte):
        img[off:off + n] = bytes([byte]) * n

    def run_around(p, limit=MAX_IO):
        """The uniform run of img around p, at most limit bytes each way."""
        v = img[p]
        right = img[p:min(size, p + limit)]
        end = p + len(right) - len(right.lstrip(bytes([v])))
        left = img[max(0, p - limit):p]
        start = p - (len(left) - len(left.rstrip(bytes([v]))))
        return start, end, v

    def read_check(start, end, v):
        """A -P read of [start, end), which is uniformly v."""
        n = end - start
        kind = rng.random()
        if kind < 0.45:
            cmds.append("read -P 0x%02x %d %d" % (v, start, n))
        elif kind < 0.65 and n >= 4:
            cuts = sorted(rng.sample(range(1, n), min(n - 1, rng.randrange(1, 5))))
            lens = [b - a for a, b in zip([0] + cuts, cuts + [n])]
            cmds.append("readv -P 0x%02x %d %s" % (v, start, " ".join(map(str, lens))))
        else:
            # A wider read, crossing whatever lies around; only the uniform
            # part is verified (-s: its start in the buffer, -l: its length).
            lo = max(0, start - rng.randrange(1, 3 * MiB))
            hi = min(size, end + rng.randrange(1, 3 * MiB))
            if hi - lo > MAX_IO:
                lo, hi = start, end
            cmds.append("read -P 0x%02x -s %d -l %d %d %d"
                        % (v, start - lo, n, lo, hi - lo))

    def random_read():
        for _ in range(20):
            p = rng.randrange(size)
            start, end, v = run_around(p)
            if end - start >= MIN_IO:
                if end - start > MAX_IO:
                    start = rng.randrange(start, end - MAX_IO + 1)
                    end = start + MAX_IO
                read_check(start, end, v)
                return

    while len(cmds) < ncmds:
        r = rng.random()
        if r < 0.30:
            n = length()
            off = offset(n)
            v = rng.randrange(1, 256)
            cmds.append("write -P 0x%02x %d %d" % (v, off, n))
            fill(off, n, v)
            if rng.random() < 0.5:
                read_check(off, off + n, v)
        elif r < 0.40:
            n = length()
            off = offset(n)
            cmds.append("write -s %s %d %d" % (pattern_path, off, n))
            reps = n // PATTERN_LEN + 1
            img[off:off + n] = (pattern * reps)[:n]
        elif r < 0.52:
            n = length(2 * MIN_IO, MAX_IO - 2)
            off = offset(n)
            k = rng.randrange(2, 7)
            cuts = sorted(rng.sample(range(1, n), k - 1))
            lens = [b - a for a, b in zip([0] + cuts, cuts + [n])]
            if rng.random() < 0.5:
                lens[rng.randrange(k)] += 1     # an odd total, a 1-byte iovec
                lens.insert(rng.randrange(k + 1), 1)
                n = sum(lens)
                if off + n > size:
                    off = size - n
            v = rng.randrange(1, 256)
            cmds.append("writev -P 0x%02x %d %s" % (v, off, " ".join(map(str, lens))))
            fill(off, n, v)
            if rng.random() < 0.5:
                read_check(off, off + n, v)
        elif r < 0.62:
            n = length()
            off = offset(n, edge=True)
            cmds.append("write -z%s %d %d" % (" -u" if rng.random() < 0.5 else "", off, n))
            fill(off, n, 0)
            if rng.random() < 0.5:
                read_check(off, off + n, 0)
        elif r < 0.69:
            n = max(1, length(GRANULE) // GRANULE) * GRANULE
            off = rng.randrange(0, (size - n) // GRANULE + 1) * GRANULE
            cmds.append("discard %d %d" % (off, n))
            fill(off, n, 0)
            read_check(off, off + n, 0)
        elif r < 0.77:
            n = length()
            off = offset(n, edge=True)
            cmds.append("discard %d %d" % (off, n))
            cmds.append("write -z %d %d" % (off, n))
            fill(off, n, 0)
        elif r < 0.83:
            # Data up to and past a boundary, then a discard (made exact by
            # write -z) or a write -z -u that stops just short of it: the
            # bytes between its end and the boundary must survive (a piece
            # that does not reach the end of its object is zeroed, not
            # truncated).
            b = rng.choice([x for x in BOUNDARIES if x < size])
            k = rng.randrange(1, size // b)
            d = rng.choice([1, 511, 512, 4095, 4096, rng.randrange(1, b // 2)])
            n = min(length(), k * b - d)
            off = k * b - d - n
            tail = min(size - k * b, rng.randrange(1, 65537))
            v = rng.randrange(1, 256)
            cmds.append("write -P 0x%02x %d %d" % (v, off, n + d + tail))
            fill(off, n + d + tail, v)
            if rng.random() < 0.5:
                cmds.append("discard %d %d" % (off, n))
                cmds.append("write -z %d %d" % (off, n))
            else:
                cmds.append("write -z -u %d %d" % (off, n))
            fill(off, n, 0)
            read_check(off + n, k * b + tail, v)
        elif r < 0.97:
            random_read()
        else:
            cmds.append("flush")
    if len(sys.argv) > 5:
        object_size = int(sys.argv[5])
        nobj = size // object_size
        for i, o in enumerate(rng.sample(range(nobj), max(4, nobj // 8))):
            start, n = o * object_size, object_size
            kind = i % 4
            if kind == 0:
                # Whole object removed, 64 KiB to 1 MiB of each neighbour
                # truncated or zeroed.
                before = min(start, rng.randrange(1, 17) * GRANULE)
                after = min(size - start - n, rng.randrange(1, 17) * GRANULE)
                start, n = start - before, n + before + after
                cmds.append("discard %d %d" % (start, n))
            elif kind == 1:
                cmds.append("write -z -u %d %d" % (start, n))
            elif kind == 2:
                cmds.append("write -z %d %d" % (start, n))
            else:
                v = rng.randrange(1, 256)
                cmds.append("write -P 0x%02x %d %d"
                            % (v, start + GRANULE, rng.randrange(1, n - GRANULE)))
                cmds.append("discard %d %d" % (start, n))
            fill(start, n, 0)
            read_check(start, start + n, 0)
    # Last, every uniform 64 KiB-aligned stretch of the image, read back
    # (consecutive uniform 64 KiB granules of one value make one read).
    runs = []
    for g in range(0, size, GRANULE):
        chunk = img[g:g + GRANULE]
        if chunk.count(chunk[0]) != len(chunk):
            continue
        if runs and runs[-1][1] == g and runs[-1][2] == chunk[0] \
                and g + GRANULE - runs[-1][0] <= MAX_IO:
            runs[-1][1] = g + GRANULE
        else:
            runs.append([g, g + GRANULE, chunk[0]])
    for start, end, v in runs:
        cmds.append("read -P 0x%02x %d %d" % (v, start, end - start))

    with open(out + "/script", "w") as f:
        f.write("\n".join(cmds) + "\n")
    with open(out + "/expect", "wb") as f:
        f.write(img)
    if len(sys.argv) > 5:
        object_size = int(sys.argv[5])
        for name, unmap in (("objects", False), ("objects-unmap", True)):
            with open(out + "/" + name, "w") as f:
                f.writelines(line + "\n" for line in
                             objects_after(cmds, size, object_size, unmap))


main()
