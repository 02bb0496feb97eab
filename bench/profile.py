#!/usr/bin/python3
"""perf profile of one bench case, through the plugin and through the
in-tree driver: where the client's CPU goes (run through bench/bench.sh
profile, which provides the cluster).

    bench/profile.py [LAYOUT/CASE]      e.g. layering/rw4k-d32

Without a case: the row with the plugin's lowest IOPS ratio in
bench/results/results.json.  Writes bench/results/profile-LAYOUT-CASE.txt:
per run the IOPS and CPU seconds, the CPU share of each library, the
hottest functions (self time) and the inclusive time of every function
(children) above 3%; and, from another unprofiled run under `perf stat`,
counts per request: system calls by kind, context switches, and the OSDs'
ops (their perf counters), which say what a CPU profile cannot (how many
thread hand-offs and RADOS ops a request costs).  Samples: cpu-clock
(software: no hardware counters are needed) at PROFILE_FREQ Hz (2999) with
DWARF call graphs, all threads of the qemu-img process.  PROFILE_COUNT sets the request count; PROFILE_TAG=T
writes profile-LAYOUT-CASE-T.txt instead (e.g. before and after a change).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402

RESULTS = os.path.join(run.TOP, "bench", "results", "results.json")


def worst_case():
    try:
        with open(RESULTS) as f:
            res = json.load(f)
    except OSError:
        sys.exit("profile: no %s: run make bench first, or name a case" % RESULTS)
    import report
    rows = [r for r in report.analyse(res)[0] if r["iops"] is not None]
    if not rows:
        sys.exit("profile: no measured row in %s" % RESULTS)
    r = min(rows, key=lambda r: r["iops"])
    return "%s/%s" % (r["c"]["layout"], r["c"]["case"]), r


def perf_report(data, *args):
    r = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-header"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines = [l.rstrip() for l in r.stdout.splitlines() if l.strip() and not l.startswith("#")]
    return "\n".join(lines)


COUNTED = ("write", "sendmsg", "read", "futex", "ppoll", "epoll_wait")


def osd_ops():
    """Client ops the cluster's OSDs have served so far (perf counter osd.op)."""
    total = 0
    for osd in run.cmd_out("ceph", "osd", "ls").split():
        out = run.cmd_out("ceph", "tell", "osd." + osd, "perf", "dump")
        try:
            total += json.loads(out)["osd"]["op"]
        except (ValueError, KeyError):
            return None
    return total


