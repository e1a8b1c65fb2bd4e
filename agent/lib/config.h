/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xnatd's configuration: an INI file (parsed with inih), overridden by the
 * command line. See etc/xnat.conf.example for every option.
 */
#ifndef XNAT_AGENT_CONFIG_H
#define XNAT_AGENT_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <xnat/nat.h>
#include "forward.h"
#include "portmap_rules.h"

#define XNAT_MAX_FORWARDS 64

/* RFC 4787 REQ-5: a UDP mapping timer never under 2 minutes. */
#define XNAT_MIN_TIMEOUT_UDP 120
/* RFC 5382 REQ-5: established TCP idle timeout no less than 2 h 4 min. */
#define XNAT_MIN_TIMEOUT_TCP_EST 7440

enum xnat_xdp_mode {
	XNAT_XDP_AUTO = 0, /* per interface: XDP where its driver has it and a redirect there is safe, else TC */
	XNAT_XDP_NATIVE,   /* XDP in driver mode everywhere ("native") */
	XNAT_XDP_SKB,      /* XDP in generic mode everywhere ("skb") */
	XNAT_XDP_NONE,     /* no XDP: the TC programs do all the work ("none") */
};

/* "auto", "native", "skb", "none": 0, or -1 for anything else. */
int xnat_xdp_mode_parse(const char *s, enum xnat_xdp_mode *mode);
const char *xnat_xdp_mode_name(enum xnat_xdp_mode mode);

struct xnat_agent_config {
	/* [interfaces] */
	char wan[IF_NAMESIZE];
	char lan[XNAT_MAX_LAN][IF_NAMESIZE];
	int n_lan;
	enum xnat_xdp_mode xdp_mode;
	/* [nat] */
	__u16 port_min, port_max;          /* host order */
	__u8 filtering;                    /* enum xnat_filtering */
	bool hairpin;
	bool tcp_bulk_xdp;         /* bulk TCP stays on XDP (else the stack path takes it: XNAT_CFG_TCP_BULK_STACK) */
	__u32 max_ports_per_host;          /* 0 = unlimited */
	__u32 max_sessions;                /* xnat_flows holds 2 entries per session */
	__u32 max_mappings;                /* xnat_eim, xnat_ports, xnat_adf */
	/* [timeouts], seconds */
	__u32 timeout_udp;
	__u32 timeout_tcp_established;
	__u32 timeout_tcp_transitory;
	__u32 timeout_icmp;
	__u32 timeout_sip_dialog;
	/* [sip] */
	bool sip_enabled;
	bool sip_ports_set;                /* a port line replaced the default */
	__u32 sip_dialogs_per_host;        /* calls + registrations tracked per LAN host; 0 = unlimited */
	struct xnat_sip_port sip[XNAT_SIP_PORTS];
	int n_sip;
	/* [portmap]: NAT-PMP and PCP on UDP 5351 of the LAN interfaces */
	bool natpmp;                       /* serve both protocols */
	__u32 lease_min_lifetime;          /* granted lifetimes are clamped to these, seconds */
	__u32 lease_max_lifetime;
	__u32 leases_per_host;             /* NAT-PMP + PCP leases of one host; 0 = unlimited */
	bool allow_third_party;            /* PCP THIRD_PARTY: a host maps for another */
	bool upnp;                         /* UPnP IGD: SSDP on UDP 1900, HTTP on http_port */
	__u16 upnp_http_port;
	bool upnp_secure_mode;             /* InternalClient must be the requester */
	struct xnat_pm_rules pm_rules;     /* rule = allow|deny EXT ADDR INT; first match decides */
	bool pm_rules_set;                 /* a rule line replaced the defaults */
	__u32 rate_limit;                  /* requests per second per LAN host (UPnP, SSDP, NAT-PMP, PCP); 0 = off */
	/* [agent] */
	__u32 gc_interval;                 /* seconds between collections */
	char pin_root[PATH_MAX];
	char state_dir[PATH_MAX];          /* what outlives xnatd: the UPnP uuid and boot id */
	/* [forward] rule = ..., one line each */
	struct xnat_forward forwards[XNAT_MAX_FORWARDS];
	int n_forwards;
};

/* Defaults: ports 1024-65535, endpoint-independent filtering, hairpin on,
 * no quota, 131072 sessions and mappings, UDP 300, TCP est 7440, TCP trans
 * 240, ICMP 60, SIP dialog 3600, the SIP ALG on UDP 5060 both ways, NAT-PMP
 * and PCP on with lifetimes 120 s to 1 day and 64 leases per host, no third
 * party, gc every 5 s, pin root XNAT_PIN_ROOT, xdp native. */
void xnat_config_defaults(struct xnat_agent_config *c);

/*
 * Read path over the values already in *c. On error returns -1 with err as
 * "PATH:LINE: [section] option: reason" (or "PATH: reason" when the file
 * can't be read) and *c may be partly changed: callers load into a copy.
 */
int xnat_config_load(const char *path, struct xnat_agent_config *c, char *err, size_t errlen);

/* Checks across options (a WAN and at least one LAN, LAN != WAN, port range,
 * timeouts). Returns 0 or -1 with err set. */
int xnat_config_validate(const struct xnat_agent_config *c, char *err, size_t errlen);

/* The fast path's part: ports, flags (HAIRPIN; not ENABLED), filtering,
 * quota, timeouts. ext_addr and wan_ifindex are left as they are in *m. */
void xnat_config_to_map(const struct xnat_agent_config *c, struct xnat_config *m);

#endif
