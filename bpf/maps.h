/* SPDX-License-Identifier: GPL-2.0 */
/* The fast path's maps, pinned by name (XNAT_PIN_ROOT) so xnatd restarts adopt them. */
#ifndef XNAT_BPF_MAPS_H
#define XNAT_BPF_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <xnat/nat.h>
#include <xnat/stats.h>
#include <xnat/progs.h>
#include <xnat/links.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xnat_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNAT_DEFAULT_MAX_FLOWS);
	__type(key, struct xnat_flow_key);
	__type(value, struct xnat_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNAT_DEFAULT_MAX_MAPPINGS);
	__type(key, struct xnat_eim_key);
	__type(value, struct xnat_eim);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_eim SEC(".maps");

/* One slot per (protocol, port): see nat.h. Mappable, so xnatd claims and
 * releases slots with the same atomic compare-and-exchange as the fast path. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XNAT_PORT_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xnat_port_owner);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNAT_DEFAULT_MAX_MAPPINGS);
	__type(key, struct xnat_adf_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_adf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XNAT_MAX_FRAGS);
	__type(key, struct xnat_frag_key);
	__type(value, struct xnat_frag);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_frags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNAT_DEFAULT_MAX_HOSTS);
	__type(key, __be32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_host_alloc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNAT_DEFAULT_MAX_HOSTS);
	__type(key, __be32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_host_freed SEC(".maps");

/* SIP calls and registrations (see nat.h), written by the ALG, collected by xnatd. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNAT_MAX_SIP_DIALOGS);
	__type(key, struct xnat_sip_dialog_key);
	__type(value, struct xnat_sip_dialog);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_sip_dialogs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XNAT_STAT_SLOTS);
	__type(key, __u32);
	__type(value, struct xnat_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_stats SEC(".maps");

/* PCP FILTER rules of a mapping, by xnat_ports slot (include/xnat/nat.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNAT_MAX_PORT_FILTERS);
	__type(key, __u32);
	__type(value, struct xnat_port_filter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_port_filters SEC(".maps");

/* The LAN interfaces (ifindex -> 1), written by xnatd: a WAN packet the
 * routing table would send into one of them, untranslated, is dropped. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNAT_MAX_LAN_IFACES);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_lan_ifaces SEC(".maps");

/* SIP dialogs per LAN host: opened (the fast path counts) and closed
 * (xnatd's collector counts); their difference is held against
 * xnat_config.max_sip_dialogs_per_host (host_held() in mapping.h), as
 * xnat_host_alloc/freed are against the port quota. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNAT_DEFAULT_MAX_HOSTS);
	__type(key, __be32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_sip_host_opened SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNAT_DEFAULT_MAX_HOSTS);
	__type(key, __be32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_sip_host_closed SEC(".maps");

/* What xnatd loaded (include/xnat/progs.h): written by xnatd for xnatctl
 * and bpftool, never read by the fast path. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XNAT_MAX_PROGS);
	__type(key, __u32);
	__type(value, struct xnat_prog_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_progs SEC(".maps");

/* Which path each interface takes (include/xnat/links.h): written by
 * xnatd for xnatctl and bpftool, never read by the fast path. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XNAT_MAX_LINKS);
	__type(key, __u32);
	__type(value, struct xnat_link_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_links SEC(".maps");

/* The bridge ports XDP runs on (include/xnat/links.h): written by xnatd,
 * read by xnat_xdp_lan when XNAT_CFG_BRIDGE_PORTS is set. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNAT_MAX_BRIDGE_PORTS);
	__type(key, __u32);
	__type(value, struct xnat_bridge_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_bridge_ports SEC(".maps");

#endif
