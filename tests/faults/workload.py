#!/usr/bin/python3
"""Write-and-verify workload through qemu-io, for the fault tests.

  workload.py run [options] -- QEMU_IO ARGS...
      Drive an interactive qemu-io with aio_write (varied sizes and offsets,
      one-byte patterns, sometimes split over several buffers) and
      aio_read -P (reading back what was last written), keeping --qd
      requests in flight, for --seconds.  Every event goes to --log.
      Without --crash, no request overlaps one in flight, so the image's
      final content is known exactly: written to --expect at the end.
      Any failed request or pattern mismatch is an error (exit 1), and so
      is no completion for --stall-limit seconds (default 600) with
      requests in flight.
      With --crash, writes may overlap writes in flight and nothing is read;
      the run ends when qemu-io dies (the test kills it) and exits 0.
      SIGUSR1 ends a run early, as if --seconds had passed.

  workload.py check-crash --log LOG --before FILE --after FILE
      After a --crash run: every 512-byte sector of FILE (the image as read
      back) must hold exactly one write's pattern, and a write that could be
      there: every write acknowledged before the kill is present unless a
      write issued after its acknowledgement covers it; writes not
      acknowledged are wholly present or wholly absent per sector.

  workload.py stalls --log LOG FROM TO
      How many writes were acknowledged between the monotonic times FROM
      and TO (seconds, as in the log), and the longest gap between
      acknowledgements in the log.

Figures are printed as "# key: value" lines (TAP comments).

qemu-io reads its commands with fgets() when its stdin becomes readable, so
a second queued line would sit in stdio's buffer unseen: one command is
sent per prompt.  Its stdout is line-buffered with stdbuf, else a
completion printed while it waits for input would stay in the buffer.
"""

import argparse
import os
import random
import re
import select
import signal
import subprocess
import sys
import time

SECTOR = 512
PROMPT = b"qemu-io> "
RE_DONE = re.compile(rb"^(wrote|read) (\d+)/(\d+) bytes at offset (\d+)$")
RE_STATS = re.compile(rb"^[0-9.]+ (bytes|[KMGTPE]iB), \d+ ops; ")
RE_MISMATCH = re.compile(rb"^Pattern verification failed at offset (\d+), (\d+) bytes$")


def fail(msg):
    print("workload.py: " + msg, file=sys.stderr)
    sys.exit(1)


class Log:
    """Events, one a line, flushed and fsync'd once per batch."""

    def __init__(self, path):
        self.f = open(path, "w")
        self.seq = 0

    def event(self, *fields):
        self.seq += 1
        self.f.write("%d %.6f %s\n" % (self.seq, time.monotonic(),
                                       " ".join(str(x) for x in fields)))
        return self.seq

    def sync(self):
        self.f.flush()
        os.fsync(self.f.fileno())


