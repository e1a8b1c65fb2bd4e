// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xnatd's side of the slow path (include/xnat/slowpath.h): SIP fragments
 * come out of the fast path's ring buffer, are reassembled, run whole
 * through the fast path's own XDP program (agent/lib/slowrun.c: the same
 * translation, ALG and maps), fragmented again to the egress MTU and sent
 * on the interface the program chose. What can't be reassembled (a lost
 * piece, overlaps, too big) is given back: each fragment is translated as
 * it is and sent, as the fast path would have without us.
 */
#include <errno.h>
#include <stdbool.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xnat/slowpath.h>
#include "ipfrag.h"
#include "ratelimit.h"
#include "sip_oversize.h"
#include "slowrun.h"
#include "xnatd.h"
#include "xnat.skel.h"

#define REASM_DATAGRAMS 64
#define REASM_TIMEOUT_NS (2ull * 1000000000ull)

struct xnatd_slow {
	const struct xnatd *d;
	struct ring_buffer *rb;
	struct xnat_reasm *reasm;
	int pkt_fd;   /* AF_PACKET, qdisc bypassed: TC egress must not translate it twice */
	int prog_lan, prog_wan, state_fd;
	__u32 alive_until;
	struct xnat_ratelimit icmp_rate; /* ICMP errors sent, per sender */
	struct xnatd_slow_stats st, logged;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A record's origin, kept with its fragments: the ingress interface, the
 * direction and whether the stack had forwarded it. */
static uint32_t tag_of(const struct xnat_slow_rec *r)
{
	return r->ifindex << 2 | (uint32_t)(r->dir & 1) << 1 | !!(r->flags & XNAT_SLOW_FROM_STACK);
}

static uint32_t tag_ifindex(uint32_t tag) { return tag >> 2; }
static int tag_dir(uint32_t tag) { return (tag >> 1) & 1; }
static uint32_t tag_flags(uint32_t tag) { return (tag & 1) ? XNAT_SLOW_FROM_STACK : 0; }

static unsigned int if_mtu(uint32_t ifindex)
{
	char name[IF_NAMESIZE];
	int mtu = if_indextoname(ifindex, name) ? xnatd_link_mtu(name) : 0;

	return mtu > 0 ? (unsigned int)mtu : 1500;
}

static void send_frame(const uint8_t *frame, size_t len, uint32_t ifindex, void *arg)
{
	struct xnatd_slow *s = arg;
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET, .sll_ifindex = (int)ifindex, .sll_halen = ETH_ALEN,
	};

