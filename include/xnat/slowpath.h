/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The slow path for SIP messages split into IP fragments. The fast path
 * can't rewrite a message it sees a piece at a time, so it hands the
 * fragments to xnatd (ring buffer "xnat_slow_frames") and drops them; xnatd
 * reassembles the datagram and runs it through the fast path's own XDP
 * program with BPF_PROG_TEST_RUN (the same translation and ALG, the same
 * maps), then fragments the result to the egress MTU and sends it.
 *
 * The program knows such a run by the metadata in front of the frame
 * (struct xnat_slow_meta), and writes back there where the frame goes.
 * Fragments are handed over only while xnatd says it is consuming
 * (xnat_slow_state.alive_until): a stopped or crashed xnatd costs the ALG,
 * never the packets.
 */
#ifndef XNAT_SLOWPATH_H
#define XNAT_SLOWPATH_H

#include "compat.h"

#define XNAT_SLOW_MAGIC 0x786e736cu /* "xnsl" */

/* Largest frame of a small record: a fragment at the usual MTUs. */
#define XNAT_SLOW_FRAME_MAX 2048
/* Largest frame of a big record: a whole datagram whose SIP message is too
 * big for the ALG (XNAT_SIP_MAX), a jumbo fragment. Bigger frames go on
 * unchanged (counted). */
#define XNAT_SLOW_BIG_FRAME_MAX 65536

/* How long a promise of xnatd to consume lasts (seconds, xnat_now()). */
#define XNAT_SLOW_ALIVE_SECS 3

enum xnat_slow_flags {
	XNAT_SLOW_RUN = 1,        /* set by the program: it saw valid metadata */
	XNAT_SLOW_NO_DIVERT = 2,  /* translate the fragment as is (given back by xnatd) */
	XNAT_SLOW_FROM_STACK = 4, /* the stack already forwarded it: TTL was decremented */
	XNAT_SLOW_NO_L2 = 8,      /* a record's frame starts at the IPv4 header (XNAT_CFG_WAN_L3) */
};

/* In front of the frame of a slow-path run (xdp_md.data_meta .. data). */
struct xnat_slow_meta {
	__u32 magic;       /* XNAT_SLOW_MAGIC */
	__u32 flags;       /* enum xnat_slow_flags, in */
	__u32 out_ifindex; /* out: where the frame is to be sent (0: not sent) */
	__u32 stat;        /* out: enum xnat_stat, the frame's verdict */
};

/* A record of the ring buffer: this header, then the frame as it arrived
 * (len bytes), in a record of either size below. */
struct xnat_slow_rec {
	__u32 ifindex; /* the interface it came in by (the LAN one for outbound) */
	__u32 len;     /* bytes of the frame */
	__u8 dir;      /* enum xnat_dir */
	__u8 flags;    /* XNAT_SLOW_FROM_STACK when a TC hook handed it over; XNAT_SLOW_NO_L2 */
	__u8 pad[2];
};

struct xnat_slow_frame {
	struct xnat_slow_rec h;
	__u8 frame[XNAT_SLOW_FRAME_MAX];
};

struct xnat_slow_frame_big {
	struct xnat_slow_rec h;
	__u8 frame[XNAT_SLOW_BIG_FRAME_MAX];
};

/* Value of the one-slot array "xnat_slow_state", written by xnatd. */
struct xnat_slow_state {
	__u32 alive_until; /* xnat_now() seconds; 0: no consumer */
	__u32 pad;
};

#endif
