/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One run of a frame through the fast path's XDP program for the slow path. */
#ifndef XNAT_AGENT_SLOWRUN_H
#define XNAT_AGENT_SLOWRUN_H

#include <stddef.h>
#include <stdint.h>
#include <xnat/slowpath.h>

/* Room for the frame as it leaves: the XDP test run's largest frame. */
#define XNAT_SLOW_RUN_MAX 3520

/*
 * Run frame[0..len) through the XDP program prog_fd as if it had arrived on
 * ingress_ifindex, with flags (enum xnat_slow_flags) in its metadata. The
 * maps are the real ones: this is the fast path translating a packet.
 * out (XNAT_SLOW_RUN_MAX bytes) gets the frame as it left; *meta the
 * program's report (stat, out_ifindex). Returns the XDP verdict, or -errno.
 */
int xnat_slow_run(int prog_fd, uint32_t ingress_ifindex, uint32_t flags, const uint8_t *frame,
		  size_t len, uint8_t *out, size_t *out_len, struct xnat_slow_meta *meta);

#endif
