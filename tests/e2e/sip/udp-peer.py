#!/usr/bin/env python3
"""A media endpoint for the SIP e2e tests: one UDP socket per port, used both
to receive and to send, as a phone's RTP/RTCP sockets are (symmetric RTP: the
source port of what it sends is the port it receives on).

    udp-peer.py ADDR PORT [PORT...]

Binds ADDR:PORT for each PORT. Every datagram received is printed as one line
"PORT FROM_ADDR:FROM_PORT PAYLOAD" (flushed at once). Commands come on stdin,
one a line:

    PORT DEST_ADDR DEST_PORT PAYLOAD    send PAYLOAD from ADDR:PORT

End of stdin ends it.
"""
import os
import selectors
import socket
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    addr = sys.argv[1]
    sel = selectors.DefaultSelector()
    socks = {}
    for p in sys.argv[2:]:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, int(p)))
        socks[int(p)] = s
        sel.register(s, selectors.EVENT_READ, int(p))
    # stdin read raw: a buffered reader could hold a line select() never sees
    sel.register(0, selectors.EVENT_READ, None)
    pending = b""
    while True:
        for key, _ in sel.select():
            if key.data is None:
                chunk = os.read(0, 4096)
                if not chunk:
                    return
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    f = line.decode().split(None, 3)
                    if len(f) == 4:
                        socks[int(f[0])].sendto(f[3].encode(), (f[1], int(f[2])))
                continue
            try:
                data, (src, sport) = key.fileobj.recvfrom(65535)
            except OSError:
                continue  # an ICMP error for something we sent
            print(f"{key.data} {src}:{sport} {data.decode(errors='replace')}", flush=True)


if __name__ == "__main__":
    main()
