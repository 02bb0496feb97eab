#!/usr/bin/python3
"""Run the benchmark of issue 6 and write every raw run to a JSON file.

The RBD plugin against QEMU's in-tree rbd driver (librbd) with `qemu-img
bench`, plugin:null: against null-co, and one qemu-system-x86_64 process
with 1, 8 and 32 images open; and `qemu-img convert -O qcow2` of a large
sparse RBD image through both drivers (block status: a copy that skips
what is not allocated).  bench/report.py turns the JSON into the
table, the chart and docs/performance.md.  Run through bench/bench.sh, which
starts a cluster (or uses $CEPH_CONF) and sets the environment:

    CEPH_CONF                the cluster
    QEMU_BLOCK_PLUGIN_PATH   where rbd-plugin.so and null-plugin.so are
    QBP_BUILD                the build tree (default: build)

    bench/run.py --mode full|quick --out FILE.json

Settings (environment): BENCH_POOL (rbd), BENCH_REPEATS, BENCH_SECONDS (the
target length of one run), BENCH_IMAGE_SIZE (bytes, default 1 GiB),
BENCH_CONVERT_SIZE (bytes of the sparse images of the convert cases; default
200 GiB, quick 20 GiB), BENCH_CASES (a regular expression on case ids such as
layering/rw4k-d32, null/d1, scale/32, convert/default; default all).
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("QBP_BUILD", os.path.join(TOP, "build"))
# QBP_QEMU_DIR names the QEMU build (`make bench QEMU=10.0` sets it).
QEMU_DIR = os.environ.get("QBP_QEMU_DIR", os.path.join(BUILD, "qemu"))
QEMU_IMG = os.path.join(QEMU_DIR, "qemu-img")
QEMU_SYSTEM = os.path.join(QEMU_DIR, "qemu-system-x86_64")
QEMU_IO = os.path.join(QEMU_DIR, "qemu-io")
QSD = os.path.join(QEMU_DIR, "qemu-storage-daemon")
POOL = os.environ.get("BENCH_POOL", "rbd")
PREFIX = "bench-%d" % os.getpid()

MODES = {
    # repeats: A/B pairs per case; seconds: target length of one run;
    # scale_repeats: measurements of each process in the scale test;
    # convert_size: the sparse image of the convert cases.
    "full": dict(repeats=5, seconds=2.0, scale_repeats=5, convert_size=200 << 30),
    "quick": dict(repeats=3, seconds=0.25, scale_repeats=1, convert_size=20 << 30),
}

KIB = 1024
MIB = 1024 * 1024

# (id, label, write?, request size, queue depth, pattern)
RBD_CASES = [
    ("rr4k-d1", "4 KiB random read", False, 4 * KIB, 1, "random"),
    ("rr4k-d8", "4 KiB random read", False, 4 * KIB, 8, "random"),
    ("rr4k-d32", "4 KiB random read", False, 4 * KIB, 32, "random"),
    ("rw4k-d1", "4 KiB random write", True, 4 * KIB, 1, "random"),
    ("rw4k-d8", "4 KiB random write", True, 4 * KIB, 8, "random"),
    ("rw4k-d32", "4 KiB random write", True, 4 * KIB, 32, "random"),
    ("rw64k-d16", "64 KiB random write", True, 64 * KIB, 16, "random"),
    ("sr1m-d8", "1 MiB sequential read", False, MIB, 8, "sequential"),
    ("sw1m-d8", "1 MiB sequential write", True, MIB, 8, "sequential"),
]

# (id, features given to `rbd create`, description); None: the cluster's
# default features (Ceph 16: layering, exclusive-lock, object-map,
# fast-diff, deep-flatten).
LAYOUTS = [
    ("layering", "layering", "layering only"),
    ("default", None, "default features"),
    ("luks2", None, "default features, LUKS2-encrypted"),
]
# Encrypted layouts (librbd's encryption, encrypt.format=...): their cases
# only.  qemu-img bench takes no --object, so it cannot hand either driver
# the passphrase's secret: qemu-storage-daemon opens the disk (through
# the plugin or the in-tree driver, the same daemon for both) and exports
# it over NBD on a Unix socket, which qemu-img bench drives; the CPU
# column is the daemon's.  The header is one cryptsetup makes with
# librbd's layout (16 MiB data offset, 4 KiB units, aes-xts-plain64,
# 512-bit key) but a quick PBKDF, so that opening costs no seconds.
ENCRYPTED = {"luks2": ("rw4k-d8", "sr1m-d8")}
LUKS_PASS = "bench passphrase"
luks_dir = None         # the header, its passphrase and the NBD sockets

DRIVERS = ("in-tree", "plugin")
NULL_DRIVERS = ("null-co", "plugin:null")
NULL_SPECS = {
    "null-co": "driver=null-co,size=1G,read-zeroes=on",
    "plugin:null": "driver=plugin,module=null",
}
SCALE_IMAGES = (1, 8, 32)
# The convert cases: 1 MiB written at each of these fractions of the image
# (the last one: its last MiB), the rest never written.
CONVERT_WRITES = (0, 1 / 3, 2 / 3, 1)
CONVERT_PATTERN = 0x5a

# The plugin's refusal to write an image whose features it does not
# implement yet (issue 5); such a row is reported, not measured.
REFUSAL = re.compile(r"cannot write|features? .*not (implemented|supported)", re.I)

errors = []     # runs without a figure: the target fails, docs are left alone
problems = []   # runs with a figure but something wrong (a hang at close): reported


def log(msg):
    print(msg, flush=True)


def fmt_num(x):
    return "{:,.0f}".format(x)


TICK = os.sysconf("SC_CLK_TCK")
daemon_pids = []
osd_pids = []


def find_daemons():
    """The pids of our own cluster's daemons (run with -c DIR/ceph.conf), whose
    CPU is part of the system under test, not interference."""
    conf = os.environ.get("CEPH_CONF", "")
    if os.environ.get("BENCH_OWN_CLUSTER") != "1" or not conf:
        return
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if b"-c" in args and conf.encode() in args:
            daemon_pids.append(int(pid))
            if os.path.basename(args[0]) == b"ceph-osd":
                osd_pids.append(int(pid))


def proc_cpu(pid):
    """CPU seconds (user + system, all threads) of a running process."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def osd_cpu():
    """CPU seconds of our cluster's OSDs so far, or None with another cluster."""
    return sum(proc_cpu(p) for p in osd_pids) if osd_pids else None


