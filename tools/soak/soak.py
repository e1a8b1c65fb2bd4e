#!/usr/bin/env python3
"""The soak's helpers (tools/soak/run.sh runs them in the bed's namespaces).

  server   TCP and UDP echo servers (short requests, long streams)
  client   mixed traffic for a while; a JSON summary on stdout at the end
  sample   one line of figures a period into a CSV, until a stop file exists
  check    the verdicts from the CSV, the clients' summaries and xnatd's log,
           as "ok<TAB>text" / "not ok<TAB>text" lines

Only the standard library: it runs wherever the e2e bed runs.
"""
import argparse
import csv
import ctypes
import json
import os
import random
import re
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time

# ---------------------------------------------------------------- server
# A short request: one line in, "ADDR:PORT\n" (the peer as the server sees
# it) back; the client closes first (its TIME_WAIT keeps its port from being
# reused at once), then the server. A stream: everything echoed until EOF.


class ShortTCP(socketserver.BaseRequestHandler):
    def handle(self):
        s = self.request
        s.settimeout(10)
        try:
            if s.recv(64):
                s.sendall(f"{self.client_address[0]}:{self.client_address[1]}\n".encode())
                while s.recv(64):  # until the client's FIN
                    pass
        except OSError:
            pass


class StreamTCP(socketserver.BaseRequestHandler):
    def handle(self):
        s = self.request
        s.settimeout(30)
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                s.sendall(b)
        except OSError:
            pass


