#!/usr/bin/env python3
"""Send one QMP command to a QEMU monitor socket and print the reply.

usage: qmp.py SOCKET COMMAND [ARGUMENT=VALUE...]
e.g.   qmp.py build/results/vm/qmp.sock device_del id=e1000e
"""
import json
import socket
import sys


def main():
    path, cmd = sys.argv[1:3]
    args = dict(a.split("=", 1) for a in sys.argv[3:])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    f = s.makefile("rw")
    json.loads(f.readline())                      # greeting
    for c in ({"execute": "qmp_capabilities"}, {"execute": cmd, "arguments": args}):
        f.write(json.dumps(c) + "\n")
        f.flush()
        while True:
            r = json.loads(f.readline())
            if "return" in r or "error" in r:
                break
    print(json.dumps(r))
    return 1 if "error" in r else 0


if __name__ == "__main__":
    sys.exit(main())
