#!/usr/bin/env python3
"""Hostile clients against a widgets-server binary on loopback, one attack per run, printing the
server's resident memory (VmRSS before, VmHWM = peak) and whether it kept answering.

    python3 scripts/hostile_clients.py BINARY h1-noread [CLIENTS]
    python3 scripts/hostile_clients.py BINARY h2-zero-window [STREAMS]
    python3 scripts/hostile_clients.py BINARY slow-upload [CLIENTS]
    python3 scripts/hostile_clients.py BINARY fd-limit [CLIENTS]

Everything talks to 127.0.0.1 only, and every loop is bounded in count and time.
"""

import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

OBJECTS = 6  # objects in the listed collection
OBJECT_BYTES = 1_400_000  # each: under the 1.5 MiB stored-object limit
PATH = "/apis/demo.krest.dev/v1/namespaces/default/widgets"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024  # MiB
    return -1


def request(port, method, path, body=None, timeout=10):
    """One HTTP/1.1 request on a new connection: (code, body bytes), or (None, error)."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        data = body.encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        s.sendall(head.encode() + b"\r\n" + data)
        reply = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            reply += chunk
        s.close()
        return int(reply.split(b" ", 2)[1]), reply
    except Exception as e:  # noqa: BLE001 - report, do not crash the probe
        return None, str(e)


def widget(name, size):
    return json.dumps(
        {
            "apiVersion": "demo.krest.dev/v1",
            "kind": "Widget",
            "metadata": {"name": name},
            "spec": {"color": "x" * size, "replicas": 1},
        }
    )


def start(binary, extra=(), prefix=()):
    port = free_port()
    data = tempfile.mkdtemp(prefix="krest-hostile-")
    log = open(os.path.join(data, "server.log"), "w+")
    args = [*prefix, binary, "--authorization-mode=AlwaysAllow", "--listen", f"127.0.0.1:{port}",
            "--data-dir", os.path.join(data, "db"), *extra, *os.environ.get("KREST_ARGS", "").split()]
    proc = subprocess.Popen(args, stdout=log, stderr=log)
    for _ in range(200):
        if request(port, "GET", "/readyz", timeout=1)[0] == 200:
            return proc, port, log
        time.sleep(0.05)
    raise SystemExit("server did not start")


def h1_noread(port, clients):
    socks = []
    for _ in range(clients):
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(f"GET {PATH} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        socks.append(s)
    return socks


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def h2_zero_window(port, streams):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    # SETTINGS_INITIAL_WINDOW_SIZE = 0: no stream may send a byte of DATA.
    out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, struct.pack(">HI", 4, 0))
    path = PATH.encode()
    for i in range(streams):
        # :method GET, :scheme http, :path (literal, name 4), :authority x (literal, name 1)
        block = b"\x82\x86\x04" + bytes([len(path)]) + path + b"\x01\x01x"
        out += frame(1, 0x5, 2 * i + 1, block)
    s.sendall(out)
    return [s]


def slow_upload(port, clients):
    socks = []
    for _ in range(clients):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n".encode())
        socks.append(s)
    return socks


def main():
    binary, attack = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    prefix = ("prlimit", "--nofile=128:128") if attack == "fd-limit" else ()
    proc, port, log = start(binary, prefix=prefix)
    try:
        if attack in ("h1-noread", "h2-zero-window"):
            for i in range(OBJECTS):
                code, _ = request(port, "POST", PATH, widget(f"big-{i}", OBJECT_BYTES))
                assert code == 201, code
        before = status(proc.pid, "VmRSS")
        started = time.time()
        held = {"h1-noread": h1_noread, "h2-zero-window": h2_zero_window,
                "slow-upload": slow_upload, "fd-limit": slow_upload}[attack](port, count)
        codes = {}
        cpu_before = sum(int(x) for x in open(f"/proc/{proc.pid}/stat").read().split()[13:15])
        for i in range(15):
            if attack == "slow-upload":
                for s in held:
                    try:
                        s.sendall(b"1\r\n \r\n")
                    except OSError:
                        pass
                code, _ = request(port, "POST", PATH, widget(f"ok-{i}", 10))
            elif attack == "fd-limit":
                code, _ = request(port, "GET", "/readyz", timeout=2)
            else:
                code, _ = request(port, "GET", PATH + "?limit=1", timeout=10)
            codes[code] = codes.get(code, 0) + 1
            if proc.poll() is not None:
                break
            time.sleep(1)
        cpu = sum(int(x) for x in open(f"/proc/{proc.pid}/stat").read().split()[13:15]) - cpu_before \
            if proc.poll() is None else -1
        alive = proc.poll() is None
        peak = status(proc.pid, "VmHWM") if alive else -1
        now = status(proc.pid, "VmRSS") if alive else -1
        for s in held:
            s.close()
        log.flush()
        log.seek(0)
        accept_logs = log.read().count("accept failed")
        print(f"{attack} x{count}: alive={alive} rss_before={before}MiB peak={peak}MiB "
              f"rss_after_{time.time() - started:.0f}s={now}MiB other_client={codes} "
              f"cpu_ticks={cpu} accept_failed_logs={accept_logs}")
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
