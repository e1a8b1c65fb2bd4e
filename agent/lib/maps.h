/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* File descriptors of the fast path's pinned maps, as user space sees them. */
#ifndef XNAT_AGENT_MAPS_H
#define XNAT_AGENT_MAPS_H

#include <xnat/nat.h>

struct xnat_map_fds {
	int config;
	int flows;
	int eim;
	int ports;
	int adf;
	int frags;
	int host_alloc;
	int host_freed;
	int stats;
	int sip_dialogs;
	int sip_seqadj;
	int port_filters;
	int lan_ifaces;
	int sip_opened, sip_closed; /* SIP dialogs per LAN host */
};

/* Open every map pinned under pin_root (e.g. XNAT_PIN_ROOT). Returns 0, or a
 * negative errno with all fds -1 and the missing map's name in *missing. */
int xnat_maps_open_pinned(const char *pin_root, struct xnat_map_fds *m, const char **missing);
void xnat_maps_close(struct xnat_map_fds *m);
/* Set every fd to -1. */
void xnat_maps_init(struct xnat_map_fds *m);

int xnat_config_read(int config_fd, struct xnat_config *c);
int xnat_config_write(int config_fd, const struct xnat_config *c);

/* Sum of a per-CPU counter array: out[XNAT_STAT_MAX]. Returns 0 or -errno. */
struct xnat_counter;
int xnat_stats_read(int stats_fd, struct xnat_counter *out);

/* One more of host's things given back, in a "given" map of the fast path's
 * per-host counts (host_held() in bpf/mapping.h: what a host holds is
 * taken - given): xnat_host_freed for dynamic mappings against the port
 * quota, xnat_sip_host_closed for SIP dialogs. Only xnatd writes these.
 * A given_fd < 0 (no such map) is ignored. */
void xnat_host_give_back(int given_fd, __be32 host);

/* Seconds of CLOCK_MONOTONIC, the fast path's clock (bpf_ktime_get_ns). */
__u32 xnat_now(void);

#endif
