/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* xnatd's state, shared by its files: one struct, owned by main.c. */
#ifndef XNATD_H
#define XNATD_H

#include <stdbool.h>
#include <xnat/nat.h>
#include <xnat/links.h>
#include "config.h"
#include "maps.h"
#include "ratelimit.h"

struct pollfd;
struct xnat_bpf;
struct xnatd_slow;
struct xnatd_pcp;
struct xnatd_upnp;
struct xnatd_leases;

struct xnatd {
	struct xnat_agent_config cfg;
	unsigned int wan_ifindex;
	bool wan_l3;                  /* the WAN has no link-layer header (XNAT_CFG_WAN_L3) */
	int wan_mtu;                  /* as last pushed: TCP SYNs crossing it get an MSS of this less 40 */
	unsigned int lan_ifindex[XNAT_MAX_LAN];
	struct xnat_bpf *skel;
	struct xnat_map_fds maps;
	int lock_fd;                  /* flock on the pin root: one xnatd per root */
	__be32 ext_addr;              /* 0 until the WAN has an IPv4 address */
	int nl_fd;                    /* rtnetlink: RTMGRP_IPV4_IFADDR, RTMGRP_LINK */
	struct xnatd_slow *slow;      /* NULL: SIP fragments stay in the fast path */
	struct xnatd_pcp *pcp;        /* NULL: no NAT-PMP/PCP server */
	struct xnatd_upnp *upnp;      /* NULL: no UPnP IGD */
	struct xnatd_leases *leases;  /* NULL: no lease file (no UPnP, NAT-PMP or PCP) */
	/* Requests per LAN host to UPnP (HTTP, SSDP), NAT-PMP and PCP together. */
	struct xnat_ratelimit ratelimit;
	__u64 ratelimit_logged;       /* refusals as last logged */
	unsigned int features_off;    /* 1 << XNAT_FEATURE_*: refused by this kernel */
	/* Each interface and the path it takes (paths.c): links[0] the WAN. */
	struct xnat_link_info links[XNAT_MAX_LINKS];
	bool link_is_bridge[XNAT_MAX_LINKS]; /* bridge.c */
	int n_links;
	bool verbose;                 /* --verbose: a refused program's verifier log on stderr */
};

/* log.c: messages to stderr, which journald keeps (with priority prefixes). */
void xlog_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xlog_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xlog_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* load.c */
struct xnat_load;
int xnatd_prepare_pin_root(struct xnatd *d);
/* The programs loaded for this kernel (pin_root NULL: unpinned, for --check). */
int xnatd_load_programs(const struct xnat_agent_config *c, const char *pin_root, bool verbose,
			struct xnat_load *l);
int xnatd_load(struct xnatd *d);
void xnatd_unload_skeleton(struct xnatd *d);
int xnatd_write_pidlink(const char *pin_root);
void xnatd_remove_pidlink(const char *pin_root);

/* attach.c: TC on every interface first, then XDP where it delivers (paths.c). */
int xnatd_attach(struct xnatd *d);
/* The WAN's programs again, on its new interface (d->wan_ifindex). */
int xnatd_attach_wan(struct xnatd *d);
/* Id of the config map pinned under pin_root (0: none): what makes a program ours. */
__u32 xnatd_config_id(const char *pin_root);
/* Attach prog in path's mode, replacing a previous xnatd's (quiet: the
 * caller says why it failed). 0 or -errno. */
struct bpf_program;
int xnatd_attach_xdp(const char *ifname, unsigned int ifindex, struct bpf_program *prog,
		     enum xnat_link_path path, __u32 config_id, bool quiet);
void xnatd_detach_xdp(unsigned int ifindex, __u32 config_id);
/* Detach, on this namespace's interfaces, every program that uses the
 * xnat_config map pinned under pin_root (a previous xnatd's included). */
void xnatd_detach_all(const char *pin_root);
int xnatd_unload(const char *pin_root);

