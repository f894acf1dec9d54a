#!/usr/bin/python3
"""The second dom0 of the real-Xen tier, and what the first asks of it.

The tier's migration checks need two Xen hosts: two QEMU instances on one
emulated link (no route anywhere else).  The host that runs the checks
drives the other through libvirt (xen+tcp://) like any client, and
through this agent for what a client of libvirt cannot do: read the other
dom0's files and xenstore, run xl, receive an `xl migrate` stream, power
the other host off.  The link exists only between the two emulated dom0s,
so the agent takes any request that reaches it.

    peer.py serve ADDR PORT          the agent (on the peer dom0)
    peer.py run HOST -- CMD...       run CMD there; its output and exit status
    peer.py exec HOST CMD...         run CMD there with this process's stdin
                                     and stdout as its own (what xl migrate's
                                     -s option wants: peer.py exec HOST
                                     xl migrate-receive)
    peer.py poweroff HOST            end the agent; the peer's init powers off
    peer.py clock HOST               set the other dom0's clock to this one's
    peer.py watch NAME [HOST] ...    see below

clock does what NTP does between real hosts (a dom0 under QEMU sets its
clock from the emulated RTC, to the second): it measures the other clock's
offset over a few round trips of one connection, takes the one with the
shortest round trip, sets the other clock by it and measures again.  It
prints both offsets; its status is 1 if the second is above 50 ms.

watch follows a guest's heartbeat (the test kernels' "heartbeat=MS", the
Linux guest's "heartbeat") through a migration: the console log of guest
NAME on this host, and on each HOST given (through its agent), each line
stamped with this host's clock as it arrives.  Once it follows every log it
touches READY_FILE (env), if set.  It runs until it is sent SIGTERM, or
until STOP_AFTER (env) beats arrived after the move, then prints one line
of JSON:
    {"gap_ms": time between the last beat where the guest was first seen
     and the first beat after it elsewhere, "before" and "after": their
     numbers, "where_before", "where_after": "here" or the host, "beats":
     all beats seen, "bad": memory checks failed, "hellos": boot banners}
The guests count their beats, not the time: one that migrated carried on
where it was when "after" is "before" + 1 and no new boot banner appeared.
"""
import glob
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

AGENT_PORT = int(os.environ.get("PEER_PORT", "7777"))
CONSOLE_DIR = os.environ.get("PEER_CONSOLE_DIR", "/var/log/xen/console")
# The heartbeat lines of the project's test kernels and of the Linux guest.
BEAT = re.compile(rb"(?:xenpv-test: )?beat (\d+)(?:, memory (ok|CORRUPT))?")
HELLO = re.compile(rb"xenpv-test: hello|xen-tier guest up")
POLL_S = 0.02


def send_json(sock, obj):
    sock.sendall((json.dumps(obj) + "\n").encode())


def recv_line(sock):
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def follow_files(pattern, out, stop, started=None):
    """Write to out (a callable) every line appended to the files matching
    pattern from now on; files that appear later are read from their start
    (xenconsoled opens a new log for an incoming guest).  started (an
    Event) is set once "now" is fixed."""
    offsets = {path: os.path.getsize(path) for path in glob.glob(pattern)}
    partial = {}
    if started:
        started.set()
    while not stop.is_set():
        for path in glob.glob(pattern):
            try:
                with open(path, "rb") as f:
                    f.seek(offsets.get(path, 0))
                    data = f.read()
            except OSError:
                continue
            if not data:
                continue
            offsets[path] = offsets.get(path, 0) + len(data)
            data = partial.pop(path, b"") + data
            lines = data.split(b"\n")
            if lines[-1]:
                partial[path] = lines[-1]
            for line in lines[:-1]:
                if out(line.rstrip(b"\r")) is False:
                    return
        time.sleep(POLL_S)


# ---- the agent ----------------------------------------------------------