def counts(args, count, data):
    """Per-request system calls, context switches (all threads of qemu-img,
    perf stat) and OSD ops of one run of args, as lines of text."""
    events = ["syscalls:sys_enter_" + c for c in COUNTED] + ["context-switches"]
    ops0 = osd_ops()
    r = subprocess.run(["perf", "stat", "-x,", "-e", ",".join(events), "-o", data, "--"] + args,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ops1 = osd_ops()
    if r.returncode != 0:
        return ["(perf stat failed: %s)" % r.stderr.strip().splitlines()[-1:]]
    got = {}
    with open(data) as f:
        for line in f:
            v = line.strip().split(",")
            if len(v) > 2 and v[0].replace(".", "").isdigit():
                got[v[2].replace("syscalls:sys_enter_", "")] = float(v[0])
    line = ", ".join("%s %.2f" % (k, got[k] / count) for k in COUNTED + ("context-switches",)
                     if k in got)
    out = ["system calls per request: " + line]
    if ops0 is not None and ops1 is not None:
        out.append("OSD ops per request: %.3f" % ((ops1 - ops0) / count))
    return out


def main():
    if len(sys.argv) > 1:
        name, row = sys.argv[1], None
    else:
        name, row = worst_case()
        run.log("profile: the plugin's worst row: %s (IOPS ratio %.2f)" % (name, row["iops"]))
    try:
        lid, cid = name.split("/")
        layout = next(l for l in run.LAYOUTS if l[0] == lid)
        case = next(c for c in run.RBD_CASES if c[0] == cid)
    except (ValueError, StopIteration):
        sys.exit("profile: unknown case %r; cases are LAYOUT/CASE with LAYOUT in %s and CASE in %s"
                 % (name, ", ".join(l[0] for l in run.LAYOUTS),
                    ", ".join(c[0] for c in run.RBD_CASES)))
    _, label, write, size, qd, pattern = case
    image_size = int(os.environ.get("BENCH_IMAGE_SIZE", 1 << 30))
    step = run.golden_step(size, image_size) if pattern == "random" else None
    count = int(os.environ.get("PROFILE_COUNT", 0)) or (
        row and row["c"].get("count") and int(row["c"]["count"] * 1.5)) or \
        {4096: 20000, 65536: 10000}.get(size, 2000)
    freq = os.environ.get("PROFILE_FREQ", "2999")
    tmp = tempfile.mkdtemp(prefix="qbp-profile-")
    plugin = os.path.join(os.environ.get("QEMU_BLOCK_PLUGIN_PATH", ""), "rbd-plugin.so")
    out = ["# perf profile: %s, %s QD%d, %d requests (bench/profile.py)" % (lid, label, qd, count),
           "# rbd-plugin.so sha256 %s…, %s" % (run.cmd_out("sha256sum", plugin)[:16],
                                              run.meta("profile", {"repeats": 0, "seconds": 0,
                                                                   "scale_repeats": 0}, 0)["date"]),
           "# cpu-clock samples at %s Hz, all threads of qemu-img; %s" % (freq, run.cmd_out("perf", "--version")),
           ""]
    try:
        read_image = None
        if not write:
            read_image = "%s-%s-read" % (run.PREFIX, lid)
            run.log("profile: creating and filling %s" % read_image)
            run.rbd_create(read_image, layout[1], image_size)
            run.rbd_fill(read_image, image_size)
        for driver in run.DRIVERS[::-1]:
            def image():
                if not write:
                    return read_image
                name = "%s-%s-%s-%d" % (run.PREFIX, lid, driver, len(run.created))
                run.rbd_create(name, layout[1], image_size)
                return name
            # An unprofiled run first, for the CPU figure: perf's unwinding
            # runs in the kernel and inflates the process's system time.
            img = image()
            plain = run.qemu_img_bench(run.rbd_target(driver, img), count, qd, size, write, step,
                                       timeout=600)
            if write:
                run.rbd_remove(img)
            img = image()
            stat = counts(run.bench_args(run.rbd_target(driver, img), count, qd, size, write, step),
                          count, os.path.join(tmp, driver + ".stat"))
            if write:
                run.rbd_remove(img)
            img = image()
            data = os.path.join(tmp, driver + ".data")
            args = ["perf", "record", "-q", "-e", "cpu-clock", "-F", freq,
                    "--call-graph", "dwarf,16384", "-o", data, "--"] + \
                run.bench_args(run.rbd_target(driver, img), count, qd, size, write, step)
            run.log("profile: %s: %s" % (driver, " ".join(args)))
            r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if write:
                run.rbd_remove(img)
            if r.returncode != 0:
                out.append("## %s: failed: %s\n" % (driver, r.stderr.strip().splitlines()[-1:]))
                continue
            m = re.search(r"Run completed in ([0-9.]+) seconds", r.stdout)
            secs = float(m.group(1)) if m else float("nan")
            run.log("profile: %s: reading the samples" % driver)
            out.append("## %s: %s IOPS under perf (%d requests in %.3f s); unprofiled run: %s" % (
                driver, run.fmt_num(count / secs), count, secs, run.brief(plain, size)))
            out.append("")
            out.append("### counts (an unprofiled run under perf stat)")
            out.extend(stat)
            out.append("")
            out.append("### CPU by library (self time)")
            out.append(perf_report(data, "--no-children", "--sort", "dso", "-g", "none",
                                   "--percent-limit", "0.5"))
            out.append("")
            out.append("### hottest functions (self time, >= 0.7%)")
            out.append(perf_report(data, "--no-children", "--sort", "dso,sym", "-g", "none",
                                   "--percent-limit", "0.7"))
            out.append("")
            out.append("### inclusive (children: a function with all it calls, >= 3%)")
            out.append(perf_report(data, "--children", "--sort", "dso,sym", "-g", "none",
                                   "--percent-limit", "3"))
            out.append("")
            out.append("### by thread (self time)")
            out.append(perf_report(data, "--no-children", "--sort", "comm", "-g", "none",
                                   "--percent-limit", "1"))
            out.append("")
    finally:
        for n in list(run.created):
            run.rbd_remove(n)
        shutil.rmtree(tmp, ignore_errors=True)
    tag = os.environ.get("PROFILE_TAG", "")
    path = os.path.join(run.TOP, "bench", "results", "profile-%s-%s%s.txt"
                        % (lid, cid, "-" + tag if tag else ""))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    run.log("profile: %s" % path)


if __name__ == "__main__":
    main()