/* bridge_links.c: this namespace's interfaces, as bridge.c needs them. */
struct xnatd_link {
	unsigned int ifindex, master; /* master: the bridge of a port, 0 none */
	char name[16];
	__u8 mac[6];
	bool has_mac, is_bridge, is_port;
	int vlan_filtering;           /* of a bridge */
	int port_state;               /* of a port: BR_STATE_*, -1 unknown */
};
/* Up to max links; how many, or -1 (said). */
int xnatd_links_dump(struct xnatd_link *links, int max);

/* bridge.c: XDP on the ports of a LAN bridge (include/xnat/links.h). */
/* Whether a LAN interface is a bridge whose ports may take XDP (the fast
 * path then looks its ports up: XNAT_CFG_BRIDGE_PORTS). */
bool xnatd_bridge_ports_wanted(const struct xnatd *d);
/* Which of the links are bridges (link_is_bridge), once they are resolved. */
void xnatd_bridges_find(struct xnatd *d);
/* Ports on XDP as the bridges have them now: attached, detached, their STP
 * state and the bridge's address in xnat_bridge_ports. */
void xnatd_bridge_sync(struct xnatd *d);

/* paths.c */
enum xnat_link_path xnatd_path_wanted(const char *ifname, enum xnat_xdp_mode mode, char *why, size_t len);
const char *xnatd_path_name(enum xnat_link_path path);

/* state.c: what the fast path reads, kept in line with config and address. */
int xnatd_push_config(struct xnatd *d);
/* Every next hop the fast path cached is stale (xnat_config.fib_gen moves on). */
int xnatd_fib_changed(struct xnatd *d);
int xnatd_sync_forwards(struct xnatd *d);
int xnatd_flush_address(struct xnatd *d, __be32 old_addr);

/* load.c: the map pinned as pin_root/name: its fd (the caller closes it) and
 * *info, or -1 when there is none. */
struct bpf_map_info;
int xnatd_pinned_map(const char *pin_root, const char *name, struct bpf_map_info *info);

/* flows_upgrade.c: an older xnat's session table (shorter entries) taken
 * over. Before the load: its pin set aside (the load makes the new table);
 * after: its entries copied (last: and the old table released); on a load
 * that failed: pinned back. */
void xnatd_flows_set_aside(const char *pin_root);
int xnatd_flows_take_over(const struct xnatd *d, int last);
void xnatd_flows_put_back(const char *pin_root);

/* wanaddr.c */
/* The interface's (first, primary) IPv4 address, or 0: the WAN's is the external address. */
__be32 xnatd_if_address(unsigned int ifindex);
int xnatd_netlink_open(void);
#define XNATD_NL_WAN_ADDR 1u /* an IPv4 address of the WAN changed */
#define XNATD_NL_LINK 2u     /* an interface changed: a bridge's ports may have */
#define XNATD_NL_ROUTING 4u  /* a route lookup may answer otherwise: cached next hops are stale */
/* Drain the netlink socket: what changed (XNATD_NL_*), for the WAN ifindex. */
unsigned int xnatd_netlink_changed(int fd, unsigned int ifindex);

/* wanaddr.c: the interface's link type (ARPHRD_*), or -errno; its MTU, or 0. */
int xnatd_link_type(const char *ifname);
int xnatd_link_mtu(const char *ifname);

