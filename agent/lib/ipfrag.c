// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "inet_csum.h"
#include "ipfrag.h"

#define ETH_LEN 14
#define IP_MIN 20
#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
#define MAX_FRAGS 64 /* per datagram: 64 x 8-byte pieces is already an attack */

struct held {
	uint8_t *frame;
	size_t len;
	uint32_t off, plen; /* the payload's place in the datagram */
};

struct dgram {
	bool used, have_last;
	uint32_t saddr, daddr, tag, total;
	uint16_t id;
	uint8_t proto;
	uint64_t born_ns;
	unsigned int n;
	struct held f[MAX_FRAGS];
};

struct xnat_reasm {
	struct xnat_reasm_limits lim;
	struct dgram *slots;
	struct xnat_reasm_stats st;
};

/* What a fragment's headers say, checked against what was captured. */
struct frag_info {
	uint32_t saddr, daddr, ihl, off, plen;
	uint16_t id, flags;
	uint8_t proto;
};

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static void set_csum(uint8_t *ip, size_t ihl)
{
	put16(ip + 10, 0);
	put16(ip + 10, xnat_inet_csum(xnat_inet_sum(ip, ihl, 0)));
}

/* Ethernet + IPv4 with a consistent header; tot_len within the capture
 * (Ethernet padding after it is ignored). 0, or -1. */
static int parse(const uint8_t *frame, size_t len, struct frag_info *fi)
{
	const uint8_t *ip = frame + ETH_LEN;
	uint32_t tot;

	if (len < ETH_LEN + IP_MIN || get16(frame + 12) != 0x0800 || (ip[0] >> 4) != 4)
		return -1;
	fi->ihl = (uint32_t)(ip[0] & 0xf) * 4;
	tot = get16(ip + 2);
	if (fi->ihl < IP_MIN || tot < fi->ihl || tot > len - ETH_LEN)
		return -1;
	fi->plen = tot - fi->ihl;
	fi->flags = get16(ip + 6);
	fi->off = (uint32_t)(fi->flags & IP_OFFSET) * 8;
	fi->id = get16(ip + 4);
	fi->proto = ip[9];
	fi->saddr = get32(ip + 12);
	fi->daddr = get32(ip + 16);
	return 0;
}

struct xnat_reasm *xnat_reasm_new(const struct xnat_reasm_limits *lim)
{
	struct xnat_reasm *r = calloc(1, sizeof(*r));

	if (!r || !lim->max_datagrams || lim->max_frame < ETH_LEN + IP_MIN)
		goto fail;
	r->lim = *lim;
	r->slots = calloc(lim->max_datagrams, sizeof(*r->slots));
	if (!r->slots)
		goto fail;
	return r;
fail:
	free(r);
	return NULL;
}

static void release(struct dgram *d, xnat_frame_cb give_back, void *arg)
{
	for (unsigned int i = 0; i < d->n; i++) {
		if (give_back)
			give_back(d->f[i].frame, d->f[i].len, d->tag, arg);
		free(d->f[i].frame);
	}
	memset(d, 0, sizeof(*d));
}

void xnat_reasm_free(struct xnat_reasm *r)
{
	if (!r)
		return;
	for (unsigned int i = 0; i < r->lim.max_datagrams; i++)
		release(&r->slots[i], NULL, NULL);
	free(r->slots);
	free(r);
}

static struct dgram *find(struct xnat_reasm *r, const struct frag_info *fi, uint32_t tag)
{
	for (unsigned int i = 0; i < r->lim.max_datagrams; i++) {
		struct dgram *d = &r->slots[i];

		if (d->used && d->saddr == fi->saddr && d->daddr == fi->daddr && d->id == fi->id &&
		    d->proto == fi->proto && d->tag == tag)
			return d;
	}
	return NULL;
}

/* A free slot, or the oldest one's fragments given back to make one. */
static struct dgram *take_slot(struct xnat_reasm *r, xnat_frame_cb give_back, void *arg)
{
	struct dgram *oldest = NULL;