	if (s->d->wan_l3 && ifindex == s->d->wan_ifindex && len > ETH_HLEN) {
		/* No link-layer header there: the packet from its IPv4 header on. */
		frame += ETH_HLEN;
		len -= ETH_HLEN;
		to.sll_protocol = htons(ETH_P_IP);
		to.sll_halen = 0;
	}
	memcpy(to.sll_addr, frame, ETH_ALEN);
	if (sendto(s->pkt_fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
		s->st.frames_sent++;
	else
		s->st.send_errors++;
}

/*
 * frame came in by the tag's interface with DF set, and its translation,
 * grown by growth bytes, is too big for the next hop's mtu: as a router,
 * tell its sender (ICMP "fragmentation needed", rate-limited per sender),
 * who sends it again smaller (SIP retransmits over UDP).
 */
static void frag_needed(struct xnatd_slow *s, const uint8_t *frame, size_t len, uint32_t tag, unsigned int mtu,
			size_t growth)
{
	static uint8_t icmp[ETH_HLEN + XNAT_ICMP_ERROR_MAX];
	uint32_t src = xnatd_if_address(tag_ifindex(tag)), sender;
	int n;

	s->st.df_too_big++;
	/* What the stack handed over went out by the WAN already: its Ethernet
	 * header no longer leads back to the sender (and the stack checked
	 * its size: only our rewrite made it too big). */
	if ((tag_flags(tag) & XNAT_SLOW_FROM_STACK) || len < ETH_HLEN + 20 || !src)
		return;
	memcpy(&sender, frame + ETH_HLEN + 12, 4);
	if (!xnat_ratelimit_allow(&s->icmp_rate, sender, now_ns() / 1000000))
		return;
	n = xnat_ip_frag_needed(frame, len, src, mtu > growth ? mtu - (unsigned int)growth : 68, icmp, sizeof(icmp));
	if (n > 0)
		send_frame(icmp, (size_t)n, tag_ifindex(tag), s);
}

/* Run one frame through the fast path and send what it decided to send. */
static void run_and_send(struct xnatd_slow *s, const uint8_t *frame, size_t len, uint32_t tag, uint32_t flags)
{
	static uint8_t out[XNAT_SLOW_RUN_MAX];
	struct xnat_slow_meta meta;
	size_t out_len;
	int prog = tag_dir(tag) == XNAT_DIR_OUT ? s->prog_lan : s->prog_wan;
	unsigned int mtu;
	int v;

	v = xnat_slow_run(prog, tag_ifindex(tag), flags | tag_flags(tag), frame, len, out, &out_len, &meta);
	if (v != XDP_REDIRECT || !meta.out_ifindex) {
		/* Dropped or passed by the program (counted there), or the run failed. */
		if (v < 0)
			s->st.run_errors++;
		else
			s->st.not_forwarded++;
		return;
	}
	/* The ifindex rides in the tag argument of the emit callback. */
	mtu = if_mtu(meta.out_ifindex);
	if (xnat_ip_fragment(out, out_len, mtu, send_frame, s, meta.out_ifindex) < 0)
		frag_needed(s, frame, len, tag, mtu, out_len > len ? out_len - len : 0);
}

/* The stand-in of an oversize SIP datagram through the fast path (sip_oversize.h). */
struct oversize_run {
	struct xnatd_slow *s;
	uint32_t tag;
};

static int oversize_run(void *arg, const uint8_t *frame, size_t len, uint8_t *out, size_t *out_len,
			struct xnat_slow_meta *meta)
{
	struct oversize_run *o = arg;
	int prog = tag_dir(o->tag) == XNAT_DIR_OUT ? o->s->prog_lan : o->s->prog_wan;

	return xnat_slow_run(prog, tag_ifindex(o->tag), XNAT_SLOW_NO_DIVERT | tag_flags(o->tag), frame, len,
			     out, out_len, meta);
}

/* A SIP message bigger than the fast path's ALG takes: rewritten here. */
static void oversize_send(struct xnatd_slow *s, const uint8_t *frame, size_t len, uint32_t tag)
{
	static uint8_t out[XNAT_OVERSIZE_FRAME_MAX];
	struct oversize_run o = { s, tag };
	struct xnat_oversize_result r;
	unsigned int mtu;

	switch (xnat_oversize_translate(frame, len, tag_dir(tag), oversize_run, &o, out, &r)) {
	case XNAT_OVERSIZE_REWRITTEN:
		s->st.oversize_rewritten++;
		break;
	case XNAT_OVERSIZE_UNCHANGED:
		s->st.oversize_unchanged++;
		s->st.oversize_why = r.why;
		break;
	case XNAT_OVERSIZE_NOT_FORWARDED:
		s->st.not_forwarded++;
		return;
	default:
		s->st.run_errors++;
		return;
	}
	mtu = if_mtu(r.meta.out_ifindex);
	if (xnat_ip_fragment(out, r.out_len, mtu, send_frame, s, r.meta.out_ifindex) < 0)
		frag_needed(s, frame, len, tag, mtu, r.out_len > len ? r.out_len - len : 0);
}

/* A whole datagram: through the fast path, or here when its message is too big for it. */
static void datagram_send(struct xnatd_slow *s, const uint8_t *frame, size_t len, uint32_t tag, uint32_t flags)
{
	if (xnat_oversize_wanted(frame, len))
		oversize_send(s, frame, len, tag);
	else
		run_and_send(s, frame, len, tag, flags);
}

static void give_back(const uint8_t *frame, size_t len, uint32_t tag, void *arg)
{
	struct xnatd_slow *s = arg;

	s->st.given_back++;
	run_and_send(s, frame, len, tag, XNAT_SLOW_NO_DIVERT);
}

/* Is frame (Ethernet + IPv4) a piece of a datagram (MF or an offset)? */
static bool is_fragment(const uint8_t *frame, size_t len)
{
	return len >= ETH_HLEN + 20 && frame[12] == 0x08 && frame[13] == 0x00 &&
	       ((frame[ETH_HLEN + 6] << 8 | frame[ETH_HLEN + 7]) & 0x3fff);
}

static int on_record(void *ctx, void *data, size_t size)
{
	static uint8_t whole[XNAT_OVERSIZE_FRAME_MAX];
	struct xnatd_slow *s = ctx;
	const struct xnat_slow_rec *r = data;
	const uint8_t *frame = (const uint8_t *)(r + 1);
	uint32_t tag;
	size_t len, whole_len;

	if (size < sizeof(*r) || r->len > size - sizeof(*r) || r->len > XNAT_SLOW_BIG_FRAME_MAX) {
		s->st.bad_records++;
		return 0;
	}
	tag = tag_of(r);
	if (r->flags & XNAT_SLOW_NO_L2) {
		/* From a WAN without a link-layer header: the program and the
		 * reassembly take Ethernet frames (the addresses are never used:
		 * what goes back out there loses the header again). */
		static uint8_t with_l2[ETH_HLEN + XNAT_SLOW_BIG_FRAME_MAX];

		memset(with_l2, 0, 12);
		with_l2[12] = 0x08, with_l2[13] = 0x00;
		memcpy(with_l2 + ETH_HLEN, frame, r->len);
		frame = with_l2;
		len = r->len + ETH_HLEN;
	} else {
		len = r->len;
	}
	if (!is_fragment(frame, len)) {
		/* A whole datagram: its SIP message too big for the fast path. */
		s->st.whole_in++;
		datagram_send(s, frame, len, tag, XNAT_SLOW_NO_DIVERT);
		return 0;
	}
	s->st.fragments_in++;
	switch (xnat_reasm_add(s->reasm, frame, len, tag, now_ns(), whole, sizeof(whole), &whole_len, give_back, s)) {
	case XNAT_REASM_COMPLETE:
		s->st.datagrams++;
		datagram_send(s, whole, whole_len, tag, 0);
		break;
	case XNAT_REASM_INVALID:
		give_back(frame, len, tag, s); /* the fast path decides what it is */
		break;
	default:
		break;
	}
	return 0;
}

/* Promise the fast path a consumer for the next seconds (every tick). */
static void keep_alive(struct xnatd_slow *s, __u32 until)
{
	struct xnat_slow_state st = { .alive_until = until };
	__u32 zero = 0;

	if (!bpf_map_update_elem(s->state_fd, &zero, &st, BPF_ANY))
		s->alive_until = until;
}

int xnatd_slow_start(struct xnatd *d)
{
	struct xnat_reasm_limits lim = {
		.max_datagrams = REASM_DATAGRAMS, .max_frame = XNAT_OVERSIZE_FRAME_MAX, .timeout_ns = REASM_TIMEOUT_NS,
	};
	struct xnatd_slow *s = calloc(1, sizeof(*s));
	int one = 1;

	if (!s)
		return -1;
	s->d = d;
	s->pkt_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0); /* protocol 0: sends only */
	s->reasm = xnat_reasm_new(&lim);
	s->rb = ring_buffer__new(bpf_map__fd(d->skel->maps.xnat_slow_frames), on_record, s, NULL);
	xnat_ratelimit_init(&s->icmp_rate, 10, 10); /* as the kernel's icmp_ratelimit: some per second */
	s->prog_lan = bpf_program__fd(d->skel->progs.xnat_xdp_lan);
	s->prog_wan = bpf_program__fd(d->skel->progs.xnat_xdp_wan);
	s->state_fd = bpf_map__fd(d->skel->maps.xnat_slow_state);
	if (s->pkt_fd < 0 || !s->reasm || !s->rb ||
	    setsockopt(s->pkt_fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one))) {
		xlog_warn("SIP fragments stay unchanged: no slow path (%s)", strerror(errno));
		d->slow = s;
		xnatd_slow_stop(d);
		return -1;
	}
	d->slow = s;
	xnatd_slow_tick(d);
	return 0;
}

