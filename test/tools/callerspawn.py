#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""callerspawn.py - Start the daemon the way a caller (libvirt, qemu) does

Usage: callerspawn.py [options] -- DAEMON ARG...

Runs DAEMON ARG... as its caller would, in the current network namespace,
and reports on standard output, one "KEY VALUE" line each:
  exit STATUS MS    how the started process ended (STATUS negative: killed
                    by that signal), MS after exec
  ready MS          when the socket (--socket PATH) first listened, MS after
                    exec, polled in /proc/net/unix every 0.2 ms; "ready
                    none" if not within --bound-ms
  client PID MS     the client (--client CMD) was started MS after exec
  daemon PID        the process left running with the same command line
                    (the detached child), or "daemon none"

Options:
  --stdio closed    stdout and stderr are one pipe whose read end is closed
                    right after exec (libvirt 9.0: it closes the pipe when its
                    own intermediate child exits)
  --stdio read      the same pipe, read to its end (libvirt 11, qemu) and
                    printed as "stdio LINE" lines
  --socket PATH     the unix socket to watch for readiness
  --bound-ms N      stop waiting for readiness after N ms (default 200)
  --client CMD      a shell command started once, without waiting for the
                    exit of DAEMON: at --client-at-ms after exec if the socket
                    listened by then, else as soon as it listens (up to
                    --bound-ms); the client connects once (a qemu without
                    reconnect). With --fd3: once DAEMON exited.
  --client-at-ms N  default 20 (libvirt 9.0 starts qemu 10-20 ms after it
                    started the daemon, without looking at the socket)
  --fd3             give the daemon fd 3, connected to a new socketpair whose
                    other end is passed to the client as fd 3 (qemu's -netdev
                    passt: "--fd 3")
"""

import argparse
import os
import socket
import subprocess
import sys
import time


def listening(path):
    """True if a unix socket bound to path listens in this namespace"""
    try:
        with open("/proc/net/unix") as f:
            next(f)
            for line in f:
                p = line.split()
                # Flags 00010000: __SO_ACCEPTCON, a listening socket
                if len(p) >= 8 and p[7] == path and p[3] == "00010000":
                    return True
    except OSError:
        pass
    return False


def find_daemon(argv, parent):
    """PID of a running process with command line argv other than parent"""
    want = "\0".join(argv) + "\0"
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == parent:
            continue
        try:
            with open(f"/proc/{d}/cmdline") as f:
                if f.read() != want:
                    continue
            with open(f"/proc/{d}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
        except OSError:
            continue
        return int(d)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stdio", choices=["closed", "read"], default="closed")
    ap.add_argument("--socket")
    ap.add_argument("--bound-ms", type=float, default=200)
    ap.add_argument("--client")
    ap.add_argument("--client-at-ms", type=float, default=20)
    ap.add_argument("--fd3", action="store_true")
    ap.add_argument("argv", nargs="+")
    a = ap.parse_args()

    # Hold fd 3, so that no descriptor made here lands on it: it is the
    # one handed over with --fd3
    null = os.open("/dev/null", os.O_RDONLY)
    if null != 3:
        os.dup2(null, 3, inheritable=False)
        os.close(null)
    r, w = os.pipe()
    pass_fds = ()
    client_fd = None
    if a.fd3:
        d, q = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        os.dup2(d.fileno(), 3, inheritable=True)
        d.close()
        client_fd = q
        pass_fds = (3,)

    t0 = time.monotonic()
    proc = subprocess.Popen(a.argv, stdin=subprocess.DEVNULL, stdout=w,
                            stderr=w, pass_fds=pass_fds)
    os.close(w)
    if a.fd3:
        os.close(3)
    out = b""
    if a.stdio == "closed":
        os.close(r)
    ms = lambda: (time.monotonic() - t0) * 1000

    ready = None
    client = None
    rc = None
    while True:
        now = ms()
        if rc is None and proc.poll() is not None:
            rc = (proc.returncode, now)
        if a.socket and ready is None and listening(a.socket):
            ready = now
        # The client: with a socket, once it listens and not before
        # --client-at-ms; with --fd3, once the started process exited
        # (qemu waits for that)
        if a.client and client is None and \
           ((a.socket and ready is not None and now >= a.client_at_ms) or
            (not a.socket and rc is not None)):
            kw = {}
            if client_fd is not None:
                os.dup2(client_fd.fileno(), 3, inheritable=True)
                kw["pass_fds"] = (3,)
            c = subprocess.Popen(a.client, shell=True,
                                 stdin=subprocess.DEVNULL, **kw)
            client = (c.pid, ms())
            if client_fd is not None:
                os.close(3)
                client_fd.close()
                client_fd = None
        done_ready = not a.socket or ready is not None or now > a.bound_ms
        if rc is not None and done_ready and (client or not a.client or
                                              now > a.bound_ms):
            break
        if now > 30000:
            break
        time.sleep(0.0002)

    if a.stdio == "read":
        while True:
            b = os.read(r, 65536)
            if not b:
                break
            out += b
        os.close(r)
        for line in out.decode(errors="replace").splitlines():
            print("stdio", line)
    if rc is None:
        rc = (proc.wait(), ms())
    print("exit %d %.1f" % (rc[0], rc[1]))
    if a.socket:
        print("ready none" if ready is None else "ready %.1f" % ready)
    if a.client:
        print("client none" if client is None else
              "client %d %.1f" % (client[0], client[1]))
    pid = find_daemon(a.argv, proc.pid)
    print("daemon", pid if pid else "none")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