	for (unsigned int i = 0; i < r->lim.max_datagrams; i++) {
		struct dgram *d = &r->slots[i];

		if (!d->used)
			return d;
		if (!oldest || d->born_ns < oldest->born_ns)
			oldest = d;
	}
	r->st.gave_up_evicted++;
	release(oldest, give_back, arg);
	return oldest;
}

/* Gives up on d: what it holds, then this fragment, go back. */
static enum xnat_reasm_result give_up(struct dgram *d, const uint8_t *frame, size_t len, uint32_t tag,
				      xnat_frame_cb give_back, void *arg, uint64_t *counter)
{
	(*counter)++;
	release(d, give_back, arg);
	if (give_back)
		give_back(frame, len, tag, arg);
	return XNAT_REASM_GAVE_UP;
}

/* The whole datagram into out, from the fragment at offset 0's headers. */
static bool assemble(const struct dgram *d, uint8_t *out, size_t out_size, size_t *out_len)
{
	const struct held *first = NULL;
	uint32_t ihl;
	uint8_t *ip;

	for (unsigned int i = 0; i < d->n; i++)
		if (d->f[i].off == 0)
			first = &d->f[i];
	if (!first)
		return false;
	ihl = (uint32_t)(first->frame[ETH_LEN] & 0xf) * 4;
	if ((size_t)ETH_LEN + ihl + d->total > out_size || ihl + d->total > 65535)
		return false;
	memcpy(out, first->frame, ETH_LEN + ihl);
	for (unsigned int i = 0; i < d->n; i++) {
		const struct held *h = &d->f[i];
		uint32_t h_ihl = (uint32_t)(h->frame[ETH_LEN] & 0xf) * 4;

		memcpy(out + ETH_LEN + ihl + h->off, h->frame + ETH_LEN + h_ihl, h->plen);
	}
	ip = out + ETH_LEN;
	put16(ip + 2, (uint16_t)(ihl + d->total));
	put16(ip + 6, get16(ip + 6) & IP_DF);
	set_csum(ip, ihl);
	*out_len = ETH_LEN + ihl + d->total;
	return true;
}

enum xnat_reasm_result xnat_reasm_add(struct xnat_reasm *r, const uint8_t *frame, size_t len, uint32_t tag,
				      uint64_t now_ns, uint8_t *out, size_t out_size, size_t *out_len,
				      xnat_frame_cb give_back, void *arg)
{
	struct frag_info fi;
	struct dgram *d;
	uint32_t end, have = 0;
	bool last;

	if (parse(frame, len, &fi) || !(fi.flags & (IP_MF | IP_OFFSET)) || !fi.plen ||
	    ((fi.flags & IP_MF) && fi.plen % 8) || fi.off + fi.plen > 65535 - fi.ihl) {
		r->st.invalid++;
		return XNAT_REASM_INVALID;
	}
	end = fi.off + fi.plen;
	last = !(fi.flags & IP_MF);
	d = find(r, &fi, tag);
	if (!d) {
		d = take_slot(r, give_back, arg);
		*d = (struct dgram){ .used = true, .saddr = fi.saddr, .daddr = fi.daddr, .id = fi.id,
				     .proto = fi.proto, .tag = tag, .born_ns = now_ns };
	}
	for (unsigned int i = 0; i < d->n; i++) {
		const struct held *h = &d->f[i];
		uint32_t h_ihl = (uint32_t)(h->frame[ETH_LEN] & 0xf) * 4;

		if (fi.off >= h->off + h->plen || end <= h->off)
			continue;
		if (fi.off == h->off && fi.plen == h->plen &&
		    !memcmp(frame + ETH_LEN + fi.ihl, h->frame + ETH_LEN + h_ihl, fi.plen))
			return XNAT_REASM_HELD; /* a duplicate: nothing new */
		return give_up(d, frame, len, tag, give_back, arg, &r->st.gave_up_overlap);
	}
	if (last) {
		if (d->have_last && d->total != end)
			return give_up(d, frame, len, tag, give_back, arg, &r->st.gave_up_overlap);
		for (unsigned int i = 0; i < d->n; i++)
			if (d->f[i].off + d->f[i].plen > end)
				return give_up(d, frame, len, tag, give_back, arg, &r->st.gave_up_overlap);
		d->have_last = true;
		d->total = end;
	} else if (d->have_last && end > d->total) {
		return give_up(d, frame, len, tag, give_back, arg, &r->st.gave_up_overlap);
	}
	if ((size_t)ETH_LEN + fi.ihl + end > r->lim.max_frame ||
	    (size_t)ETH_LEN + IP_MIN + end > out_size)
		return give_up(d, frame, len, tag, give_back, arg, &r->st.gave_up_too_big);
	if (d->n == MAX_FRAGS)
		return give_up(d, frame, len, tag, give_back, arg, &r->st.gave_up_too_big);
	d->f[d->n].frame = malloc(len);
	if (!d->f[d->n].frame)
		return give_up(d, frame, len, tag, give_back, arg, &r->st.gave_up_too_big);
	memcpy(d->f[d->n].frame, frame, len);
	d->f[d->n].len = len;
	d->f[d->n].off = fi.off;
	d->f[d->n].plen = fi.plen;
	d->n++;

	if (!d->have_last)
		return XNAT_REASM_HELD;
	for (unsigned int i = 0; i < d->n; i++)
		have += d->f[i].plen; /* no overlaps: the sum is the coverage */
	if (have != d->total)
		return XNAT_REASM_HELD;
	if (!assemble(d, out, out_size, out_len)) {
		/* this fragment is held already: it goes back with the others */
		r->st.gave_up_too_big++;
		release(d, give_back, arg);
		return XNAT_REASM_GAVE_UP;
	}
	r->st.completed++;
	release(d, NULL, NULL);
	return XNAT_REASM_COMPLETE;
}

