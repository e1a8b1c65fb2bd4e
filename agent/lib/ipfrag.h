/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv4 reassembly and fragmentation of Ethernet frames, for xnatd's SIP slow
 * path. The input comes from the network: memory is bounded, every length is
 * checked, overlapping fragments are refused (RFC 5722's rule, applied to v4).
 */
#ifndef XNAT_AGENT_IPFRAG_H
#define XNAT_AGENT_IPFRAG_H

#include <stddef.h>
#include <stdint.h>

/* Called with one frame (Ethernet + IPv4) and the tag it was added with. */
typedef void (*xnat_frame_cb)(const uint8_t *frame, size_t len, uint32_t tag, void *arg);

struct xnat_reasm_limits {
	unsigned int max_datagrams; /* being reassembled at once (the oldest is evicted, given back) */
	size_t max_frame;           /* largest reassembled frame, Ethernet header included */
	uint64_t timeout_ns;        /* a datagram not complete by then is given back */
};

enum xnat_reasm_result {
	XNAT_REASM_HELD,     /* kept, waiting for more */
	XNAT_REASM_COMPLETE, /* out holds the whole datagram as one frame */
	XNAT_REASM_GAVE_UP,  /* the datagram's fragments (this one too) went to give_back, in arrival order */
	XNAT_REASM_INVALID,  /* not an IPv4 fragment, or malformed: nothing kept, nothing given back */
};

struct xnat_reasm_stats {
	uint64_t completed, gave_up_overlap, gave_up_too_big, gave_up_timeout, gave_up_evicted, invalid;
};

struct xnat_reasm;

struct xnat_reasm *xnat_reasm_new(const struct xnat_reasm_limits *lim);
void xnat_reasm_free(struct xnat_reasm *r); /* drops everything held */

/* frame: one fragment. Datagrams are told apart by source, destination, IP
 * id, protocol and tag (e.g. the ingress interface). */
enum xnat_reasm_result xnat_reasm_add(struct xnat_reasm *r, const uint8_t *frame, size_t len, uint32_t tag,
				      uint64_t now_ns, uint8_t *out, size_t out_size, size_t *out_len,
				      xnat_frame_cb give_back, void *arg);

/* Gives back the fragments of every datagram older than the timeout; returns how many datagrams. */
unsigned int xnat_reasm_expire(struct xnat_reasm *r, uint64_t now_ns, xnat_frame_cb give_back, void *arg);
unsigned int xnat_reasm_pending(const struct xnat_reasm *r);
void xnat_reasm_get_stats(const struct xnat_reasm *r, struct xnat_reasm_stats *st);

/*
 * Split frame (Ethernet + a whole IPv4 datagram) into frames whose IP part is
 * at most mtu bytes, calling emit for each (tag passed through): payloads a
 * multiple of 8 but the last, the IP id kept, options without the copy flag
 * only in the first. Returns the number of frames (1: it fitted, emitted
 * unchanged), or -1: DF set and too big, mtu below 68, malformed header.
 */
int xnat_ip_fragment(const uint8_t *frame, size_t len, unsigned int mtu, xnat_frame_cb emit, void *arg,
		     uint32_t tag);

/* The largest ICMP error a router sends (RFC 1812 4.3.2.3), IP header included. */
#define XNAT_ICMP_ERROR_MAX 576

/*
 * The ICMP "fragmentation needed" (RFC 1191) a router sends back for frame
 * (Ethernet + a whole IPv4 datagram with DF), which is too big for a next
 * hop of mtu bytes: from src (network order: the gateway's address where
 * the datagram came in), to its sender, by the hop it came from; quoting
 * what fits in XNAT_ICMP_ERROR_MAX. Into out (cap bytes); returns its
 * length, or -1: malformed, no DF, a fragment, an mtu out of range.
 */
int xnat_ip_frag_needed(const uint8_t *frame, size_t len, uint32_t src, unsigned int mtu, uint8_t *out,
			size_t cap);

#endif
