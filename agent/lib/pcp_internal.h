/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What pcp_server.c shares with the other opcodes' files (pcp_peer.c). */
#ifndef XNAT_AGENT_PCP_INTERNAL_H
#define XNAT_AGENT_PCP_INTERNAL_H

#include "pcp_server.h"

/* The options of a MAP or PEER request, as understood. */
struct xnat_pcp_opts {
	bool third_party, prefer_failure;
	__be32 third_party_addr;
	bool filter;         /* FILTER options were given (MAP) */
	bool filter_clear;   /* one of them had prefix length 0: the old filters go */
	unsigned int n_filters;
	struct xnat_remote_filter filters[XNAT_PORT_FILTERS];
	size_t kept;         /* bytes of processed options, echoed in the answer */
	__u8 keep[XNAT_PCP_MAX_DATAGRAM];
};

/* Walk the options at req[off, len) of a request with this opcode.
 * Returns 0 or a PCP result. */
__u8 xnat_pcp_parse_options(__u8 opcode, const __u8 *req, size_t off, size_t len, struct xnat_pcp_opts *o);

/* The options, then whose mapping it is: *addr (the requester's) becomes
 * THIRD_PARTY's host when the policy allows. Returns 0 or a PCP result. */
__u8 xnat_pcp_options_for(struct xnat_pcp_server *s, __u8 opcode, const __u8 *req, size_t off, size_t len,
			  struct xnat_pcp_opts *o, __be32 *addr);

void xnat_pcp_mapped_v4(__u8 a[16], __be32 v4);
/* The IPv4 address of an IPv4-mapped one; false for any other form. */
bool xnat_pcp_v4_of(const __u8 a[16], __be32 *v4);

/* A PCP answer: the header, then body_len bytes already at resp + 24. */
size_t xnat_pcp_answer(const struct xnat_pcp_server *s, __u8 opcode, __u8 result, __u32 lifetime, __u32 now,
		       __u8 *resp, size_t body_len);
/* An error answer: the request's own bytes after the header, as many as fit. */
size_t xnat_pcp_error(struct xnat_pcp_server *s, const __u8 *req, size_t len, __u8 result, __u32 now,
		      __u8 *resp);

/* s->last from an answer of n bytes in resp to a MAP or PEER (nothing
 * when the answer is shorter than MAP's data). */
void xnat_pcp_keep_outcome(struct xnat_pcp_server *s, __be32 src, const __u8 *resp, size_t n, __u32 lifetime);

/* PEER (pcp_peer.c). */
size_t xnat_pcp_peer(struct xnat_pcp_server *s, __be32 src, const __u8 *req, size_t len, __u32 lifetime,
		     __u32 now, __u8 *resp);

#endif