unsigned int xnat_reasm_expire(struct xnat_reasm *r, uint64_t now_ns, xnat_frame_cb give_back, void *arg)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < r->lim.max_datagrams; i++) {
		struct dgram *d = &r->slots[i];

		if (d->used && (now_ns == UINT64_MAX || now_ns - d->born_ns >= r->lim.timeout_ns)) {
			r->st.gave_up_timeout++;
			release(d, give_back, arg);
			n++;
		}
	}
	return n;
}

unsigned int xnat_reasm_pending(const struct xnat_reasm *r)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < r->lim.max_datagrams; i++)
		n += r->slots[i].used;
	return n;
}

void xnat_reasm_get_stats(const struct xnat_reasm *r, struct xnat_reasm_stats *st)
{
	*st = r->st;
}

/* The options a later fragment carries: those with the copy flag. Returns
 * their length padded to 4, or -1 for malformed options. */
static int copied_options(const uint8_t *opt, uint32_t n, uint8_t *to)
{
	uint32_t i = 0, w = 0;

	while (i < n) {
		uint8_t type = opt[i];
		uint32_t olen;

		if (type == 0) /* end of options */
			break;
		if (type == 1) { /* NOP, not copied */
			i++;
			continue;
		}
		if (i + 1 >= n || opt[i + 1] < 2 || i + opt[i + 1] > n)
			return -1;
		olen = opt[i + 1];
		if (type & 0x80) {
			memcpy(to + w, opt + i, olen);
			w += olen;
		}
		i += olen;
	}
	while (w % 4)
		to[w++] = 0;
	return (int)w;
}