def handle(conn):
    req = json.loads(recv_line(conn) or b"{}")
    op = req.get("op")
    if op == "run":
        try:
            p = subprocess.run(req["argv"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=req.get("timeout", 120))
            send_json(conn, {"rc": p.returncode, "out": p.stdout.decode(errors="replace")})
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode(errors="replace")
            send_json(conn, {"rc": 124, "out": out + "\n(timed out)"})
        except OSError as e:
            send_json(conn, {"rc": 127, "out": str(e)})
    elif op == "exec":
        # The connection is the command's stdin and stdout.
        p = subprocess.Popen(req["argv"], stdin=conn.fileno(), stdout=conn.fileno())
        p.wait()
    elif op == "follow":
        stop = threading.Event()

        def out(line):
            try:
                conn.sendall(line + b"\n")
            except OSError:
                return False
            return True
        follow_files(req["glob"], out, stop)
    elif op == "clock":
        # Requests on one connection: {"ask": 1} or {"set": seconds to add}
        # (then the same answer), each answered with this clock's time.
        for line in iter(lambda: recv_line(conn), b""):
            delta = json.loads(line).get("set")
            if delta is not None:
                time.clock_settime(time.CLOCK_REALTIME, time.time() + delta)
            send_json(conn, {"t": time.time()})
    elif op == "poweroff":
        send_json(conn, {"rc": 0})
        conn.close()
        os._exit(0)
    conn.close()


def serve(addr, port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(8)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


# ---- the client ---------------------------------------------------------

def connect(host, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection((host, AGENT_PORT), timeout=10)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def run(host, argv, timeout):
    with connect(host) as s:
        s.settimeout(timeout + 30)
        send_json(s, {"op": "run", "argv": argv, "timeout": timeout})
        reply = json.loads(recv_line(s) or b'{"rc": 255, "out": "no reply from the peer"}')
    sys.stdout.write(reply["out"])
    return reply["rc"]


def clock_offset(sock, rounds=8):
    """The other clock less this one (s), from the round trip of @rounds
    that took least: (offset, round trip)."""
    best = None
    for _ in range(rounds):
        t0 = time.time()
        send_json(sock, {"ask": 1})
        t1 = json.loads(recv_line(sock))["t"]
        t2 = time.time()
        if best is None or t2 - t0 < best[1]:
            best = (t1 - (t0 + t2) / 2, t2 - t0)
    return best


def clock(host):
    with connect(host) as s:
        s.settimeout(30)
        send_json(s, {"op": "clock"})
        before, rtt = clock_offset(s)
        send_json(s, {"set": -before})
        recv_line(s)
        after, rtt_after = clock_offset(s)
    print("%s's clock was %+.0f ms off (round trip %.1f ms), now %+.1f ms (round trip %.1f ms)"
          % (host, before * 1000, rtt * 1000, after * 1000, rtt_after * 1000))
    return 0 if abs(after) <= 0.05 else 1


def pump(src, dst):
    while True:
        data = os.read(src, 65536)
        if not data:
            return
        while data:
            data = data[os.write(dst, data):]


def exec_(host, argv):
    s = connect(host)
    s.settimeout(None)
    send_json(s, {"op": "exec", "argv": argv})
    up = threading.Thread(target=lambda: (pump(0, s.fileno()), s.shutdown(socket.SHUT_WR)),
                          daemon=True)
    up.start()
    pump(s.fileno(), 1)
    return 0


def watch(name, hosts):
    lock = threading.Lock()
    stop = threading.Event()
    events = []          # (time, where, line)
    stop_after = int(os.environ.get("STOP_AFTER", "0"))
    start = time.monotonic()

    def out_for(where):
        def out(line):
            with lock:
                events.append((time.monotonic(), where, line))
            return not stop.is_set()
        return out

    pattern = "%s/guest-%s*.log" % (CONSOLE_DIR, name)
    started = [threading.Event() for _ in range(1 + len(hosts))]
    threads = [threading.Thread(target=follow_files,
                                args=(pattern, out_for("here"), stop, started[0]), daemon=True)]
    for i, host in enumerate(hosts):
        def remote(host=host, started=started[i + 1]):
            try:
                s = connect(host)
                s.settimeout(None)
                send_json(s, {"op": "follow", "glob": pattern})
                started.set()
                f = s.makefile("rb")
                out = out_for(host)
                for line in f:
                    if out(line.rstrip(b"\r\n")) is False:
                        break
            except OSError as e:
                with lock:
                    events.append((time.monotonic(), host, b"watch: " + str(e).encode()))
        threads.append(threading.Thread(target=remote, daemon=True))
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    for t in threads:
        t.start()
    for e in started:
        e.wait(30)
    if os.environ.get("READY_FILE"):
        open(os.environ["READY_FILE"], "w").close()

    result = {}
    while not stop.wait(0.1):
        with lock:
            result = summarize(events)
        if stop_after and result.get("after_count", 0) >= stop_after:
            break
    with lock:
        result = summarize(events)
    result.pop("after_count", None)
    result["watched_s"] = round(time.monotonic() - start, 1)
    print(json.dumps(result), flush=True)
    os._exit(0)


def summarize(events):
    """The heartbeat across the move: the last beat where the guest was
    first seen, and the first beat elsewhere that counts on from it (lines
    left in the console ring when the guest stopped may reach the other
    host's log too: they are not beats "after")."""
    beats = [(t, where, int(m.group(1)), m.group(2))
             for t, where, line in sorted(events, key=lambda e: e[0])
             for m in [BEAT.search(line)] if m]
    res = {"beats": len(beats), "bad": sum(1 for b in beats if b[3] == b"CORRUPT"),
           "hellos": sum(1 for _, _, line in events if HELLO.search(line)),
           "gap_ms": None, "after_count": 0}
    if not beats:
        return res
    first_where = beats[0][1]
    before = max((b for b in beats if b[1] == first_where), key=lambda b: b[2])
    after = [b for b in beats if b[1] != first_where and b[2] > before[2]]
    res.update({"before": before[2], "where_before": first_where})
    if after:
        res.update({"gap_ms": round((after[0][0] - before[0]) * 1000), "after": after[0][2],
                    "where_after": after[0][1], "after_count": len(after)})
    return res


def main(argv):
    if len(argv) >= 3 and argv[0] == "serve":
        serve(argv[1], int(argv[2]))
    elif len(argv) >= 3 and argv[0] == "run":
        rest = argv[2:]
        timeout = 120
        if rest[0].startswith("--timeout="):
            timeout = int(rest.pop(0).split("=", 1)[1])
        if rest[0] == "--":
            rest = rest[1:]
        return run(argv[1], rest, timeout)
    elif len(argv) >= 3 and argv[0] == "exec":
        return exec_(argv[1], argv[2:])
    elif len(argv) == 2 and argv[0] == "poweroff":
        with connect(argv[1], timeout=10) as s:
            send_json(s, {"op": "poweroff"})
            recv_line(s)
        return 0
    elif len(argv) == 2 and argv[0] == "clock":
        return clock(argv[1])
    elif len(argv) >= 2 and argv[0] == "watch":
        watch(argv[1], argv[2:])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
