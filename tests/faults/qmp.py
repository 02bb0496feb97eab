#!/usr/bin/python3
"""One QMP command on a QEMU's unix socket, for the fault tests.

  qmp.py SOCKET COMMAND [JSON-ARGUMENTS]

Connects, negotiates capabilities, runs COMMAND and prints its "return"
value as JSON, then "# answered in N ms" (from connecting to the answer).
Exits 1 with the error if QEMU answers with one, 2 if nothing answers
within 60 s.  Events that arrive meanwhile are skipped.
"""

import json
import socket
import sys
import time


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    args = json.loads(sys.argv[3]) if len(sys.argv) == 4 else None
    t0 = time.monotonic()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    try:
        s.connect(sys.argv[1])
        f = s.makefile("rwb")

        def answer():
            while True:
                line = f.readline()
                if not line:
                    raise EOFError("QEMU closed the QMP connection")
                msg = json.loads(line)
                if "return" in msg or "error" in msg:
                    return msg

        def execute(cmd, arguments=None):
            req = {"execute": cmd}
            if arguments is not None:
                req["arguments"] = arguments
            f.write(json.dumps(req).encode() + b"\n")
            f.flush()
            return answer()

        json.loads(f.readline())            # the greeting
        execute("qmp_capabilities")
        msg = execute(sys.argv[2], args)
    except (OSError, EOFError, ValueError) as e:
        print("qmp.py: %s: %s" % (sys.argv[2], e), file=sys.stderr)
        return 2
    ms = (time.monotonic() - t0) * 1000
    if "error" in msg:
        print("qmp.py: %s: %s" % (sys.argv[2], msg["error"].get("desc")),
              file=sys.stderr)
        return 1
    print(json.dumps(msg["return"]))
    print("# answered in %d ms" % ms)
    return 0


if __name__ == "__main__":
    sys.exit(main())
