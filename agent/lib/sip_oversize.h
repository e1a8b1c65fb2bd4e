/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A UDP datagram whose SIP message is too big for the fast path's ALG
 * (XNAT_SIP_MAX), up to the largest UDP datagram: xnatd's slow path
 * translates it without leaking. The fast path decides everything it
 * decides for any packet (the NAT, the dialog, the media mappings) on a
 * stand-in datagram of the same flow that carries the message's digest
 * (sip_digest.h); the message itself is rewritten here, with the
 * substitution the fast path's run shows (sip_big.h), behind the headers
 * the run produced.
 */
#ifndef XNAT_AGENT_SIP_OVERSIZE_H
#define XNAT_AGENT_SIP_OVERSIZE_H

#include <stddef.h>
#include <stdint.h>
#include <xnat/slowpath.h>

/* The largest frame: Ethernet and the largest IPv4 datagram. */
#define XNAT_OVERSIZE_FRAME_MAX (14 + 65535)

/* A run of a frame through the fast path's XDP program (xnat_slow_run()). */
typedef int (*xnat_oversize_run_fn)(void *arg, const uint8_t *frame, size_t len, uint8_t *out,
				    size_t *out_len, struct xnat_slow_meta *meta);

enum xnat_oversize_outcome {
	XNAT_OVERSIZE_REWRITTEN,     /* out: the datagram translated, its message rewritten */
	XNAT_OVERSIZE_UNCHANGED,     /* out: translated, its message as it came (why says why) */
	XNAT_OVERSIZE_NOT_FORWARDED, /* the fast path dropped or passed the stand-in: nothing to send */
	XNAT_OVERSIZE_INVALID,       /* not a whole IPv4/UDP datagram in an Ethernet frame */
	XNAT_OVERSIZE_RUN_FAILED,    /* the run itself failed */
};

struct xnat_oversize_result {
	enum xnat_oversize_outcome outcome;
	const char *why;             /* XNAT_OVERSIZE_UNCHANGED: not SIP, no digest, ... */
	struct xnat_slow_meta meta;  /* the stand-in's run: its verdict and interface */
	size_t out_len;
};

/* Is the UDP payload of this whole IPv4 datagram (Ethernet frame) bigger than the ALG takes? */
int xnat_oversize_wanted(const uint8_t *frame, size_t len);

/*
 * Translate frame[0, len) going in direction dir (enum xnat_dir) with run,
 * into out (XNAT_OVERSIZE_FRAME_MAX bytes): a whole datagram, to be
 * fragmented to the egress MTU. Returns the outcome, also in *r.
 */
enum xnat_oversize_outcome xnat_oversize_translate(const uint8_t *frame, size_t len, int dir,
						   xnat_oversize_run_fn run, void *arg, uint8_t *out,
						   struct xnat_oversize_result *r);

#endif