class EchoUDP(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(f"{self.client_address[0]}:{self.client_address[1]}\n".encode(), self.client_address)


class TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512


def cmd_server(a):
    servers = []
    for port in a.tcp:
        servers.append(TCPServer(("0.0.0.0", port), ShortTCP))
    for port in a.stream:
        servers.append(TCPServer(("0.0.0.0", port), StreamTCP))
    # UDP: a socket per address, so that each answer leaves from the address
    # its request went to (a wildcard socket would answer from the primary
    # one, which the NAT rightly does not take for the same peer).
    for port in a.udp:
        for addr in a.bind or ["0.0.0.0"]:
            servers.append(socketserver.UDPServer((addr, port), EchoUDP))
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


# ---------------------------------------------------------------- client
class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.n = {}

    def add(self, key, v=1):
        with self.lock:
            self.n[key] = self.n.get(key, 0) + v


def paced(rate, end, stop):
    """Yields about `rate` times a second until `end`."""
    if rate <= 0:
        return
    period, t = 1.0 / rate, time.monotonic()
    while t < end and not stop.is_set():
        yield
        t += period
        d = t - time.monotonic()
        if d > 0:
            time.sleep(d)
        else:
            t = time.monotonic()  # behind: no burst to catch up


def short_tcp(a, tally, end, stop, rate, tag):
    for _ in paced(rate, end, stop):
        dst = random.choice(a.peers)
        try:
            with socket.create_connection((dst, a.tcp_port), timeout=3) as s:
                s.settimeout(3)
                s.sendall(b"q\n")
                reply = b""
                while not reply.endswith(b"\n"):
                    b = s.recv(64)
                    if not b:
                        break
                    reply += b
            ok = reply.endswith(b"\n") and (not a.expect or reply.decode().startswith(a.expect + ":"))
            tally.add(f"{tag}_ok" if ok else f"{tag}_bad_reply")
        except OSError:
            tally.add(f"{tag}_failed")


def udp_exchanges(a, tally, end, stop, rate):
    for _ in paced(rate, end, stop):
        # A new socket each time: a new source port, a new mapping. One in
        # four also talks to a second peer from the same port (the same
        # mapping, a second session).
        peers = [random.choice(a.peers)]
        if len(a.peers) > 1 and random.random() < 0.25:
            peers = list(a.peers)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.settimeout(1)
            s.bind(("0.0.0.0", 0))
            for dst in peers:
                s.sendto(b"u\n", (dst, a.udp_port))
            for _ in peers:
                try:
                    reply, _ = s.recvfrom(128)
                    ok = not a.expect or reply.decode().startswith(a.expect + ":")
                    tally.add("udp_ok" if ok else "udp_bad_reply")
                except socket.timeout:
                    tally.add("udp_unanswered")
        except OSError:
            tally.add("udp_failed")
        finally:
            s.close()


def stream(a, tally, end, stop):
    """One long TCP connection: chunks out, the same chunks back, checked;
    closed with a FIN at the end (a reconnect if it breaks, counted)."""
    chunk, rate = 16384, a.stream_rate
    while time.monotonic() < end and not stop.is_set():
        try:
            s = socket.create_connection((random.choice(a.peers), a.stream_port), timeout=5)
        except OSError:
            tally.add("stream_connect_failed")
            time.sleep(1)
            continue
        tally.add("streams_opened")
        s.settimeout(10)
        try:
            for _ in paced(rate / chunk, end, stop):
                out = random.randbytes(chunk)
                s.sendall(out)
                back = b""
                while len(back) < chunk:
                    b = s.recv(chunk - len(back))
                    if not b:
                        raise OSError("closed by the peer")
                    back += b
                if back != out:
                    tally.add("stream_corrupt")
                tally.add("stream_bytes", chunk)
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
            tally.add("streams_closed")
        except OSError:
            tally.add("stream_broken")
        finally:
            s.close()


def cmd_client(a):
    tally, stop = Tally(), threading.Event()
    start = time.monotonic()
    end = start + a.duration
    threads = []
    workers = max(1, min(8, int(a.tcp_rate // 10) + 1))
    for _ in range(workers):
        threads.append(threading.Thread(target=short_tcp, args=(a, tally, end, stop, a.tcp_rate / workers, a.tag)))
    workers = max(1, min(4, int(a.udp_rate // 20) + 1))
    for _ in range(workers):
        threads.append(threading.Thread(target=udp_exchanges, args=(a, tally, end, stop, a.udp_rate / workers)))
    for _ in range(a.streams):
        threads.append(threading.Thread(target=stream, args=(a, tally, end, stop)))
    for t in threads:
        t.daemon = True
        t.start()
    try:
        for t in threads:
            t.join()
    except KeyboardInterrupt:
        stop.set()
    tally.n["seconds"] = round(time.monotonic() - start, 1)
    json.dump(tally.n, sys.stdout, sort_keys=True)
    print()


# ---------------------------------------------------------------- sample
MAPS = ("xnat_flows", "xnat_eim", "xnat_adf", "xnat_port_filters", "xnat_sip_dialogs")
OWNERS = ("dynamic", "config", "static", "upnp", "natpmp", "pcp", "sip", "local")
STATS = ("translated_out", "translated_in", "translated_hairpin", "new_session", "new_mapping",
         "xdp_redirected", "drop_ports_exhausted", "drop_host_quota", "drop_table_full",
         "drop_filtered", "drop_session_conflict")


def run_json(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if out.returncode:
        raise RuntimeError(f"{' '.join(cmd)}: {out.stderr.strip()}")
    return json.loads(out.stdout) if out.stdout.strip() else []


class BpfMap:
    """A pinned map through the bpf(2) syscall: counting 10^4 entries this
    way takes milliseconds where bpftool's JSON dump takes seconds."""
    NR = {"x86_64": 321, "aarch64": 280}.get(os.uname().machine, 321)
    libc = ctypes.CDLL(None, use_errno=True)

    def __init__(self, path):
        p = ctypes.create_string_buffer(path.encode())
        attr = struct.pack("=QII", ctypes.addressof(p), 0, 0)
        self.fd = self._bpf(7, attr)  # BPF_OBJ_GET
        info = ctypes.create_string_buffer(80)
        self._bpf(15, struct.pack("=IIQ", self.fd, 80, ctypes.addressof(info)))  # BPF_OBJ_GET_INFO_BY_FD
        _, _, self.key_size, self.value_size, self.max_entries = struct.unpack_from("=5I", info)

    def _bpf(self, cmd, attr):
        buf = ctypes.create_string_buffer(attr, 128)
        r = self.libc.syscall(self.NR, cmd, buf, 128)
        if r < 0:
            raise OSError(ctypes.get_errno(), f"bpf({cmd})")
        return r

    def keys(self):
        """The keys (a hash map changing meanwhile may restart the walk: bounded)."""
        key = ctypes.create_string_buffer(self.key_size)
        nxt = ctypes.create_string_buffer(self.key_size)
        first, out = True, []
        while len(out) <= 2 * self.max_entries:
            attr = struct.pack("=IIQQ", self.fd, 0, 0 if first else ctypes.addressof(key), ctypes.addressof(nxt))
            try:
                self._bpf(4, attr)  # BPF_MAP_GET_NEXT_KEY
            except OSError:
                break  # ENOENT: the last one
            out.append(nxt.raw)
            ctypes.memmove(key, nxt, self.key_size)
            first = False
        return out

    def count(self):
        return len(set(self.keys()))

    def u64_sum(self):
        total = 0
        val = ctypes.create_string_buffer(self.value_size)
        for k in set(self.keys()):
            kb = ctypes.create_string_buffer(k, self.key_size)
            try:
                self._bpf(1, struct.pack("=IIQQQ", self.fd, 0, ctypes.addressof(kb),
                                         ctypes.addressof(val), 0))  # BPF_MAP_LOOKUP_ELEM
            except OSError:
                continue
            total += struct.unpack_from("=Q", val)[0]
        return total

    def close(self):
        os.close(self.fd)


def map_figure(pin, name, fn):
    try:
        m = BpfMap(f"{pin}/{name}")
    except OSError:
        return ""  # not there (e.g. SIP off)
    try:
        return fn(m)
    finally:
        m.close()


def proc_status(pid):
    """xnatd's memory (kB): VmRSS = RssAnon (heap, stacks, ASan's shadow) +
    RssFile + RssShmem (the xnat_ports table, 3 MB, while the collector or a
    lease request has it mapped); VmHWM the peak VmRSS. Its descriptors."""
    r = {"rss_kb": "", "anon_kb": "", "file_kb": "", "shmem_kb": "", "hwm_kb": "", "fds": "", "threads": ""}
    names = {"VmRSS": "rss_kb", "RssAnon": "anon_kb", "RssFile": "file_kb", "RssShmem": "shmem_kb",
             "VmHWM": "hwm_kb", "Threads": "threads"}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in names:
                    r[names[k]] = int(v.split()[0])
        r["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        pass
    return r


def snapshot(a):
    row = {"t": round(time.monotonic() - a.t0, 1)}
    try:
        with open(a.phase_file) as f:
            row["phase"] = f.read().strip()
    except OSError:
        row["phase"] = ""
    row.update(proc_status(a.pid))
    ctl = [a.xnatctl, "--pin-root", a.pin]
    st = run_json(ctl + ["status", "--json"])
    row["sessions"] = st["sessions"]
    row["mappings"] = st["mappings"]
    for o in OWNERS:
        row[f"map_{o}"] = st["mappings_by_owner"].get(o, 0)
    row["leases"] = row["map_upnp"] + row["map_natpmp"] + row["map_pcp"]
    for m in MAPS:
        row[m] = map_figure(a.pin, m, BpfMap.count)
    row["host_alloc"] = map_figure(a.pin, "xnat_host_alloc", BpfMap.u64_sum)
    row["host_freed"] = map_figure(a.pin, "xnat_host_freed", BpfMap.u64_sum)
    stats = run_json(ctl + ["stats", "--json"])
    for s in STATS:
        row[s] = stats.get(s, {}).get("packets", 0)
    row["drops"] = sum(v["packets"] for k, v in stats.items() if k.startswith("drop_"))
    row["sample_s"] = round(time.monotonic() - a.t0 - row["t"], 2)  # what this sample took
    return row


def cmd_sample(a):
    a.t0 = time.monotonic() - a.t_offset
    w = None
    with open(a.csv, "a", newline="") as f:
        while True:
            t = time.monotonic()
            try:
                row = snapshot(a)
            except Exception as e:  # noqa: BLE001 (a sample lost is reported, not fatal)
                print(f"# sample failed: {e}", file=sys.stderr)
                row = None
            if row:
                if w is None:
                    w = csv.DictWriter(f, fieldnames=list(row))
                    if f.tell() == 0:
                        w.writeheader()
                w.writerow(row)
                f.flush()
            if a.once or os.path.exists(a.stop_file):
                return
            while time.monotonic() - t < a.interval and not os.path.exists(a.stop_file):
                time.sleep(0.2)


# ---------------------------------------------------------------- check
def verdict(ok, text):
    print(f"{'ok' if ok else 'not ok'}\t{text}")


def mb(kb):
    return f"{kb / 1024:.1f} MB"


def load_clients(specs):
    """NAME=PATH of each client's summary -> {NAME: {counter: n}}."""
    out = {}
    for spec in specs:
        name, _, path = spec.partition("=")
        try:
            with open(path) as f:
                out[name] = json.loads(f.read().strip() or "{}")
        except (OSError, ValueError):
            out[name] = {}
    return out


def cmd_check(a):
    with open(a.csv) as f:
        rows = [r for r in csv.DictReader(f)]

    def num(r, k):
        try:
            return float(r[k])
        except (KeyError, ValueError, TypeError):
            return None

    base = next(r for r in rows if r["phase"] == "baseline")
    final = rows[-1]
    if final["phase"] != "final":
        verdict(False, "the final sample is missing (see the CSV)")
        return

    def peak(k):
        vals = [num(r, k) for r in rows if num(r, k) is not None]
        return int(max(vals)) if vals else 0

    # ---- traffic crossed the gateway all along
    c = load_clients(a.clients)

    def tot(names, *keys):
        return sum(c.get(n, {}).get(k, 0) for n in names for k in keys)

    lan, inbound = ("lan1", "lan2"), ("wan", "hairpin")
    missing = [n for n in lan + inbound if not c.get(n)]
    ratio = lambda good, bad: good / (good + bad) if good + bad else 0.0  # noqa: E731
    tcp, tcp_bad = tot(lan, "tcp_ok"), tot(lan, "tcp_failed", "tcp_bad_reply")
    verdict(tcp > 0 and ratio(tcp, tcp_bad) >= 0.99 and not missing,
            f"short TCP connections LAN->WAN: {tcp} answered with the external address as their source, "
            f"{tcp_bad} failed" + (f" (no summary from {', '.join(missing)})" if missing else ""))
    udp, udp_bad = tot(lan, "udp_ok"), tot(lan, "udp_unanswered", "udp_failed", "udp_bad_reply")
    verdict(udp > 0 and ratio(udp, udp_bad) >= 0.99,
            f"UDP exchanges LAN->WAN from new source ports: {udp} answered, {udp_bad} not")
    sb = tot(lan, "stream_bytes")
    sbad = tot(lan, "stream_corrupt", "stream_broken", "stream_connect_failed")
    so, sc = tot(lan, "streams_opened"), tot(lan, "streams_closed")
    verdict(sb > 0 and sbad == 0 and so == sc,
            f"long TCP streams: {so} opened, {sc} closed with FINs, {sb / 1e6:.0f} MB echoed intact, "
            f"{sbad} broken or corrupt")
    fwd = tot(inbound, "tcp_ok", "udp_ok")
    fwd_bad = tot(inbound, "tcp_failed", "tcp_bad_reply", "udp_unanswered", "udp_failed", "udp_bad_reply")
    verdict(fwd > 0 and ratio(fwd, fwd_bad) >= 0.99,
            f"WAN->LAN through the static forwards and lan2->lan1 by hairpin: {fwd} answered, {fwd_bad} not")
    p = a.pings.split("/") if a.pings else ["0", "0"]
    verdict(int(p[0]) > 0 and int(p[1]) >= 0.99 * int(p[0]),
            f"ICMP echo: {p[1]} of {p[0]} pings answered")

    # ---- state back to the baseline
    for key, what in (("xnat_flows", "xnat_flows entries"), ("xnat_eim", "xnat_eim entries"),
                      ("xnat_adf", "xnat_adf entries"), ("xnat_port_filters", "PCP filter entries")):
        b, e = base[key], final[key]
        verdict(b == e, f"{what} back to the baseline after the drain: {e} (baseline {b}, peak {peak(key)})")
    verdict(final["map_dynamic"] == "0" and final["mappings"] == base["mappings"],
            f"port slots: {final['mappings']} in use after the drain (baseline {base['mappings']}: "
            f"the static forwards), dynamic {final['map_dynamic']} (peak {peak('map_dynamic')})")
    verdict(final["leases"] == "0" and a.lease_file_lines == 0,
            f"leases: {final['leases']} left after the drain (peak {peak('leases')}), "
            f"{a.lease_file_lines} in the lease file")

    # ---- memory and descriptors
    # Anonymous memory (RssAnon): what a leak grows. VmRSS also counts the
    # port table's 3 MB while xnatd has it mapped, which a sample catches or
    # not. Medians of a few samples smooth the allocator's own ups and downs.
    def median(vals):
        vals = sorted(vals)
        return vals[len(vals) // 2] if vals else None

    soak = [r for r in rows if r["phase"] == "soak" and num(r, "anon_kb")]
    tail = [r for r in rows if r["phase"] in ("drain", "final") and num(r, "anon_kb")][-3:]
    if not soak or not tail:
        verdict(False, "xnatd's memory: no samples (did xnatd die?)")
    else:
        head = soak[:5]
        w, e = median([num(r, "anon_kb") for r in head]), median([num(r, "anon_kb") for r in tail])
        wr, er = median([num(r, "rss_kb") for r in head]), median([num(r, "rss_kb") for r in tail])
        bound = max(w * a.rss_pct / 100, a.rss_kb)
        grow = e - w
        verdict(grow <= bound,
                f"xnatd memory (RssAnon) {mb(w)} after warm-up (t={head[0]['t']}-{head[-1]['t']} s), {mb(e)} "
                f"after the drain ({grow / w * 100:+.1f}%, {grow:+.0f} kB; bound +{bound:.0f} kB); VmRSS "
                f"{mb(wr)} -> {mb(er)}, peak {mb(peak('hwm_kb'))}, {mb(num(base, 'rss_kb'))} before the traffic")
        # The trend while the tables are at their steady size: what a leak too
        # small for the bound would show.
        xs = [(num(r, "t"), num(r, "anon_kb")) for r in soak]
        if len(xs) >= 4:
            n = len(xs)
            mx, my = sum(x for x, _ in xs) / n, sum(y for _, y in xs) / n
            sxx = sum((x - mx) ** 2 for x, _ in xs)
            slope = sum((x - mx) * (y - my) for x, y in xs) / sxx if sxx else 0.0
            print(f"#\tRssAnon trend after the warm-up: {slope * 60:+.1f} kB/min over {n} samples "
                  f"(min {mb(min(y for _, y in xs))}, max {mb(max(y for _, y in xs))})")
    b, e = num(base, "fds"), num(final, "fds")
    verdict(b is not None and e is not None and e <= b,
            f"xnatd's open descriptors: {e and int(e)} at the end, {b and int(b)} before the traffic "
            f"(peak {peak('fds')})")

    # ---- counters
    mono = {}
    for k in ("translated_out", "translated_in", "new_session", "new_mapping", "host_alloc", "host_freed"):
        vals = [v for v in (num(r, k) for r in rows) if v is not None]
        mono[k] = all(y >= x for x, y in zip(vals, vals[1:]))
    verdict(all(mono.values()),
            "counters only grow: " + ", ".join(f"{k} {'ok' if v else 'WENT DOWN'}" for k, v in mono.items()))
    new_s = int(num(final, "new_session") - num(base, "new_session"))
    log = a.collected
    freed = log["sessions expired"] + log["unmapped"] + log["half"]
    left = int(num(final, "sessions"))
    verdict(new_s > 0 and new_s == freed + left,
            f"sessions: {new_s} created (new_session) = {freed} collected ({log['sessions expired']} expired, "
            f"{log['unmapped']} unmapped, {log['half']} half) + {left} left; difference {new_s - freed - left}")
    alloc = int(num(final, "host_alloc"))
    hfreed = int(num(final, "host_freed"))
    in_use = int(num(final, "map_dynamic")) + int(num(final, "map_sip"))
    verdict(alloc - hfreed == in_use,
            f"per-host quota counters: xnat_host_alloc {alloc} - xnat_host_freed {hfreed} = {alloc - hfreed}, "
            f"dynamic and SIP mappings in use {in_use}"
            + (f" ({a.adopted} dynamic mappings were adopted by PCP leases)" if a.adopted else ""))
    drops = int(num(final, "drops") - num(base, "drops"))
    print(f"#\tpackets dropped by the fast path during the run: {drops} (drop_* in samples.csv, stats.txt)")
    new_m = int(num(final, "new_mapping") - num(base, "new_mapping"))
    print(f"#\tmappings: {new_m} created by the fast path (new_mapping), {log['mappings freed']} freed by the "
          f"collector, {a.adopted} adopted as PCP leases; {log['leases expired']} leases expired")


def parse_collected(path):
    """Sums of xnatd's "collected: ..." log lines."""
    keys = ("sessions expired", "unmapped", "half", "mappings freed", "leases expired")
    tot = dict.fromkeys(keys, 0)
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if "collected:" not in line:
                    continue
                for k in keys:
                    m = re.search(r"(\d+) " + k, line)
                    if m:
                        tot[k] += int(m.group(1))
    except OSError:
        pass
    return tot


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("server")
    s.add_argument("--tcp", type=int, action="append", default=[])
    s.add_argument("--stream", type=int, action="append", default=[])
    s.add_argument("--udp", type=int, action="append", default=[])
    s.add_argument("--bind", action="append", default=[], help="UDP: the addresses to answer on")
    c = sub.add_parser("client")
    c.add_argument("--duration", type=float, required=True)
    c.add_argument("--peers", type=lambda v: v.split(","), required=True)
    c.add_argument("--expect", default="", help="the address the servers must see")
    c.add_argument("--tcp-port", type=int, default=7000)
    c.add_argument("--udp-port", type=int, default=7001)
    c.add_argument("--stream-port", type=int, default=7002)
    c.add_argument("--tcp-rate", type=float, default=0)
    c.add_argument("--udp-rate", type=float, default=0)
    c.add_argument("--streams", type=int, default=0)
    c.add_argument("--stream-rate", type=float, default=262144, help="bytes a second per stream")
    c.add_argument("--tag", default="tcp", help="name of the short TCP counters")
    m = sub.add_parser("sample")
    m.add_argument("--pin", required=True)
    m.add_argument("--xnatctl", required=True)
    m.add_argument("--pid", required=True)
    m.add_argument("--csv", required=True)
    m.add_argument("--phase-file", required=True)
    m.add_argument("--stop-file", default="/nonexistent")
    m.add_argument("--interval", type=float, default=5)
    m.add_argument("--t-offset", type=float, default=0, help="seconds already elapsed")
    m.add_argument("--once", action="store_true")
    k = sub.add_parser("check")
    k.add_argument("--csv", required=True)
    k.add_argument("--log", required=True)
    k.add_argument("--clients", nargs="*", default=[])
    k.add_argument("--pings", default="", help="SENT/RECEIVED")
    k.add_argument("--adopted", type=int, default=0)
    k.add_argument("--lease-file-lines", type=int, default=0)
    k.add_argument("--rss-pct", type=float, default=10)
    k.add_argument("--rss-kb", type=float, default=2048)
    a = p.parse_args()
    if a.cmd == "server":
        cmd_server(a)
    elif a.cmd == "client":
        cmd_client(a)
    elif a.cmd == "sample":
        cmd_sample(a)
    else:
        a.collected = parse_collected(a.log)
        cmd_check(a)


if __name__ == "__main__":
    main()
