#!/usr/bin/python3
"""Bootstrap steps of tests/ceph/cluster.sh that talk to the cluster.

Run with Debian's /usr/bin/python3 (python3-rados, python3-rbd).  One
process per step saves the ~0.4 s start-up of each `ceph` CLI call.

  admin.py CONF prepare POOL UUID[:SECRET]...
      register the OSDs (`osd new`, OSD ids 0, 1, ... in order, with their
      cephx secret when given) and create the replicated pool POOL with the
      pool defaults of CONF.
  admin.py CONF ready POOL NUM_OSDS TIMEOUT
      wait until NUM_OSDS OSDs are up and in, initialise POOL for RBD (this
      blocks until its placement groups are active), then wait until a mgr is
      available and the health is HEALTH_OK; all within TIMEOUT seconds.
"""

import json
import sys
import time

import rados


def fail(msg):
    print("admin.py: " + msg, file=sys.stderr)
    sys.exit(1)


def connect(conf, timeout):
    cluster = rados.Rados(conffile=conf)
    t = str(max(1, int(timeout)))
    cluster.conf_set("client_mount_timeout", t)
    cluster.conf_set("rados_mon_op_timeout", t)
    cluster.conf_set("rados_osd_op_timeout", t)
    try:
        cluster.connect(timeout=max(1, int(timeout)))
    except rados.Error as e:
        fail("cannot connect to the monitor: %s" % e)
    return cluster


def mon(cluster, inbuf=b"", **cmd):
    ret, out, err = cluster.mon_command(json.dumps(cmd), inbuf)
    if ret != 0:
        fail("%s: %s (%d)" % (cmd["prefix"], err, ret))
    return json.loads(out) if cmd.get("format") == "json" and out else out


def prepare(conf, pool, osds):
    cluster = connect(conf, 30)
    for osd_id, spec in enumerate(osds):
        uuid, _, secret = spec.partition(":")
        inbuf = json.dumps({"cephx_secret": secret}).encode() if secret else b""
        mon(cluster, inbuf, prefix="osd new", uuid=uuid, id=osd_id)
    mon(cluster, prefix="osd pool create", pool=pool, pool_type="replicated")
    # The always-on devicehealth module would create a pool of its own.
    mon(cluster, prefix="config set", who="mgr",
        name="mgr/devicehealth/enable_monitoring", value="false",
        force=True)
    cluster.shutdown()


def ready(conf, pool, num_osds, timeout):
    deadline = time.monotonic() + timeout
    left = lambda: deadline - time.monotonic()
    cluster = connect(conf, timeout)

    def wait(what, cond):
        while not cond():
            if left() <= 0:
                fail("timed out after %g s waiting for %s" % (timeout, what))
            time.sleep(0.2)

    def osds_up():
        st = mon(cluster, prefix="osd stat", format="json")
        st = st.get("osdmap", st)       # older releases nest it
        return st["num_up_osds"] >= num_osds and st["num_in_osds"] >= num_osds
    wait("%d OSDs up and in" % num_osds, osds_up)

    import rbd
    # The OSD op timeout bounds this: pool_init writes an object, which
    # blocks until the pool's placement groups are active.
    cluster.conf_set("rados_osd_op_timeout", str(max(1, int(left()))))
    try:
        with cluster.open_ioctx(pool) as ioctx:
            rbd.RBD().pool_init(ioctx, False)
    except (rados.Error, rbd.Error) as e:
        fail("rbd pool init %s: %s" % (pool, e))

    wait("an active mgr",
         lambda: mon(cluster, prefix="mgr stat", format="json")["available"])
    last = {}

    def healthy():
        last.update(mon(cluster, prefix="health", format="json"))
        return last.get("status") == "HEALTH_OK"
    try:
        wait("HEALTH_OK", healthy)
    except SystemExit:
        print(json.dumps(last, indent=1), file=sys.stderr)
        raise
    cluster.shutdown()


def main(argv):
    if len(argv) >= 4 and argv[2] == "prepare":
        prepare(argv[1], argv[3], argv[4:])
    elif len(argv) == 6 and argv[2] == "ready":
        ready(argv[1], argv[3], int(argv[4]), float(argv[5]))
    else:
        fail("usage: see the top of this file")


if __name__ == "__main__":
    main(sys.argv)