def cpu_snapshot():
    """(time, CPU seconds of the whole machine, CPU seconds of this bench:
    itself, its reaped children and its cluster's daemons)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:8]]
    machine = (v[0] + v[1] + v[2] + v[5] + v[6]) / TICK   # user nice system irq softirq
    ours = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        ru = resource.getrusage(who)
        ours += ru.ru_utime + ru.ru_stime
    for pid in daemon_pids:
        ours += proc_cpu(pid)
    return time.monotonic(), machine, ours


def others_cpus(before):
    """CPUs that processes other than this bench kept busy, on average,
    since the snapshot `before`: the interference with the measurement."""
    t0, m0, o0 = before
    t1, m1, o1 = cpu_snapshot()
    if t1 - t0 <= 0:
        return 0.0
    return round(max((m1 - m0) - (o1 - o0), 0) / (t1 - t0), 2)


def selected(case_id):
    pattern = os.environ.get("BENCH_CASES")
    return not pattern or re.search(pattern, case_id) is not None


def sh(*args, check=True):
    """Run a helper command (rbd), quietly; its output on failure."""
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(args), r.stdout.strip()))
    return r


def golden_step(size, image_size):
    """The step of the 'random' pattern: qemu-img bench sends request k to
    (k * step) mod image size.  A step of about 0.618 (the golden ratio) of
    the image, in whole requests and coprime with their number, visits every
    request-sized slot once per pass and keeps any few consecutive requests
    far apart (see docs/performance.md)."""
    n = image_size // size
    p = round(n * (math.sqrt(5) - 1) / 2)
    while math.gcd(p, n) != 1:
        p += 1
    step = p * size
    if step > 2**31 - 1:
        sys.exit("bench: BENCH_IMAGE_SIZE too large for qemu-img bench's step")
    return step


# ---------------------------------------------------------------- images

created = []


def rbd_create(name, features, size):
    args = ["rbd", "create", "--size", "%dB" % size]
    if features:
        args += ["--image-feature", features]
    sh(*args, "%s/%s" % (POOL, name))
    created.append(name)


def rbd_remove(name):
    sh("rbd", "rm", "--no-progress", "%s/%s" % (POOL, name), check=False)
    if name in created:
        created.remove(name)


def make_luks_header():
    path = os.path.join(luks_dir, "luks2-header")
    with open(path, "wb") as f:
        f.truncate(17 * MIB)
    subprocess.run(["cryptsetup", "luksFormat", "-q", "--type", "luks2",
                    "--cipher", "aes-xts-plain64", "--key-size", "512",
                    "--sector-size", "4096", "--align-payload", "8192",
                    "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000",
                    "--key-file", "-", path], input=LUKS_PASS.encode(),
                   check=True, stdout=subprocess.DEVNULL)
    with open(path, "rb+") as f:
        f.truncate(16 * MIB)
    with open(os.path.join(luks_dir, "pass"), "w") as f:
        f.write(LUKS_PASS)


def write_luks_header(name):
    """The header at the image's start, where `rbd encryption format` puts it."""
    sh("/usr/bin/python3", "-c", """import sys, rados, rbd
with rados.Rados(conffile='') as c, c.open_ioctx(sys.argv[1]) as io, \\
        rbd.Image(io, sys.argv[2]) as img, open(sys.argv[3], 'rb') as f:
    img.write(f.read(), 0)
""", POOL, name, os.path.join(luks_dir, "luks2-header"))