class QemuIO:
    def __init__(self, argv, pidfile):
        self.p = subprocess.Popen(["stdbuf", "-oL"] + argv,
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        if pidfile:
            with open(pidfile, "w") as f:
                f.write("%d\n" % self.p.pid)
        self.buf = b""
        self.prompts = 0
        self.eof = False
        self.transcript = []        # the last lines, for error messages

    def pump(self, timeout):
        """Reads what qemu-io printed; returns the complete lines."""
        if self.eof:
            return []
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            return []
        data = os.read(self.p.stdout.fileno(), 65536)
        if not data:
            self.eof = True
        self.buf += data
        lines = []
        while self.buf:
            if self.buf.startswith(PROMPT):
                self.prompts += 1
                self.buf = self.buf[len(PROMPT):]
            elif PROMPT.startswith(self.buf) and not self.eof:
                break
            else:
                nl = self.buf.find(b"\n")
                if nl < 0:
                    if self.eof:
                        lines.append(self.buf)
                        self.buf = b""
                    break
                lines.append(self.buf[:nl])
                self.buf = self.buf[nl + 1:]
        self.transcript = (self.transcript + lines)[-20:]
        return lines

    def send(self, line):
        try:
            self.p.stdin.write(line.encode() + b"\n")
            self.p.stdin.flush()
        except BrokenPipeError:
            self.eof = True


def overlaps(a, b, ranges):
    for (c, d) in ranges:
        if a < d and c < b:
            return True
    return False


def pick_size(rng, max_bytes):
    """Mostly small requests, some spanning RADOS objects."""
    r = rng.random()
    if r < 0.45:
        n = rng.randint(1, 8)                   # 512 B .. 4 KiB
    elif r < 0.80:
        n = rng.randint(9, 128)                 # .. 64 KiB
    elif r < 0.97:
        n = rng.randint(129, 1024)              # .. 512 KiB
    else:
        n = rng.randint(1025, 4096)             # .. 2 MiB
    return min(n, max_bytes // SECTOR)


def split_lengths(rng, nbytes):
    """One buffer, or two or three (qemu-io builds an iovec from them)."""
    sectors = nbytes // SECTOR
    parts = 1 if sectors < 3 or rng.random() < 0.7 else rng.randint(2, 3)
    cuts = sorted(rng.sample(range(1, sectors), parts - 1)) if parts > 1 else []
    bounds = [0] + cuts + [sectors]
    return [(bounds[i + 1] - bounds[i]) * SECTOR for i in range(parts)]


def load_model(path, nsectors):
    """A per-sector pattern map from an image whose sectors are uniform."""
    model = bytearray(nsectors)
    if not path:
        return model
    with open(path, "rb") as f:
        for s in range(nsectors):
            blk = f.read(SECTOR)
            if len(blk) < SECTOR:
                blk += bytes(SECTOR - len(blk))
            if blk.count(blk[0]) != SECTOR:
                fail("%s: sector %d is not one pattern" % (path, s))
            model[s] = blk[0]
    return model


def run(args):
    rng = random.Random(args.seed)
    nsectors = args.size // SECTOR
    model = load_model(args.start_image, nsectors)
    # What each sector held before its last write: a crash may leave either,
    # so a new pattern differs from both.
    prev = bytearray(model)
    log = Log(args.log)
    log.event("start", args.size, "crash" if args.crash else "verify")
    qio = QemuIO(args.qemu_io, args.pidfile)

    inflight = {}       # (verb, off, len) -> (id, a, b, pattern, t)
    ranges = {}         # id -> (a, b) of requests in flight
    acked = []          # recent acknowledged writes: (a, b, pattern)
    nwrites = nreads = wbytes = rbytes = 0
    errors = []
    last_ack = None
    max_gap = 0.0
    sent_prompts = 0
    next_id = 0
    deadline = time.monotonic() + args.seconds
    ending = False

    # SIGUSR1: end now, as at the deadline (what is in flight completes).
    def end_now(signum, frame):
        nonlocal deadline
        deadline = 0
    signal.signal(signal.SIGUSR1, end_now)

    def handle(line):
        nonlocal nwrites, nreads, wbytes, rbytes, last_ack, max_gap
        m = RE_DONE.match(line)
        if m:
            verb = m.group(1).decode()
            n, off = int(m.group(2)), int(m.group(4))
            key = (verb, off, n)
            if key not in inflight:
                errors.append("unexpected completion: %s" % line.decode())
                return
            rid, a, b, pat, t0 = inflight.pop(key)
            del ranges[rid]
            now = time.monotonic()
            if last_ack is not None:
                max_gap = max(max_gap, now - last_ack)
            last_ack = now
            if verb == "wrote":
                nwrites += 1
                wbytes += n
                log.event("ack", rid)
                acked.append((a, b, pat))
                if len(acked) > 64:
                    del acked[0]
            else:
                nreads += 1
                rbytes += n
                log.event("readok", rid)
            return
        m = RE_MISMATCH.match(line)
        if m:
            errors.append("read back wrong data: %s" % line.decode())
            log.event("mismatch", m.group(1).decode(), m.group(2).decode())
            return
        if RE_STATS.match(line) or not line.strip():
            return
        errors.append("qemu-io: %s" % line.decode(errors="replace"))
        log.event("error", line.decode(errors="replace").replace("\n", " "))

    def pump(timeout):
        for line in qio.pump(timeout):
            handle(line)
        log.sync()

    # The first prompt: the image is open.
    t_open = time.monotonic() + 120
    while qio.prompts == 0 and not qio.eof:
        if time.monotonic() > t_open:
            fail("qemu-io did not open the image within 120 s")
        pump(0.5)
    if qio.eof and qio.prompts == 0:
        fail("qemu-io did not start: %s" %
             b" / ".join(qio.transcript).decode(errors="replace"))

    while True:
        if errors and not args.crash:
            break
        if qio.eof:
            break
        # A request that never completes is a hang, whatever the fault.
        waiting = [t for (_, _, _, _, t) in inflight.values()]
        if waiting and time.monotonic() - max(last_ack or 0, min(waiting)) > args.stall_limit:
            errors.append("no request completed for %d s, %d in flight" %
                          (args.stall_limit, len(inflight)))
            log.event("error", "stalled")
            break
        # One command per prompt: wait until qemu-io has taken the last one.
        if qio.prompts <= sent_prompts:
            pump(1.0)
            continue
        now = time.monotonic()
        if now >= deadline and not ending:
            ending = True
        if ending:
            if not inflight:
                break
            pump(1.0)
            continue
        if len(inflight) >= args.qd:
            pump(1.0)
            continue

        # A read-back of a recent write that nothing overwrote since.
        cmd = None
        if not args.crash and acked and rng.random() < 0.2:
            a, b, pat = acked[rng.randrange(len(acked))]
            if (model[a:b].count(pat) == b - a and
                    not overlaps(a, b, ranges.values()) and
                    ("read", a * SECTOR, (b - a) * SECTOR) not in inflight):
                rid = next_id
                next_id += 1
                key = ("read", a * SECTOR, (b - a) * SECTOR)
                inflight[key] = (rid, a, b, pat, now)
                ranges[rid] = (a, b)
                log.event("read", rid, a * SECTOR, (b - a) * SECTOR, pat)
                cmd = "aio_read -P %d %d %d" % (pat, a * SECTOR, (b - a) * SECTOR)
        if cmd is None:
            n = pick_size(rng, args.size)
            for _ in range(20):
                a = rng.randrange(0, nsectors - n + 1)
                b = a + n
                key = ("wrote", a * SECTOR, n * SECTOR)
                if key in inflight:
                    continue
                if args.crash or not overlaps(a, b, ranges.values()):
                    break
            else:
                pump(1.0)       # everything near is busy: wait for one
                continue
            used = set(model[a:b]) | set(prev[a:b])
            if args.crash:
                for (_, ia, ib, ipat, _) in inflight.values():
                    if ia < b and a < ib:
                        used.add(ipat)
            free = [p for p in range(1, 256) if p not in used]
            pat = rng.choice(free) if free else rng.randint(1, 255)
            rid = next_id
            next_id += 1
            inflight[key] = (rid, a, b, pat, now)
            ranges[rid] = (a, b)
            prev[a:b] = model[a:b]
            model[a:b] = bytes([pat]) * n
            lens = split_lengths(rng, n * SECTOR)
            log.event("write", rid, a * SECTOR, n * SECTOR, pat)
            cmd = "aio_write -P %d %d %s" % (pat, a * SECTOR,
                                             " ".join(str(x) for x in lens))
        log.sync()
        sent_prompts = qio.prompts
        qio.send(cmd)

    killed = qio.eof
    if not qio.eof:
        qio.send("quit")
    try:
        rc = qio.p.wait(timeout=120)
    except subprocess.TimeoutExpired:
        qio.p.kill()
        rc = qio.p.wait()
    # Whatever it printed last.
    while not qio.eof:
        pump(1.0)
    log.event("end", "rc=%d" % rc)
    log.sync()

    print("# writes acknowledged: %d (%d MiB), reads verified: %d (%d MiB)" %
          (nwrites, wbytes >> 20, nreads, rbytes >> 20))
    print("# longest wait between two completions: %.1f s" % max_gap)
    if args.crash:
        print("# requests in flight when qemu-io died: %d" % len(inflight))
        if rc != -signal.SIGKILL:
            fail("qemu-io ended with status %d, not killed by SIGKILL: %s" %
                 (rc, b" / ".join(qio.transcript).decode(errors="replace")))
        return 0
    if errors:
        fail("%d error(s); the first: %s" % (len(errors), "; ".join(errors[:5])))
    if killed or rc != 0:
        fail("qemu-io exited with status %d before the end: %s" %
             (rc, b" / ".join(qio.transcript).decode(errors="replace")))
    if args.expect:
        with open(args.expect, "wb") as f:
            for s in range(0, nsectors, 2048):
                f.write(b"".join(bytes([p]) * SECTOR
                                 for p in model[s:s + 2048]))
    return 0


def read_log(path):
    writes = {}         # id -> [off, len, pattern, issue seq, ack seq or None]
    for line in open(path):
        f = line.split()
        if len(f) < 3:
            continue
        seq = int(f[0])
        if f[2] == "write":
            writes[int(f[3])] = [int(f[4]), int(f[5]), int(f[6]), seq, None]
        elif f[2] == "ack":
            writes[int(f[3])][4] = seq
    return writes


def check_crash(args):
    writes = read_log(args.log)
    before = open(args.before, "rb").read()
    after = open(args.after, "rb").read()
    if len(before) != len(after):
        fail("%s has %d bytes, %s %d" % (args.before, len(before), args.after,
                                          len(after)))
    nsectors = len(after) // SECTOR
    covering = [[] for _ in range(nsectors)]
    for wid, (off, n, pat, iseq, aseq) in writes.items():
        for s in range(off // SECTOR, (off + n) // SECTOR):
            covering[s].append(wid)
    def judge(s, blk):
        """Why sector s cannot hold blk, or None."""
        ws = covering[s]
        old = before[s * SECTOR:(s + 1) * SECTOR]
        if not ws:
            return (None if blk == old else
                    "sector %d: no write touched it, but it changed" % s)
        # The newest issue of an acknowledged write: anything acknowledged
        # before it was issued is overwritten.
        acks = [writes[w][3] for w in ws if writes[w][4] is not None]
        newest = max(acks) if acks else 0
        cands = {}
        for w in ws:
            aseq = writes[w][4]
            if aseq is None or aseq > newest:
                cands.setdefault(writes[w][2], []).append(w)
        if not acks:
            cands.setdefault(old[0] if old.count(old[0]) == SECTOR else -1,
                             []).append("before")
        if blk.count(blk[0]) != SECTOR:
            return "sector %d: torn, holds more than one pattern" % s
        if blk[0] not in cands:
            want = " or ".join(
                "0x%02x (%s)" % (p, ",".join(
                    "write %s" % w if w != "before" else "old data"
                    for w in cands[p])) for p in sorted(cands) if p >= 0)
            return ("sector %d (offset %d): holds 0x%02x, expected %s" %
                    (s, s * SECTOR, blk[0], want))
        return None

    bad = []
    present_unacked = absent_unacked = acked_checked = 0
    lost = None         # a sector where only acknowledged writes landed
    for s in range(nsectors):
        blk = after[s * SECTOR:(s + 1) * SECTOR]
        why = judge(s, blk)
        if why:
            bad.append(why)
            continue
        ws = covering[s]
        unacked = [w for w in ws if writes[w][4] is None]
        if ws and len(unacked) < len(ws):
            acked_checked += 1
        if ws and not unacked and lost is None and \
                blk != before[s * SECTOR:(s + 1) * SECTOR]:
            lost = s
        for w in unacked:
            if writes[w][2] == blk[0]:
                present_unacked += 1
            else:
                absent_unacked += 1
    nacked = sum(1 for w in writes.values() if w[4] is not None)
    print("# writes issued: %d, acknowledged before the kill: %d, not: %d" %
          (len(writes), nacked, len(writes) - nacked))
    print("# sectors checked: %d, holding acknowledged writes: %d" %
          (nsectors, acked_checked))
    print("# unacknowledged writes, per sector: present %d, absent %d" %
          (present_unacked, absent_unacked))
    if bad:
        for b in bad[:20]:
            print(b, file=sys.stderr)
        fail("%d sector(s) wrong" % len(bad))
    # The check itself must catch a lost write: that sector, as it was.
    if args.self_test:
        if lost is None:
            fail("self-test: no sector holds only acknowledged writes")
        if judge(lost, before[lost * SECTOR:(lost + 1) * SECTOR]) is None:
            fail("self-test: sector %d reverted to its old data passes the check"
                 % lost)
        print("# self-test: sector %d reverted to its old data is caught" % lost)
    return 0


def stalls(args):
    t_from, t_to = float(args.t_from), float(args.t_to)
    n = 0
    last = None
    gap = 0.0
    for line in open(args.log):
        f = line.split()
        if len(f) >= 3 and f[2] == "ack":
            t = float(f[1])
            if t_from <= t <= t_to:
                n += 1
            if last is not None:
                gap = max(gap, t - last)
            last = t
    print("%d %.1f" % (n, gap))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--size", type=int, required=True)
    r.add_argument("--seconds", type=float, required=True)
    r.add_argument("--log", required=True)
    r.add_argument("--qd", type=int, default=16)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--crash", action="store_true")
    r.add_argument("--start-image")
    r.add_argument("--expect")
    r.add_argument("--pidfile")
    r.add_argument("--stall-limit", type=float, default=600)
    r.add_argument("qemu_io", nargs=argparse.REMAINDER)
    c = sub.add_parser("check-crash")
    c.add_argument("--log", required=True)
    c.add_argument("--before", required=True)
    c.add_argument("--after", required=True)
    c.add_argument("--self-test", action="store_true",
                   help="also check that a lost acknowledged write is caught")
    s = sub.add_parser("stalls")
    s.add_argument("--log", required=True)
    s.add_argument("t_from")
    s.add_argument("t_to")
    args = ap.parse_args()
    if args.cmd == "run":
        if args.qemu_io and args.qemu_io[0] == "--":
            args.qemu_io = args.qemu_io[1:]
        if not args.qemu_io:
            fail("no qemu-io command after --")
        return run(args)
    if args.cmd == "check-crash":
        return check_crash(args)
    return stalls(args)


if __name__ == "__main__":
    sys.exit(main())
