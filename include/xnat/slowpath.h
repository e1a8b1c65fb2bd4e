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

/* Largest frame handed over; bigger fragments can't carry a message the
 * ALG would rewrite (XNAT_SIP_MAX) and go on unchanged. */
#define XNAT_SLOW_FRAME_MAX 2048

/* How long a promise of xnatd to consume lasts (seconds, xnat_now()). */
#define XNAT_SLOW_ALIVE_SECS 3

enum xnat_slow_flags {
	XNAT_SLOW_RUN = 1,        /* set by the program: it saw valid metadata */
	XNAT_SLOW_NO_DIVERT = 2,  /* translate the fragment as is (given back by xnatd) */
	XNAT_SLOW_FROM_STACK = 4, /* the stack already forwarded it: TTL was decremented */
};

/* In front of the frame of a slow-path run (xdp_md.data_meta .. data). */
struct xnat_slow_meta {
	__u32 magic;       /* XNAT_SLOW_MAGIC */
	__u32 flags;       /* enum xnat_slow_flags, in */
	__u32 out_ifindex; /* out: where the frame is to be sent (0: not sent) */
	__u32 stat;        /* out: enum xnat_stat, the frame's verdict */
};

/* One record of the ring buffer: a fragment, as it arrived. */
struct xnat_slow_frame {
	__u32 ifindex; /* the interface it came in by (the LAN one for outbound) */
	__u16 len;     /* bytes of frame[] */
	__u8 dir;      /* enum xnat_dir */
	__u8 flags;    /* XNAT_SLOW_FROM_STACK when a TC hook handed it over */
	__u8 frame[XNAT_SLOW_FRAME_MAX];
};

/* Value of the one-slot array "xnat_slow_state", written by xnatd. */
struct xnat_slow_state {
	__u32 alive_until; /* xnat_now() seconds; 0: no consumer */
	__u32 pad;
};

#endif
