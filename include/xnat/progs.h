/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What xnatd tells of the programs it loaded, for xnatctl and bpftool: the
 * pinned array map "xnat_progs", one entry per program of the object. The
 * fast path never reads it. A kernel may refuse a program: the NAT's own
 * (core) ones stop xnatd, a feature's (the SIP ALG's) turn that feature off.
 */
#ifndef XNAT_PROGS_H
#define XNAT_PROGS_H

#include "compat.h"

#define XNAT_MAP_PROGS "xnat_progs"
#define XNAT_MAX_PROGS 16

/* The features a refused program turns off (xnat_prog_info.feature). */
enum xnat_feature {
	XNAT_FEATURE_NAT = 0,     /* the NAT itself: a core program */
	XNAT_FEATURE_SIP_ALG = 1, /* the SIP ALG (its TC program): without it SIP is translated unchanged */
	XNAT_FEATURE_SIP_XDP = 2, /* the SIP ALG in XDP: without it SIP messages take the stack path */
	XNAT_FEATURE_LOST_COUNT = 3, /* xdp_redirect_lost: frames XDP redirected that a driver dropped */
	XNAT_FEATURE_MAX
};

enum xnat_prog_state {
	XNAT_PROG_UNUSED = 0,  /* no program in this slot */
	XNAT_PROG_LOADED = 1,
	XNAT_PROG_REFUSED = 2, /* the kernel refused it: reason says why */
};

struct xnat_prog_info {
	char name[32];
	__u32 state;        /* enum xnat_prog_state */
	__u32 feature;      /* enum xnat_feature */
	__u32 insns;        /* instructions the verifier processed */
	__u32 states;       /* verifier states, in all */
	__u32 peak_states;
	__u32 verify_usec;  /* how long the verifier took */
	char reason[192];   /* REFUSED: the verifier's last message */
};

#endif
