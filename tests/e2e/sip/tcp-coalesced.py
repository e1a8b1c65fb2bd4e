#!/usr/bin/env python3
"""Several SIP messages in one TCP segment, both ways: what a phone or a
proxy sends when two messages leave close together (one write, one segment).
For the e2e test of the ALG's message framing over TCP.

    tcp-coalesced.py phone ADDR PORT DEST DPORT OUT   from ADDR:PORT, send an
        INVITE (SDP) and an OPTIONS in one write; read the two answers (one
        write from the UAS) and write them to OUT; then send the ACK
    tcp-coalesced.py uas ADDR PORT OUT                accept one connection,
        read two messages, answer both in one write (each echoes its Via),
        read the ACK; write the three messages received to OUT

Each message is framed by its Content-Length; anything that does not frame
(a wrong length after a rewrite) leaves the reader waiting: both give up
after 10 s (exit 1).
"""
import socket
import sys


def message(start, headers, body=""):
    return (start + "\r\n" + "".join(h + "\r\n" for h in headers) +
            f"Content-Length: {len(body)}\r\n\r\n" + body).encode()


def read_messages(conn, count, buf=b""):
    """count messages off the stream, framed by Content-Length."""
    out = []
    while len(out) < count:
        head_end = buf.find(b"\r\n\r\n")
        if head_end >= 0:
            head = buf[:head_end].decode(errors="replace")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() in ("content-length", "l"):
                    length = int(value.strip())
            end = head_end + 4 + length
            if len(buf) >= end:
                out.append(buf[:end])
                buf = buf[end:]
                continue
        data = conn.recv(65535)
        if not data:
            sys.exit(1)
        buf += data
    return out, buf


def phone(addr, port, dest, dport, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.settimeout(10)
    s.connect((dest, int(dport)))
    via = f"Via: SIP/2.0/TCP {addr}:{port};branch=z9hG4bK-co-%d"
    sdp = (f"v=0\r\no=- 5 5 IN IP4 {addr}\r\ns=-\r\nc=IN IP4 {addr}\r\nt=0 0\r\n"
           "m=audio 40000 RTP/AVP 0\r\n")
    common = [f"From: <sip:alice@{addr}:{port};transport=tcp>;tag=co1", f"To: <sip:bob@{dest}>",
              "Call-ID: coalesced-1@phone", f"Contact: <sip:alice@{addr}:{port};transport=tcp>"]
    s.sendall(message(f"INVITE sip:bob@{dest};transport=tcp SIP/2.0",
                      [via % 1, "CSeq: 1 INVITE"] + common + ["Content-Type: application/sdp"], sdp) +
              message(f"OPTIONS sip:bob@{dest};transport=tcp SIP/2.0", [via % 2, "CSeq: 2 OPTIONS"] + common))
    got, _ = read_messages(s, 2)
    open(out, "wb").write(b"".join(got))
    s.sendall(message(f"ACK sip:bob@{dest};transport=tcp SIP/2.0", [via % 3, "CSeq: 1 ACK"] + common))
    s.recv(1)  # the UAS closes once it has the ACK
    s.close()


def uas(addr, port, out):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(1)
    ls.settimeout(10)
    conn, _ = ls.accept()
    conn.settimeout(10)
    reqs, rest = read_messages(conn, 2)
    answers = b""
    for status, req in (("180 Ringing", reqs[0]), ("200 OK", reqs[1])):
        head = req.split(b"\r\n\r\n", 1)[0].decode(errors="replace").split("\r\n")
        keep = [h for h in head[1:] if h.split(":", 1)[0].lower() in ("via", "from", "to", "call-id", "cseq")]
        keep = [h + ";tag=uas1" if h.lower().startswith("to:") else h for h in keep]
        answers += message("SIP/2.0 " + status, keep + [f"Contact: <sip:bob@{addr}:{port};transport=tcp>"])
    conn.sendall(answers)
    ack, _ = read_messages(conn, 1, rest)
    open(out, "wb").write(b"".join(reqs + ack))
    conn.close()


if __name__ == "__main__":
    {"phone": phone, "uas": uas}[sys.argv[1]](*sys.argv[2:])
