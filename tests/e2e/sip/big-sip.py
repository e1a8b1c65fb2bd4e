#!/usr/bin/env python3
"""SIP messages too big for one IP packet (1500 MTU): the kernel of the
sender fragments them. For the e2e test of the ALG's slow path.

    big-sip.py phone ADDR PORT DEST DPORT RTP OUT [LINES]   send a long
        INVITE from ADDR:PORT (SDP: ADDR, media port RTP), then write the
        first answer to OUT
    big-sip.py uas ADDR PORT OUT [LINES]                    write the first
        message received to OUT, answer 200 OK (long SDP) to where it came
        from

LINES (20 unless given): padding lines of the SDP, about 75 bytes each.

The phone ACKs the answer; the UAS sends its 200 OK again until the ACK
comes, as RFC 3261 says. Both give up after some 10 s (exit 1).
"""
import socket
import sys

def pad(lines):
    return "".join(f"a=x-codec-preference-{i:03d}:opus/48000/2 maxplaybackrate=48000;stereo=1\r\n"
                   for i in range(int(lines)))


def sdp(addr, port, sess, lines):
    return (f"v=0\r\no=- {sess} {sess} IN IP4 {addr}\r\ns=-\r\nc=IN IP4 {addr}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0 8 101\r\n" + pad(lines))


def message(start, headers, body):
    return (start + "\r\n" + "".join(h + "\r\n" for h in headers) +
            f"Content-Length: {len(body)}\r\n\r\n" + body).encode()


def phone(addr, port, dest, dport, rtp, out, lines=20):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    s.settimeout(10)
    body = sdp(addr, rtp, 7, lines)
    s.sendto(message(f"INVITE sip:bob@{dest} SIP/2.0", [
        f"Via: SIP/2.0/UDP {addr}:{port};branch=z9hG4bK-frag-{rtp};rport",
        "Max-Forwards: 70",
        f"From: <sip:alice@{addr}:{port}>;tag=frag1",
        f"To: <sip:bob@{dest}>",
        f"Call-ID: fragmented-call-{rtp}@phone",
        "CSeq: 1 INVITE",
        f"Contact: <sip:alice@{addr}:{port}>",
        "Content-Type: application/sdp"], body), (dest, int(dport)))
    data, _ = s.recvfrom(65535)
    open(out, "wb").write(data)
    s.sendto(message(f"ACK sip:bob@{dest} SIP/2.0", [
        f"Via: SIP/2.0/UDP {addr}:{port};branch=z9hG4bK-ack-{rtp};rport",
        f"Call-ID: fragmented-call-{rtp}@phone", "CSeq: 1 ACK"], ""), (dest, int(dport)))


def uas(addr, port, out, lines=20):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    s.settimeout(10)
    data, src = s.recvfrom(65535)
    open(out, "wb").write(data)
    head = data.split(b"\r\n\r\n", 1)[0].decode(errors="replace").split("\r\n")
    keep = [h for h in head[1:] if h.split(":", 1)[0].lower() in ("via", "from", "to", "call-id", "cseq")]
    keep = [h + ";tag=uas1" if h.lower().startswith("to:") else h for h in keep]
    ok = message("SIP/2.0 200 OK", keep + [
        f"Contact: <sip:bob@{addr}:{port}>", "Content-Type: application/sdp"],
        sdp(addr, 30000, 9, lines))
    # RFC 3261 13.3.1.4: the 2xx again at T1, 2 T1, ... until the ACK (a
    # hop that could not forward it, e.g. too big with DF set, said so by
    # ICMP, and the next one fits)
    t1 = 0.5
    while True:
        s.sendto(ok, src)
        s.settimeout(t1)
        try:
            data, _ = s.recvfrom(65535)
            if data.startswith(b"ACK "):
                return
        except socket.timeout:
            t1 = min(2 * t1, 4)
            if t1 >= 4:
                raise


def main():
    try:
        if sys.argv[1] == "phone" and len(sys.argv) in (8, 9):
            phone(*sys.argv[2:])
        elif sys.argv[1] == "uas" and len(sys.argv) in (5, 6):
            uas(*sys.argv[2:])
        else:
            sys.exit(__doc__)
    except socket.timeout:
        sys.exit("big-sip.py: nothing received in 10 s")


main()