int xnat_ip_fragment(const uint8_t *frame, size_t len, unsigned int mtu, xnat_frame_cb emit, void *arg,
		     uint32_t tag)
{
	static uint8_t buf[ETH_LEN + 60 + 65535]; /* one frame at a time: xnatd is single-threaded */
	uint8_t later_opts[40];
	struct frag_info fi;
	const uint8_t *ip = frame + ETH_LEN, *payload;
	uint32_t pos = 0, n_later_opts;
	int n = 0, lo;

	if (parse(frame, len, &fi))
		return -1;
	if (fi.ihl + fi.plen <= mtu) {
		emit(frame, ETH_LEN + fi.ihl + fi.plen, tag, arg);
		return 1;
	}
	if ((fi.flags & IP_DF) || mtu < 68 || mtu > 65535)
		return -1;
	lo = copied_options(ip + IP_MIN, fi.ihl - IP_MIN, later_opts);
	if (lo < 0)
		return -1;
	n_later_opts = (uint32_t)lo;
	payload = ip + fi.ihl;
	while (pos < fi.plen) {
		uint32_t ihl = pos ? IP_MIN + n_later_opts : fi.ihl;
		uint32_t room = (mtu - ihl) & ~7u, chunk = fi.plen - pos;
		bool more = chunk > room;
		uint8_t *o = buf + ETH_LEN;

		if (more)
			chunk = room;
		memcpy(buf, frame, ETH_LEN);
		memcpy(o, ip, IP_MIN);
		if (pos)
			memcpy(o + IP_MIN, later_opts, n_later_opts);
		else
			memcpy(o + IP_MIN, ip + IP_MIN, fi.ihl - IP_MIN);
		o[0] = (uint8_t)(0x40 | ihl / 4);
		put16(o + 2, (uint16_t)(ihl + chunk));
		/* offsets from the datagram's own (0 for a whole one); MF on all but
		 * the last, which keeps the original's */
		put16(o + 6, (uint16_t)(((fi.off + pos) / 8) | ((more || (fi.flags & IP_MF)) ? IP_MF : 0)));
		memcpy(o + ihl, payload + pos, chunk);
		set_csum(o, ihl);
		emit(buf, ETH_LEN + ihl + chunk, tag, arg);
		pos += chunk;
		n++;
	}
	return n;
}

int xnat_ip_frag_needed(const uint8_t *frame, size_t len, uint32_t src, unsigned int mtu, uint8_t *out,
			size_t cap)
{
	struct frag_info fi;
	const uint8_t *ip = frame + ETH_LEN;
	uint8_t *o = out + ETH_LEN, *icmp = o + IP_MIN;
	uint32_t sum;
	size_t quote;

	if (parse(frame, len, &fi) || !(fi.flags & IP_DF) || (fi.flags & IP_MF) || fi.off || mtu < 68 || mtu > 65535)
		return -1;
	/* RFC 1812 4.3.2.3: as much of the datagram as fits in 576 bytes */
	quote = fi.ihl + fi.plen;
	if (quote > XNAT_ICMP_ERROR_MAX - IP_MIN - 8)
		quote = XNAT_ICMP_ERROR_MAX - IP_MIN - 8;
	if (cap < ETH_LEN + IP_MIN + 8 + quote)
		return -1;
	memcpy(out, frame + 6, 6); /* back to the sender's hop, from the address it sent to */
	memcpy(out + 6, frame, 6);
	out[12] = 0x08, out[13] = 0x00;
	memset(o, 0, IP_MIN + 8);
	o[0] = 0x45;
	o[1] = 0xc0; /* internetwork control, as the kernel's ICMP */
	put16(o + 2, (uint16_t)(IP_MIN + 8 + quote));
	o[8] = 64;
	o[9] = 1; /* ICMP */
	memcpy(o + 12, &src, 4);
	memcpy(o + 16, ip + 12, 4);
	set_csum(o, IP_MIN);
	icmp[0] = 3; /* destination unreachable */
	icmp[1] = 4; /* fragmentation needed and DF set */
	put16(icmp + 6, (uint16_t)mtu);
	memcpy(icmp + 8, ip, quote);
	sum = xnat_inet_sum(icmp, (8 + quote) & ~(size_t)1, 0);
	if (quote & 1)
		sum += (uint32_t)icmp[8 + quote - 1] << 8; /* an odd end, padded with zero */
	put16(icmp + 2, xnat_inet_csum(sum));
	return (int)(ETH_LEN + IP_MIN + 8 + quote);
}