def rbd_fill(name, size):
    """Write the whole image so that reads find data in every object."""
    sh("rbd", "bench", "--io-type", "write", "--io-pattern", "seq",
       "--io-size", "4M", "--io-threads", "16", "--io-total", str(size),
       "%s/%s" % (POOL, name))


def check_space(image_size):
    """A full OSD blocks every client (even reads hang): make sure one read
    image and one write image fit, with a margin, before starting."""
    r = subprocess.run(["ceph", "df", "--format", "json"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    if r.returncode != 0:
        sys.exit("bench: cannot reach the cluster (CEPH_CONF=%s): %s"
                 % (os.environ.get("CEPH_CONF", ""), r.stderr.strip().splitlines()[-1:]))
    try:
        pools = {p["name"]: p["stats"]["max_avail"] for p in json.loads(r.stdout)["pools"]}
    except (ValueError, KeyError):
        return
    avail = pools.get(POOL)
    if avail is None:
        sys.exit("bench: the cluster has no pool %r (BENCH_POOL)" % POOL)
    if avail < 2.5 * image_size:
        sys.exit("bench: pool %r has %s bytes free, the bench needs %s (2.5 images of %s)"
                 % (POOL, fmt_num(avail), fmt_num(2.5 * image_size), fmt_num(image_size)))


def rbd_features(name):
    r = sh("rbd", "info", "--format", "json", "%s/%s" % (POOL, name))
    return json.loads(r.stdout).get("features", [])


# ---------------------------------------------------------------- qemu-img bench

def bench_args(target, count, qd, size, write=False, step=None, image_opts=False):
    args = [QEMU_IMG, "bench", "-t", "none", "-c", str(count), "-d", str(qd),
            "-s", str(size)]
    if step:
        args += ["-S", str(step)]
    if write:
        args.append("-w")
    if image_opts:
        args += ["--image-opts", target]
    else:
        args += ["-f", "raw", target]
    return args


def qemu_img_bench(target, count, qd, size, write=False, step=None,
                   image_opts=False, timeout=30):
    """One qemu-img bench run.  Returns a dict with the run's own timing
    (qemu-img's "Run completed in"), wall time and the process's user and
    system CPU seconds (getrusage of the reaped child), or with 'error'.
    A process that completed its run but then did not exit (a hang while
    closing the image) is killed after `timeout` seconds; its figures are
    kept and the hang is noted as the run's 'problem'."""
    args = bench_args(target, count, qd, size, write, step, image_opts)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    osd0 = osd_cpu()
    t0 = time.monotonic()
    problem = None
    try:
        r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=timeout)
        out, rc = r.stdout, r.returncode
        err = r.stderr
    except subprocess.TimeoutExpired as e:
        out = e.stdout or ""
        out = out.decode(errors="replace") if isinstance(out, bytes) else out
        if "Run completed" not in out:
            return {"error": "timed out after %d s: %s" % (timeout, " ".join(args))}
        problem = ("completed its run, then hung while closing the image "
                   "(killed after %d s): %s" % (timeout, " ".join(args)))
        rc, err = 0, ""
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    osd1 = osd_cpu()
    if rc != 0:
        msg = (err.strip() or out.strip()).splitlines()
        return {"error": msg[-1] if msg else "exit status %d" % rc}
    m = re.search(r"Run completed in ([0-9.]+) seconds", out)
    if not m:
        return {"error": "no 'Run completed' in: " + out.strip()}
    secs = max(float(m.group(1)), 0.001)
    r = {
        "count": count,
        "secs": secs,
        "wall": round(wall, 4),
        "user": round(after.ru_utime - before.ru_utime, 4),
        "sys": round(after.ru_stime - before.ru_stime, 4),
    }
    if osd0 is not None:
        r["osd"] = round(osd1 - osd0, 3)
    if problem:
        r["problem"] = problem
    return r


def note(where, r):
    """Record a run's error or problem for the summary."""
    if "error" in r:
        errors.append("%s: %s" % (where, r["error"]))
    if "problem" in r:
        problems.append("%s: %s" % (where, r["problem"]))
        log("  %s: %s" % (where, r["problem"]))


def round2(x):
    """x rounded to two significant digits, for readable request counts."""
    if x <= 0:
        return 0
    e = 10 ** max(int(math.floor(math.log10(x))) - 1, 0)
    return int(round(x / e) * e)


def calibrate(pilot, target_secs, qd):
    """The request count for runs of about target_secs: pilot(count) runs
    one short run per driver (a warm-up as well); the count is sized on the
    geometric mean of their rates.  Returns (count, {driver: pilot run})."""
    count = max(64, 16 * qd)
    results = pilot(count)
    rates = [count / r["secs"] for r in results.values() if "error" not in r]
    if rates and count / max(rates) < 0.05:
        # Too short to time: once more, with about 0.15 s at the faster rate.
        count = int(max(rates) * 0.15)
        results = pilot(count)
        rates = [count / r["secs"] for r in results.values() if "error" not in r]
    if not rates:
        return None, results
    rate = math.exp(sum(math.log(r) for r in rates) / len(rates))
    return max(round2(rate * target_secs), 4 * qd, 16), results


def rbd_target(driver, name):
    if driver == "plugin":
        return "plugin:rbd:%s/%s" % (POOL, name)
    return "rbd:%s/%s" % (POOL, name)


def encrypted_blockdev(driver, name, lid):
    opts = ["pool=%s" % POOL, "image=%s" % name, "encrypt.format=%s" % lid,
            "encrypt.key-secret=bench-luks"]
    if driver == "plugin":
        return "driver=plugin,module=rbd,node-name=d," + ",".join(
            "options." + o for o in opts)
    return "driver=rbd,node-name=d," + ",".join(opts)


def qsd_bench(driver, name, lid, count, qd, size, write, step):
    """One qemu-img bench run on an encrypted disk that qemu-storage-daemon
    serves over NBD (see ENCRYPTED), with the daemon's CPU seconds."""
    sock = os.path.join(luks_dir, "nbd.sock")
    target = "nbd+unix:///d?socket=" + sock
    if os.path.exists(sock):
        os.unlink(sock)
    p = subprocess.Popen([QSD, "--object", "secret,id=bench-luks,file=%s"
                          % os.path.join(luks_dir, "pass"),
                          "--blockdev", encrypted_blockdev(driver, name, lid),
                          "--nbd-server", "addr.type=unix,addr.path=" + sock,
                          "--export", "type=nbd,id=e,node-name=d,name=d,writable=on"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        # Ready once the export answers (the socket comes just before it).
        while subprocess.run([QEMU_IMG, "info", target], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL).returncode != 0:
            if p.poll() is not None:
                return {"error": "qemu-storage-daemon: " + p.stderr.read().strip()}
            if time.monotonic() > deadline:
                return {"error": "qemu-storage-daemon served nothing in 60 s"}
            time.sleep(0.05)
        cpu0 = proc_cpu(p.pid)
        r = qemu_img_bench(target, count, qd, size, write=write, step=step)
        if "error" not in r:
            r["user"], r["sys"] = round(proc_cpu(p.pid) - cpu0, 4), 0.0
        return r
    finally:
        p.terminate()
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def order(i, drivers):
    """A then B on even repeats, B then A on odd ones (ABBA): neither side
    always runs right after the other."""
    return drivers if i % 2 == 0 else tuple(reversed(drivers))


def brief(r, size):
    if "error" in r:
        return "error: " + r["error"]
    iops = r["count"] / r["secs"]
    if "problem" in r:
        return "%s IOPS (then hung at close: killed)" % fmt_num(iops)
    cpu = (r["user"] + r["sys"]) / r["count"] * 10000
    return "%s IOPS, %.1f MB/s, %.3f CPU s/10k" % (fmt_num(iops), iops * size / 1e6, cpu)


def run_rbd_case(layout, case, cfg, image_size, read_image, progress):
    lid, features, _ = layout
    cid, label, write, size, qd, pattern = case
    # An encrypted disk is the image less its 16 MiB LUKS2 header.
    disk_size = image_size - (16 * MIB if lid in ENCRYPTED else 0)
    step = golden_step(size, disk_size) if pattern == "random" else None
    row = {"layout": lid, "case": cid, "label": label, "write": write,
           "size": size, "qd": qd, "pattern": pattern, "step": step,
           "runs": {d: [] for d in DRIVERS}, "plugin_na": None}
    head = "%s %s, %s QD%d" % (progress, lid, label, qd)
    seq = [0]

    def fresh():
        seq[0] += 1
        name = "%s-%s-%s-%d" % (PREFIX, lid, cid, seq[0])
        rbd_create(name, features, image_size)
        if lid in ENCRYPTED:
            write_luks_header(name)
        return name

    def one(driver, count, name=None):
        own = name is None and write
        if name is None:
            name = fresh() if write else read_image
        if lid in ENCRYPTED:
            r = qsd_bench(driver, name, lid, count, qd, size, write, step)
        else:
            r = qemu_img_bench(rbd_target(driver, name), count, qd, size,
                               write=write, step=step)
        if own:
            rbd_remove(name)
        return r

    def pilot(count):
        name = fresh() if write else read_image
        res = {}
        for d in DRIVERS:
            if d == "plugin" and row["plugin_na"]:
                continue
            res[d] = one(d, count, name)
            if "problem" in res[d]:
                note("%s/%s %s pilot" % (lid, cid, d), {"problem": res[d]["problem"]})
            if d == "plugin" and "error" in res[d] and write and REFUSAL.search(res[d]["error"]):
                row["plugin_na"] = res[d]["error"]
        if write:
            rbd_remove(name)
        return res

    def skip(d):
        """No runs for a side that refused (n/a) or failed its pilot."""
        if d == "plugin" and row["plugin_na"]:
            return True
        return "error" in row["pilot"].get(d, {})

    snap = cpu_snapshot()
    log("%s: calibrating" % head)
    count, pilots = calibrate(pilot, cfg["seconds"], qd)
    row["pilot"] = pilots
    if row["plugin_na"]:
        log("  plugin: n/a: %s" % row["plugin_na"])
    if count is None:
        for d, r in pilots.items():
            if "error" in r and not (d == "plugin" and row["plugin_na"]):
                errors.append("%s/%s %s: %s" % (lid, cid, d, r["error"]))
                log("  %s: error: %s" % (d, r["error"]))
        row["error"] = "; ".join("%s: %s" % (d, r.get("error")) for d, r in pilots.items())
        return row
    row["count"] = count
    for d, r in pilots.items():
        if "error" in r and not (d == "plugin" and row["plugin_na"]):
            errors.append("%s/%s %s: %s" % (lid, cid, d, r["error"]))
            row["runs"][d].append(r)
            log("  %s: error: %s; no runs" % (d, r["error"]))
    log("  %s requests a run, %d alternating runs each" % (fmt_num(count), cfg["repeats"]))
    for i in range(cfg["repeats"]):
        for d in order(i, DRIVERS):
            if skip(d):
                continue
            r = one(d, count)
            row["runs"][d].append(r)
            note("%s/%s %s run %d" % (lid, cid, d, i + 1), r)
            log("  run %d/%d %-8s %s" % (i + 1, cfg["repeats"], d, brief(r, size)))
    row["others_cpus"] = others_cpus(snap)
    if row["others_cpus"] >= 0.25:
        log("  (other processes kept %.2f CPUs busy meanwhile)" % row["others_cpus"])
    return row


# ---------------------------------------------------------------- null

def run_null_case(qd, cfg, progress):
    row = {"qd": qd, "size": 4096, "runs": {d: [] for d in NULL_DRIVERS}}
    head = "%s ABI cost: 4 KiB reads QD%d, null-co vs plugin:null" % (progress, qd)

    def pilot(count):
        return {d: qemu_img_bench(NULL_SPECS[d], count, qd, 4096, image_opts=True)
                for d in NULL_DRIVERS}

    snap = cpu_snapshot()
    log("%s: calibrating" % head)
    count, pilots = calibrate(pilot, cfg["seconds"], qd)
    if count is None:
        row["error"] = "; ".join("%s: %s" % (d, r.get("error")) for d, r in pilots.items())
        errors.append("null/d%d: %s" % (qd, row["error"]))
        log("  error: " + row["error"])
        return row
    row["count"] = count
    failed = {d for d, r in pilots.items() if "error" in r}
    for d in failed:
        errors.append("null/d%d %s: %s" % (qd, d, pilots[d]["error"]))
        row["runs"][d].append(pilots[d])
        log("  %s: error: %s; no runs" % (d, pilots[d]["error"]))
    log("  %s requests a run, %d alternating runs each" % (fmt_num(count), cfg["repeats"]))
    for i in range(cfg["repeats"]):
        for d in order(i, NULL_DRIVERS):
            if d in failed:
                continue
            r = qemu_img_bench(NULL_SPECS[d], count, qd, 4096, image_opts=True)
            row["runs"][d].append(r)
            note("null/d%d %s run %d" % (qd, d, i + 1), r)
            log("  run %d/%d %-11s %s" % (i + 1, cfg["repeats"], d, brief(r, 4096)))
    row["others_cpus"] = others_cpus(snap)
    if row["others_cpus"] >= 0.25:
        log("  (other processes kept %.2f CPUs busy meanwhile)" % row["others_cpus"])
    return row


# ---------------------------------------------------------------- convert

def convert_offsets(size):
    """Where the convert cases write their 1 MiB pieces: MiB-aligned, spread
    over the image (CONVERT_WRITES), the last one its last MiB."""
    return sorted({min(int(size * f) // MIB * MIB, size - MIB) for f in CONVERT_WRITES})


def qemu_io(*args):
    """qemu-io with -c commands; a failed command (which not every QEMU
    reflects in the exit status) raises RuntimeError with its output."""
    r = sh(QEMU_IO, *args, check=False)
    bad = re.search(r"\bfailed\b", r.stdout)    # "write failed: ...", "Pattern verification failed"
    if r.returncode != 0 or bad:
        raise RuntimeError("qemu-io %s: %s" % (" ".join(args[-1:]), r.stdout.strip()
                                               or "exit status %d" % r.returncode))
    return r.stdout


def qemu_img_convert(source, dest, timeout=900):
    """One `qemu-img convert -f raw -O qcow2 SOURCE DEST`: wall clock around
    the whole process (open, block status, reads, the qcow2's writes, close),
    its user and system CPU seconds (getrusage of the reaped child), the
    OSDs' CPU seconds meanwhile, and the size of the qcow2 written."""
    args = [QEMU_IMG, "convert", "-f", "raw", "-O", "qcow2", source, dest]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    osd0 = osd_cpu()
    t0 = time.monotonic()
    try:
        r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "timed out after %d s: %s" % (timeout, " ".join(args))}
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    osd1 = osd_cpu()
    if r.returncode != 0:
        msg = (r.stderr.strip() or r.stdout.strip()).splitlines()
        return {"error": msg[-1] if msg else "exit status %d" % r.returncode}
    try:
        qcow2 = os.stat(dest).st_size
    except OSError as e:
        return {"error": "no qcow2 written: %s" % e}
    res = {
        "wall": round(wall, 4),
        "user": round(after.ru_utime - before.ru_utime, 4),
        "sys": round(after.ru_stime - before.ru_stime, 4),
        "qcow2_bytes": qcow2,
    }
    if osd0 is not None:
        res["osd"] = round(osd1 - osd0, 3)
    return res


def check_copy(path, offsets):
    """The qcow2 holds the pattern where the image was written and zeroes in
    the MiB after each piece (outside the timed part; a local file)."""
    cmds = []
    for off in offsets:
        cmds += ["-c", "read -P 0x%x %d 1M" % (CONVERT_PATTERN, off)]
        if off + 2 * MIB <= offsets[-1]:
            cmds += ["-c", "read -P 0 %d 1M" % (off + MIB)]
    qemu_io("-r", "-f", "qcow2", *cmds, path)


def run_convert_case(layout, cfg, size, tmp, progress):
    """qemu-img convert -O qcow2 of one sparse image per layout, through each
    driver in turn: what a copy that asks for block status saves.  The image
    is created and written once (by the in-tree driver) and only read by the
    runs."""
    lid, features, _ = layout
    offsets = convert_offsets(size)
    row = {"layout": lid, "case": "convert", "image_size": size, "writes": offsets,
           "write_size": MIB, "runs": {d: [] for d in DRIVERS}}
    name = "%s-convert-%s" % (PREFIX, lid)
    log("%s convert/%s: qemu-img convert -O qcow2 of a %s GiB image (%s), %d MiB written"
        % (progress, lid, "{:g}".format(size / (1 << 30)), layout[2], len(offsets)))
    rbd_create(name, features, size)
    try:
        row["features"] = rbd_features(name)
        cmds = []
        for off in offsets:
            cmds += ["-c", "write -P 0x%x %d 1M" % (CONVERT_PATTERN, off)]
        qemu_io("-f", "raw", *cmds, rbd_target("in-tree", name))
        snap = cpu_snapshot()
        for i in range(cfg["repeats"]):
            for d in order(i, DRIVERS):
                dest = os.path.join(tmp, "%s-%s.qcow2" % (name, d))
                r = qemu_img_convert(rbd_target(d, name), dest)
                if "error" not in r:
                    try:
                        check_copy(dest, offsets)
                    except RuntimeError as e:
                        r = {"error": "the copy differs from the image: %s" % e}
                if os.path.exists(dest):
                    os.unlink(dest)
                row["runs"][d].append(r)
                note("convert/%s %s run %d" % (lid, d, i + 1), r)
                if "error" in r:
                    log("  run %d/%d %-8s error: %s" % (i + 1, cfg["repeats"], d, r["error"]))
                else:
                    log("  run %d/%d %-8s %.3f s, CPU %.3f s, qcow2 %.1f MiB"
                        % (i + 1, cfg["repeats"], d, r["wall"], r["user"] + r["sys"],
                           r["qcow2_bytes"] / MIB))
        row["others_cpus"] = others_cpus(snap)
        if row["others_cpus"] >= 0.25:
            log("  (other processes kept %.2f CPUs busy meanwhile)" % row["others_cpus"])
    finally:
        rbd_remove(name)
    return row


# ---------------------------------------------------------------- scale

class QMP:
    def __init__(self, path, deadline):
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise RuntimeError("no QMP socket at %s" % path)
                time.sleep(0.002)
        self.sock.settimeout(max(deadline - time.monotonic(), 1))
        self.f = self.sock.makefile("rw")
        self.greeting = json.loads(self.f.readline())

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.f.write(json.dumps(msg) + "\n")
        self.f.flush()
        while True:
            line = self.f.readline()
            if not line:
                raise RuntimeError("QMP closed the connection")
            r = json.loads(line)
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise RuntimeError("%s: %s" % (name, r["error"].get("desc")))

    def close(self):
        self.sock.close()


def proc_status(pid):
    threads = len(os.listdir("/proc/%d/task" % pid))
    rss = None
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return threads, rss


def scale_run(driver, names, tmp, timeout=120):
    """One qemu-system-x86_64 -S -M none with one -blockdev per image: the
    time from exec until QMP lists every node, then threads and RSS."""
    path = os.path.join(tmp, "qmp.sock")
    if os.path.exists(path):
        os.unlink(path)
    args = [QEMU_SYSTEM, "-S", "-M", "none", "-nodefaults", "-display", "none",
            "-qmp", "unix:%s,server=on,wait=off" % path]
    for i, name in enumerate(names):
        if driver == "plugin":
            spec = ("driver=plugin,node-name=d%d,module=rbd,options.pool=%s,"
                    "options.image=%s,cache.direct=on" % (i, POOL, name))
        else:
            spec = "driver=rbd,node-name=d%d,pool=%s,image=%s,cache.direct=on" % (i, POOL, name)
        args += ["-blockdev", spec]
    errlog = open(os.path.join(tmp, "qemu.err"), "w+")
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=errlog)
    qmp = None
    try:
        deadline = t0 + timeout
        while not os.path.exists(path):
            if p.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("no QMP socket")
            time.sleep(0.002)
        qmp = QMP(path, deadline)
        qmp.cmd("qmp_capabilities")
        nodes = qmp.cmd("query-named-block-nodes")
        opened = time.monotonic() - t0
        want = {"d%d" % i for i in range(len(names))}
        got = {n.get("node-name") for n in nodes}
        if not want <= got:
            raise RuntimeError("QMP lists %d of %d nodes" % (len(want & got), len(want)))
        threads, rss = proc_status(p.pid)
        r = {"open": round(opened, 4), "threads": threads, "rss_kib": rss}
        qmp.cmd("quit")
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            r["problem"] = "did not exit within 30 s of QMP quit (killed)"
            p.kill()
            p.wait()
        return r
    except Exception as e:  # noqa: BLE001 -- reported as the run's error
        p.kill()
        p.wait()
        errlog.seek(0)
        tail = errlog.read().strip().splitlines()
        return {"error": "%s%s" % (e, (": " + tail[-1]) if tail else "")}
    finally:
        if qmp:
            qmp.close()
        errlog.close()


def run_scale(cfg, image_size):
    images = [n for n in SCALE_IMAGES if selected("scale/%d" % n)]
    out = {"images": [], "baseline": None}
    if not images:
        return out
    names = ["%s-scale-%d" % (PREFIX, i) for i in range(max(images))]
    log("scale: creating %d images (layering only, %s bytes)" % (len(names), fmt_num(image_size)))
    for name in names:
        rbd_create(name, "layering", image_size)
    tmp = tempfile.mkdtemp(prefix="qbp-bench-")
    try:
        base = [scale_run("none", [], tmp) for _ in range(max(cfg["scale_repeats"], 3))]
        out["baseline"] = base
        log("scale: no image: %s" % ", ".join(
            "%s threads %s MiB" % (b["threads"], round(b["rss_kib"] / 1024)) if "error" not in b
            else "error: " + b["error"] for b in base))
        for n in images:
            snap = cpu_snapshot()
            row = {"images": n, "runs": {d: [] for d in DRIVERS}}
            for i in range(cfg["scale_repeats"]):
                for d in order(i, DRIVERS):
                    r = scale_run(d, names[:n], tmp)
                    row["runs"][d].append(r)
                    note("scale/%d %s" % (n, d), r)
                    if "error" in r:
                        log("scale: %2d images %-8s error: %s" % (n, d, r["error"]))
                    else:
                        log("scale: %2d images %-8s open %.3f s, %d threads, %d MiB RSS"
                            % (n, d, r["open"], r["threads"], round(r["rss_kib"] / 1024)))
            row["others_cpus"] = others_cpus(snap)
            out["images"].append(row)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for name in names:
            rbd_remove(name)
    return out


# ---------------------------------------------------------------- meta

def cmd_out(*args):
    try:
        return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def meta(mode, cfg, image_size):
    osds = cmd_out("ceph", "osd", "ls").split()
    objectstore = cmd_out("ceph", "osd", "metadata", "0", "--format", "json")
    try:
        objectstore = json.loads(objectstore).get("osd_objectstore", "")
    except ValueError:
        objectstore = ""
    commit = cmd_out("git", "-C", TOP, "rev-parse", "--short", "HEAD")
    dirty = cmd_out("git", "-C", TOP, "status", "--porcelain", "--untracked-files=no",
                    "--", "plugins", "host", "plugin-api")
    plugin = os.path.join(os.environ.get("QEMU_BLOCK_PLUGIN_PATH", ""), "rbd-plugin.so")
    return {
        "mode": mode,
        "rbd_plugin_sha256": cmd_out("sha256sum", plugin).split(" ")[0][:16],
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + ("+changes" if dirty else ""),
        "cpus": os.cpu_count(),
        "cpu_model": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                           if l.startswith("model name")), platform.processor()),
        "kernel": platform.release(),
        "qemu": cmd_out(QEMU_IMG, "--version").splitlines()[0] if os.path.exists(QEMU_IMG) else "",
        "ceph": cmd_out("ceph", "--version"),
        "osds": len(osds),
        "objectstore": objectstore,
        "own_cluster": os.environ.get("BENCH_OWN_CLUSTER") == "1",
        "pool": POOL,
        "image_size": image_size,
        "repeats": cfg["repeats"],
        "seconds": cfg["seconds"],
        "scale_repeats": cfg["scale_repeats"],
        "convert_size": cfg["convert_size"],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=sorted(MODES), default="full")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    cfg = dict(MODES[a.mode])
    if os.environ.get("BENCH_REPEATS"):
        cfg["repeats"] = int(os.environ["BENCH_REPEATS"])
    if os.environ.get("BENCH_SECONDS"):
        cfg["seconds"] = float(os.environ["BENCH_SECONDS"])
    if os.environ.get("BENCH_CONVERT_SIZE"):
        cfg["convert_size"] = int(os.environ["BENCH_CONVERT_SIZE"])
    if cfg["convert_size"] < 4 * MIB or cfg["convert_size"] % MIB:
        sys.exit("bench: BENCH_CONVERT_SIZE must be a multiple of 1 MiB, at least 4 MiB")
    image_size = int(os.environ.get("BENCH_IMAGE_SIZE", 1 << 30))
    for tool in (QEMU_IMG, QEMU_SYSTEM, QEMU_IO, QSD):
        if not os.access(tool, os.X_OK):
            sys.exit("bench: %s is missing: run make first" % tool)

    check_space(image_size)
    find_daemons()
    snap0 = cpu_snapshot()
    started = time.monotonic()
    res = {"meta": meta(a.mode, cfg, image_size), "rbd": [], "null": [], "scale": None,
           "convert": []}
    log("bench (%s): %s; %d OSD(s) %s; %d alternating runs of about %.2g s per case"
        % (a.mode, res["meta"]["ceph"], res["meta"]["osds"], res["meta"]["objectstore"],
           cfg["repeats"], cfg["seconds"]))

    todo = [(l, c) for l in LAYOUTS for c in RBD_CASES if selected("%s/%s" % (l[0], c[0]))
            and (l[0] not in ENCRYPTED or c[0] in ENCRYPTED[l[0]])]
    converts = [l for l in LAYOUTS if selected("convert/%s" % l[0])]
    total = len(todo) + len(converts) + 2
    k = 0
    global luks_dir
    luks_dir = tempfile.mkdtemp(prefix="qbp-bench-luks-")
    try:
        if any(l[0] in ENCRYPTED for l, _ in todo):
            make_luks_header()
        # Many disks first: after the RBD cases a memstore OSD has once
        # counted its used bytes below zero (16 EiB used, so "full"), and
        # every later `rbd create` waited forever.
        res["scale"] = run_scale(cfg, image_size)
        # The sparse copies next, for the same reason: they create images
        # but put only a few MiB into the OSD.
        if converts:
            tmp = tempfile.mkdtemp(prefix="qbp-bench-convert-")
            try:
                for layout in converts:
                    k += 1
                    res["convert"].append(run_convert_case(layout, cfg, cfg["convert_size"],
                                                           tmp, "[%d/%d]" % (k, total)))
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        for layout in LAYOUTS:
            cases = [c for l, c in todo if l is layout]
            if not cases:
                continue
            read_image = None
            if any(not c[2] for c in cases):
                read_image = "%s-%s-read" % (PREFIX, layout[0])
                log("%s: creating and filling %s (%s bytes) for the read cases"
                    % (layout[0], read_image, fmt_num(image_size)))
                rbd_create(read_image, layout[1], image_size)
                rbd_fill(read_image, image_size)
                if layout[0] in ENCRYPTED:
                    write_luks_header(read_image)
                res["meta"]["features_" + layout[0]] = rbd_features(read_image)
            for case in cases:
                k += 1
                res["rbd"].append(run_rbd_case(layout, case, cfg, image_size, read_image,
                                               "[%d/%d]" % (k, total)))
            if read_image:
                rbd_remove(read_image)
        for qd in (1, 32):
            k += 1
            if selected("null/d%d" % qd):
                res["null"].append(run_null_case(qd, cfg, "[%d/%d]" % (k, total)))
    except RuntimeError as e:   # a helper command (rbd) failed: stop here
        errors.append(str(e))
        log("bench: stopped: %s" % e)
    finally:
        shutil.rmtree(luks_dir, ignore_errors=True)
        for name in list(created):
            rbd_remove(name)
        res["meta"]["elapsed"] = round(time.monotonic() - started, 1)
        res["meta"]["others_cpus"] = others_cpus(snap0)
        res["errors"] = errors
        res["problems"] = problems
        tmp = a.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(res, f, indent=1)
            f.write("\n")
        os.replace(tmp, a.out)
    log("bench: %s in %.0f s" % (a.out, res["meta"]["elapsed"]))
    for what, items in (("failed", errors), ("had problems", problems)):
        if items:
            log("bench: %d run(s) %s:" % (len(items), what))
            for e in items:
                log("  " + e)
    # 1: some figure is missing; 3: every figure is there, with problems.
    return 1 if errors else 3 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
