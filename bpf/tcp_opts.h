/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP options of a SYN: found by a walk over a copy of them, changed in
 * place with the checksum's diff. Used by the MSS clamp (bpf/mss.h) and by
 * SIP over TCP (SACK-permitted taken out, bpf/sip_tcp.h).
 */
#ifndef XNAT_BPF_TCP_OPTS_H
#define XNAT_BPF_TCP_OPTS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xnat/csum.h>

/* The checksum change of one byte at offset off of the TCP header. */
static __always_inline __u32 csum_byte(__u32 diff, __u32 off, __u8 old, __u8 new)
{
	__u16 o = off & 1 ? old : (__u16)old << 8, n = off & 1 ? new : (__u16)new << 8;

	return xnat_csum_diff16(diff, bpf_htons(o), bpf_htons(n));
}

/* A SYN's options (at most 40 bytes), copied out of the packet for the
 * option walk; 64 so that a masked index is always in it. */
#define XNAT_TCP_OPTS_MAX 40

struct xnat_tcp_opts {
	__u8 b[64];
};

/*
 * Where the option kind of length len is among the n bytes of options, or
 * -1. A BPF global function: the verifier walks it once, on its own (in
 * line, the walk's many states per byte exceeded its budget).
 */
__attribute__((noinline)) int xnat_tcp_find_opt(const struct xnat_tcp_opts *o, __u32 n, __u32 want_kind,
						__u32 want_len)
{
	__u64 starts = 1; /* bit i: an option starts at byte i (as xnat_ip_options_ok() walks) */
	__u8 kind, len;

	if (!o || n > XNAT_TCP_OPTS_MAX)
		return -1;
	for (__u32 i = 0; i < XNAT_TCP_OPTS_MAX - 1; i++) {
		if (i >= n)
			return -1;
		if (!((starts >> i) & 1))
			continue;
		kind = o->b[i];
		if (kind == 0) /* end of options */
			return -1;
		if (kind == 1) { /* NOP */
			starts |= 1ull << (i + 1);
			continue;
		}
		len = o->b[i + 1];
		if (len < 2)
			return -1;
		if (kind == want_kind && len == want_len)
			return i + len <= n ? (int)i : -1;
		if (i + len >= XNAT_TCP_OPTS_MAX)
			return -1; /* the last option */
		starts |= 1ull << (i + len);
	}
	return -1;
}

#endif