int xnatd_slow_fd(const struct xnatd *d)
{
	return d->slow ? ring_buffer__epoll_fd(d->slow->rb) : -1;
}

void xnatd_slow_poll(struct xnatd *d)
{
	if (d->slow)
		ring_buffer__consume(d->slow->rb);
}

void xnatd_slow_tick(struct xnatd *d)
{
	struct xnatd_slow *s = d->slow;
	__u32 now = xnat_now();

	if (!s)
		return;
	if (s->alive_until < now + XNAT_SLOW_ALIVE_SECS)
		keep_alive(s, now + XNAT_SLOW_ALIVE_SECS);
	s->st.timed_out += xnat_reasm_expire(s->reasm, now_ns(), give_back, s);
}

void xnatd_slow_stats(const struct xnatd *d, struct xnatd_slow_stats *st)
{
	if (d->slow)
		*st = d->slow->st;
	else
		memset(st, 0, sizeof(*st));
}

/* The fast path keeps its fragments from now on; what is held goes out as it is. */
void xnatd_slow_stop(struct xnatd *d)
{
	struct xnatd_slow *s = d->slow;

	if (!s)
		return;
	if (s->state_fd >= 0)
		keep_alive(s, 0);
	if (s->rb) {
		ring_buffer__consume(s->rb);
		ring_buffer__free(s->rb);
	}
	if (s->reasm) {
		xnat_reasm_expire(s->reasm, UINT64_MAX, give_back, s);
		xnat_reasm_free(s->reasm);
	}
	if (s->pkt_fd >= 0)
		close(s->pkt_fd);
	free(s);
	d->slow = NULL;
}
