#!/usr/bin/env python3
"""Hostile clients beside the load: slow clients (slowloris) that open connections and send their
headers a byte at a time, and clients that send bodies far over the server's limit.
  hostile.py PORT SECONDS SLOW_CONNECTIONS
Prints what the server did to them: slow connections it closed, oversized bodies it refused (413)."""
import socket, sys, threading, time

port, seconds, slow = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
end = time.time() + seconds
lock = threading.Lock()
stats = {"slow_opened": 0, "slow_closed_by_server": 0, "big_sent": 0, "big_413": 0, "big_other": 0}


def bump(key):
    with lock:
        stats[key] += 1


def slow_client():
    while time.time() < end:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            time.sleep(0.5)
            continue
        bump("slow_opened")
        try:
            s.sendall(b"POST /v1/purchases HTTP/1.1\r\nHost: x\r\n")
            while time.time() < end:
                s.sendall(b"X")  # one byte of a header that never ends
                time.sleep(2)
        except OSError:
            bump("slow_closed_by_server")
        finally:
            s.close()


def big_client():
    chunk = b"x" * 65536
    while time.time() < end:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"POST /v1/purchases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 1073741824\r\n\r\n")
            bump("big_sent")
            answer = b""
            try:
                for _ in range(16384):  # up to 1 GiB, until the server answers or closes
                    s.sendall(chunk)
            except OSError:
                pass
            try:
                answer = s.recv(64)
            except OSError:
                pass
            bump("big_413" if b" 413 " in answer else "big_other")
            s.close()
        except OSError:
            time.sleep(0.2)


threads = [threading.Thread(target=slow_client, daemon=True) for _ in range(slow)]
threads += [threading.Thread(target=big_client, daemon=True) for _ in range(4)]
for t in threads:
    t.start()
time.sleep(seconds + 1)
print(" ".join(f"{k}={v}" for k, v in stats.items()), flush=True)