/* slowpath.c: SIP fragments reassembled and rewritten (include/xnat/slowpath.h). */
struct xnatd_slow_stats {
	__u64 fragments_in;  /* fragments taken from the ring */
	__u64 whole_in;      /* whole datagrams taken from it (too big for the ALG) */
	__u64 datagrams;     /* reassembled and run whole */
	__u64 given_back;    /* fragments run as they are (reassembly gave up) */
	__u64 timed_out;     /* datagrams whose pieces did not all come */
	__u64 frames_sent;
	__u64 not_forwarded; /* the program dropped or passed the run */
	__u64 run_errors, send_errors, bad_records;
	__u64 df_too_big;    /* DF set, too big for the next hop: dropped, ICMP sent back */
	/* SIP messages too big for the fast path's ALG (agent/lib/sip_oversize.h) */
	__u64 oversize_rewritten, oversize_unchanged;
	const char *oversize_why; /* why the last one went unchanged */
};
int xnatd_slow_start(struct xnatd *d);
int xnatd_slow_fd(const struct xnatd *d);
void xnatd_slow_poll(struct xnatd *d);
/* Once a second: the promise to the fast path, reassembly timeouts. */
void xnatd_slow_tick(struct xnatd *d);
void xnatd_slow_stats(const struct xnatd *d, struct xnatd_slow_stats *st);
void xnatd_slow_stop(struct xnatd *d);

/* pcp.c: the NAT-PMP/PCP server's sockets (agent/lib/pcp_server.h does the rest). */
int xnatd_pcp_start(struct xnatd *d);
/* Its sockets, for poll(): fills out (XNAT_MAX_LAN entries), returns how many. */
int xnatd_pcp_fds(const struct xnatd *d, struct pollfd *out);
/* How long poll() may sleep before the next announcement is due. */
int xnatd_pcp_timeout_ms(const struct xnatd *d, int max_ms);
/* Requests waiting on the sockets (pfds: as xnatd_pcp_fds filled them), due announcements. */
void xnatd_pcp_poll(struct xnatd *d, const struct pollfd *pfds);
void xnatd_pcp_address_changed(struct xnatd *d);
void xnatd_pcp_reconfigure(struct xnatd *d);
void xnatd_pcp_log_counters(struct xnatd *d);
void xnatd_pcp_stop(struct xnatd *d);
/* A PCP lease's nonce (NULL: none known, or no server), and setting it back. */
const __u8 *xnatd_pcp_nonce(const struct xnatd *d, __u8 proto, __u16 ext_port);
void xnatd_pcp_set_nonce(struct xnatd *d, __u8 proto, __u16 ext_port, const __u8 nonce[12]);

/* leases.c: the lease file in the state directory. Start after the pcp and
 * upnp servers (it gives them back descriptions and nonces), stop before. */
int xnatd_leases_start(struct xnatd *d);
/* At each collection: written when the leases changed. */
void xnatd_leases_sync(struct xnatd *d);
void xnatd_leases_stop(struct xnatd *d);

/* upnp.c: the UPnP IGD (SSDP, HTTP descriptions, SOAP control). */
#define XNATD_UPNP_FDS (2 * XNAT_MAX_LAN + 32) /* HTTP, SSDP; GENA NOTIFYs (XNAT_GENA_MAX_SUBS) */
int xnatd_upnp_start(struct xnatd *d);
/* Its sockets for poll(): fills out (XNATD_UPNP_FDS entries), returns how many. */
int xnatd_upnp_fds(const struct xnatd *d, struct pollfd *out);
/* Sends what is due (search answers, NOTIFY) and says how long poll() may sleep. */
int xnatd_upnp_timeout_ms(const struct xnatd *d, int max_ms);
void xnatd_upnp_poll(struct xnatd *d, const struct pollfd *pfds);
void xnatd_upnp_address_changed(struct xnatd *d);
void xnatd_upnp_reconfigure(struct xnatd *d);
void xnatd_upnp_collected(struct xnatd *d);
/* ssdp:byebye, servers closed. */
void xnatd_upnp_stop(struct xnatd *d);
/* A UPnP lease's description (NULL: none, or no UPnP), and setting it back. */
const char *xnatd_upnp_description(const struct xnatd *d, __u8 proto, __u16 ext_port);
void xnatd_upnp_set_description(struct xnatd *d, __u8 proto, __u16 ext_port, const char *text);

#endif
