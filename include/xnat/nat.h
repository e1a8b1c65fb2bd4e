/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * NAT state shared by the BPF fast path, xnatd and xnatctl. Each struct is
 * defined once, here; maps carry BTF so bpftool prints them field by field.
 *
 * Byte order: fields named *_addr / *port hold network byte order (as on the
 * wire) unless the comment says "host order".
 *
 * The model (RFC 4787 / 5382 / 5508):
 *  - A mapping binds an internal endpoint (int_addr, int_port, proto) to an
 *    external port of the single external address. It is stored twice:
 *    xnat_eim (internal endpoint -> external port, endpoint-independent
 *    mapping) and a slot of the array xnat_ports (external port -> internal
 *    endpoint and owner).
 *  - A session is a flow through a mapping, stored as two xnat_flows entries:
 *    the OUT entry keyed by the tuple seen on the LAN side, the IN entry keyed
 *    by the tuple seen on the WAN side. Each packet costs one lookup.
 *  - Filtering (endpoint-independent, address-dependent, address-and-port-
 *    dependent) only decides whether an inbound packet without a session may
 *    create one through a mapping; mapping and filtering stay independent.
 */
#ifndef XNAT_NAT_H
#define XNAT_NAT_H

#include "compat.h"

#define XNAT_PIN_ROOT "/sys/fs/bpf/xnat"

/* Map names; also the file names of their pins under XNAT_PIN_ROOT. */
#define XNAT_MAP_CONFIG     "xnat_config"
#define XNAT_MAP_FLOWS      "xnat_flows"
#define XNAT_MAP_EIM        "xnat_eim"
#define XNAT_MAP_PORTS      "xnat_ports"
#define XNAT_MAP_ADF        "xnat_adf"
#define XNAT_MAP_FRAGS      "xnat_frags"
#define XNAT_MAP_HOST_ALLOC "xnat_host_alloc"
#define XNAT_MAP_HOST_FREED "xnat_host_freed"
#define XNAT_MAP_STATS      "xnat_stats"
#define XNAT_MAP_SIP_DIALOGS "xnat_sip_dialogs"
#define XNAT_MAP_SIP_SEQADJ "xnat_sip_seqadj"
#define XNAT_MAP_PORT_FILTERS "xnat_port_filters"
#define XNAT_MAP_LAN_IFACES "xnat_lan_ifaces"
#define XNAT_MAP_SIP_OPENED "xnat_sip_host_opened"
#define XNAT_MAP_SIP_CLOSED "xnat_sip_host_closed"

/* Default table sizes (entries); xnatd may change them before loading. */
#define XNAT_DEFAULT_MAX_FLOWS    262144 /* two entries per session */
#define XNAT_DEFAULT_MAX_MAPPINGS 131072
#define XNAT_DEFAULT_MAX_HOSTS    4096
#define XNAT_MAX_FRAGS            8192
#define XNAT_MAX_SIP_DIALOGS      8192
#define XNAT_MAX_PORT_FILTERS     4096   /* PCP mappings with a FILTER */
#define XNAT_MAX_LAN_IFACES       64

enum xnat_dir {
	XNAT_DIR_OUT = 0, /* LAN -> WAN: source is rewritten */
	XNAT_DIR_IN = 1,  /* WAN -> LAN: destination is rewritten */
};

enum xnat_filtering {
	XNAT_FILTER_ENDPOINT_INDEPENDENT = 0,
	XNAT_FILTER_ADDRESS_DEPENDENT = 1,
	XNAT_FILTER_ADDRESS_PORT_DEPENDENT = 2,
};

/* Who created a mapping (xnat_port_owner.owner). */
enum xnat_owner {
	XNAT_OWNER_DYNAMIC = 0, /* allocated by the fast path on a first packet */
	XNAT_OWNER_CONFIG = 1,  /* static forward from the config file */
	XNAT_OWNER_STATIC = 2,  /* static forward added with xnatctl */
	XNAT_OWNER_UPNP = 3,
	XNAT_OWNER_NATPMP = 4,
	XNAT_OWNER_PCP = 5,
	XNAT_OWNER_SIP = 6,
	XNAT_OWNER_LOCAL = 7,   /* identity session of the gateway's own traffic */
	XNAT_OWNER_MAX
};

/* xnat_config.flags */
#define XNAT_CFG_ENABLED (1u << 0) /* 0 until xnatd knows the external address */
#define XNAT_CFG_HAIRPIN (1u << 1)
#define XNAT_CFG_WAN_XDP (1u << 2) /* the WAN is on the XDP path: XDP may redirect to it */
#define XNAT_CFG_BRIDGE_PORTS (1u << 3) /* XDP runs on bridge ports too: xnat_bridge_ports (links.h) */
/* The WAN has no link-layer header (PPP, WireGuard, tun, raw-IP modems,
 * IP tunnels): its packets start at the IPv4 header, the TC path only. */
#define XNAT_CFG_WAN_L3 (1u << 4)
/* Bulk TCP (a segment of XNAT_TCP_BULK_LEN or more marks its flow entry
 * XNAT_FLOW_BULK) goes to the stack untouched from XDP: GRO and GSO make
 * super-packets of it there, which XDP can't, and TC translates them. */
#define XNAT_CFG_TCP_BULK_STACK (1u << 5)
#define XNAT_TCP_BULK_LEN 1000

/* LAN interfaces a gateway has at most (one XDP program, one TC program each). */
#define XNAT_MAX_LAN 8

/* The SIP ALG on one UDP port: xnat_config.sip[]. */
#define XNAT_SIP_PORTS 4
#define XNAT_SIP_DIR_OUT (1u << 0) /* rewrite LAN -> WAN messages */
#define XNAT_SIP_DIR_IN  (1u << 1) /* rewrite WAN -> LAN messages */
#define XNAT_SIP_DEFAULT_PORT 5060

struct xnat_sip_port {
	__u16 port; /* host order; 0: unused */
	__u8 dirs;  /* XNAT_SIP_DIR_* */
	__u8 pad;
};

/* Runtime settings: the single entry (key 0) of the array map xnat_config. */
struct xnat_config {
	__be32 ext_addr;         /* external (public) IPv4 address */
	__u32 wan_ifindex;
	__u16 port_min;          /* host order; external port range, inclusive */
	__u16 port_max;          /* host order */
	__u32 flags;             /* XNAT_CFG_* */
	__u32 max_ports_per_host; /* 0 = unlimited */
	__u8 filtering;          /* enum xnat_filtering */
	__u8 pad[3];
	/* Timeouts in seconds; enforced by xnatd's collector, shown by xnatctl. */
	__u32 timeout_udp;
	__u32 timeout_tcp_established;
	__u32 timeout_tcp_transitory;
	__u32 timeout_icmp;
	__u32 timeout_sip_dialog; /* a call with neither signalling nor media for this long ends */
	/* SIP ALG: the ports whose UDP messages are rewritten (either end of the flow) */
	struct xnat_sip_port sip[XNAT_SIP_PORTS];
	__u32 max_sip_dialogs_per_host; /* calls and registrations a LAN host may have tracked; 0 = unlimited */
	/* The LAN interfaces on the XDP path (ifindex, 0: none): XDP redirects
	 * only to these and to the WAN with XNAT_CFG_WAN_XDP; a packet for
	 * another goes to the stack untranslated and the TC path has it (a
	 * frame redirected into a veth whose peer can't take it is lost). */
	__u32 xdp_lans[XNAT_MAX_LAN];
	/* Room for settings to come: a newer xnat adopts the pinned map of an
	 * older one (same size) and no upgrade costs the state. Zero. */
	/* A TCP SYN crossing the WAN announces at most this MSS (the WAN's MTU
	 * less 40; 0: no clamping) */
	__u16 wan_mss;
	__u16 pad2;
	/* The routing generation: xnatd moves it on whenever a route lookup
	 * could answer otherwise (struct xnat_hop_cache). 0: no caching. */
	__u32 fib_gen;
	__u32 reserved[5];
};

/* The routing generation after gen (0 stays for "no caching"). */
static inline __u32 xnat_fib_gen_next(__u32 gen)
{
	return gen + 1 ?: 1;
}

/*
 * Key of xnat_flows: a tuple as it is seen at the hook, before translation.
 * OUT: (lan addr -> remote addr, lan port -> remote port).
 * IN:  (remote addr -> ext addr, remote port -> ext port).
 * ICMP echo: the identifier is the "port" on the inside-facing side (sport of
 * an OUT key, dport of an IN key) and the other port is 0.
 */
struct xnat_flow_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 dir; /* enum xnat_dir */
	__u16 pad;
};

/* xnat_flow.flags: what this direction has seen, OR-ed in by the fast path. */
#define XNAT_FLOW_SYN (1u << 0)
#define XNAT_FLOW_FIN (1u << 1)
#define XNAT_FLOW_RST (1u << 2)
#define XNAT_FLOW_ACK (1u << 3) /* an ACK without SYN: the handshake completed */
#define XNAT_FLOW_BULK (1u << 4) /* bulk TCP this way: the stack path takes it (XNAT_CFG_TCP_BULK_STACK) */

/*
 * Where XDP sent this direction's packets, from the route lookup of one of
 * them (bpf/hop_cache.h): the fast path skips bpf_fib_lookup while gen is
 * xnat_config.fib_gen, which xnatd moves on at every route, rule,
 * neighbour, address or link change, for a packet that came in by
 * in_ifindex with the same TOS and is no longer than len (the route's MTU
 * was checked for that length). Written by the fast path alone.
 */
struct xnat_hop_cache {
	__u32 gen;        /* 0: nothing cached */
	__u32 ifindex;    /* out */
	__u32 in_ifindex;
	__u8 smac[6];
	__u8 dmac[6];
	__u16 len;        /* IPv4 total length, host order */
	__u8 tos;
	__u8 pad;
};

/* Value of xnat_flows: how to rewrite a packet of this flow. */
struct xnat_flow {
	__be32 addr;     /* OUT: new source address; IN: new destination address */
	__be16 port;     /* OUT: new source port; IN: new destination port */
	__u8 flags;      /* XNAT_FLOW_* seen in this direction */
	__u8 owner;      /* enum xnat_owner of the mapping the session uses */
	__u32 last_seen; /* seconds of CLOCK_MONOTONIC, refreshed at most once a second */
	struct xnat_hop_cache hop;
};

/* The IN key of the session whose OUT entry is (out, v), and back: the two
 * entries of a session name each other (see session.h in bpf/). */
static inline void xnat_flow_in_key(const struct xnat_flow_key *out, const struct xnat_flow *v,
				    struct xnat_flow_key *in)
{
	in->saddr = out->daddr;
	in->daddr = v->addr;
	in->sport = out->dport;
	in->dport = v->port;
	in->proto = out->proto;
	in->dir = XNAT_DIR_IN;
	in->pad = 0;
}

static inline void xnat_flow_out_key(const struct xnat_flow_key *in, const struct xnat_flow *v,
				     struct xnat_flow_key *out)
{
	out->saddr = v->addr;
	out->daddr = in->saddr;
	out->sport = v->port;
	out->dport = in->sport;
	out->proto = in->proto;
	out->dir = XNAT_DIR_OUT;
	out->pad = 0;
}

/* Key of xnat_eim: an internal endpoint. */
struct xnat_eim_key {
	__be32 int_addr;
	__be16 int_port;
	__u8 proto;
	__u8 pad;
};

/* Value of xnat_eim. */
struct xnat_eim {
	__be16 ext_port;
	__u16 pad;
	__u32 created; /* seconds of CLOCK_MONOTONIC */
};

/*
 * xnat_ports is an array with one slot per (protocol, external port): TCP,
 * UDP, then ICMP identifiers. A free slot's claim word is 0 (its other fields
 * are left over and rewritten by the next claim). The first 8 bytes of a
 * slot (the internal endpoint, owner, in_use) are claimed and released as one
 * word with an atomic compare-and-exchange, by the fast path and by xnatd
 * alike (xnatd through the mmap of the array).
 */
#define XNAT_PORT_SLOTS (3 * 65536)

/* Slot of (proto, port in host order), or -1 for another protocol. */
static inline int xnat_port_slot(__u8 proto, __u16 port)
{
	int base = proto == 6 /* TCP */ ? 0 : proto == 17 /* UDP */ ? 1 : proto == 1 /* ICMP */ ? 2 : -1;

	return base < 0 ? -1 : base * 65536 + port;
}

static inline __u8 xnat_slot_proto(__u32 slot)
{
	return slot < 65536 ? 6 : slot < 2 * 65536 ? 17 : 1;
}

static inline __u16 xnat_slot_port(__u32 slot)
{
	return (__u16)(slot & 0xffff);
}

/* Value of xnat_ports: the mapping's internal endpoint and owner. */
struct xnat_port_owner {
	__be32 int_addr;
	__be16 int_port;
	__u8 owner;      /* enum xnat_owner */
	__u8 in_use;     /* 1 while the slot holds a mapping */
	__u32 last_used; /* seconds; refreshed when a session is created on it */
	__u32 expires;   /* seconds of CLOCK_MONOTONIC; 0 = until removed */
};

/* The claim word of a slot: its first 8 bytes, as one integer. */
union xnat_port_claim {
	struct {
		__be32 int_addr;
		__be16 int_port;
		__u8 owner;
		__u8 in_use;
	} f;
	__u64 word;
};

static inline __u64 xnat_port_claim_word(__be32 int_addr, __be16 int_port, __u8 owner)
{
	union xnat_port_claim c = { .f = { .int_addr = int_addr, .int_port = int_port,
					   .owner = owner, .in_use = 1 } };

	return c.word;
}

/* Key of xnat_adf: "this mapping has sent to that remote address", used for
 * address-dependent filtering only. Value: a __u32 last-use time (seconds). */
struct xnat_adf_key {
	__be32 rem_addr;
	__be16 ext_port;
	__u8 proto;
	__u8 pad;
};

/*
 * PCP FILTER (RFC 6887 13.3), value of xnat_port_filters keyed by the
 * xnat_ports slot (__u32): the remote peers that may open a session through
 * a PCP mapping. It applies only while the slot's claim word is still
 * `claim` (the same endpoint's PCP mapping), so an entry left behind by an
 * ended mapping never filters the next one. No entry, or count 0: anyone.
 */
#define XNAT_PORT_FILTERS 8

struct xnat_remote_filter {
	__be32 addr;     /* network order, host bits zero */
	__u8 prefix_len; /* 1..32 */
	__u8 pad;
	__be16 port;     /* 0: any port */
};

struct xnat_port_filter {
	__u64 claim;     /* xnat_port_claim_word() of the mapping they belong to */
	__u32 count;     /* rules in use, 0..XNAT_PORT_FILTERS */
	__u32 pad;
	struct xnat_remote_filter rule[XNAT_PORT_FILTERS];
};

static inline __be32 xnat_prefix_mask(__u8 prefix_len)
{
	__u32 m = prefix_len >= 32 ? 0xffffffffu : prefix_len ? ~0u << (32 - prefix_len) : 0;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	m = __builtin_bswap32(m);
#endif
	return m;
}

static inline int xnat_remote_filter_same(const struct xnat_remote_filter *a, const struct xnat_remote_filter *b)
{
	return a->addr == b->addr && a->prefix_len == b->prefix_len && a->port == b->port;
}

static inline int xnat_remote_filter_match(const struct xnat_remote_filter *f, __be32 addr, __be16 port)
{
	return (addr & xnat_prefix_mask(f->prefix_len)) == f->addr && (!f->port || f->port == port);
}

/*
 * SIP dialogs (xnat_sip_dialogs): what the ALG learnt of a call or a
 * registration, keyed by the Call-ID (hashed) and the phone's LAN address.
 * The fast path creates and updates them; xnatd's collector removes ended
 * and expired ones with the media mappings they own.
 */
#define XNAT_SIP_DIALOG_PORTS 16

enum xnat_sip_state {
	XNAT_SIP_EARLY = 0,      /* INVITE sent or received, no 2xx yet */
	XNAT_SIP_CONFIRMED = 1,  /* 2xx to the INVITE */
	XNAT_SIP_ENDED = 2,      /* BYE, CANCEL, failure, unregistered: remove */
	XNAT_SIP_REGISTERING = 3, /* REGISTER sent, no 2xx yet */
	XNAT_SIP_REGISTERED = 4, /* the binding lives until expires */
};

struct xnat_sip_dialog_key {
	__u64 call_id;   /* FNV-1a hash of the Call-ID */
	__be32 lan_addr; /* the phone */
	__u32 pad;
};

struct xnat_sip_dialog {
	__u32 last_seen; /* seconds: the last message, or media seen by the collector */
	__u32 expires;   /* REGISTERED: the binding's end (seconds); 0 otherwise */
	__be16 lan_port; /* the phone's signalling port ... */
	__be16 ext_port; /* ... and its external port (kept mapped while the dialog lives) */
	__u8 state;      /* enum xnat_sip_state */
	__u8 n_ports;    /* media_ext[] entries in use */
	__u16 pad;
	__be16 media_ext[XNAT_SIP_DIALOG_PORTS]; /* UDP ports of the media mappings it owns */
};

/*
 * SIP over TCP: a rewrite changes the length of the byte stream, so every
 * later sequence number of that side, and every acknowledgement of it from
 * the other, is moved by the sum of the changes (as nf_ct_seqadj does).
 * xnat_sip_seqadj (LRU) holds it per connection, seen from the LAN host.
 */
struct xnat_seqadj_key {
	__be32 lan_addr;
	__be32 rem_addr;
	__be16 lan_port;
	__be16 rem_port;
};

/* One direction's stream: bytes at or before corr_pos (the start of the last
 * rewritten segment) are moved by before, later ones by after. */
struct xnat_seqadj_dir {
	__u32 corr_pos; /* host order, as the sender numbered it */
	__s32 before;
	__s32 after;
};

struct xnat_seqadj {
	struct xnat_seqadj_dir dir[2]; /* [XNAT_DIR_OUT]: the LAN host's stream; [XNAT_DIR_IN]: the peer's */
	__u32 last_seen;
	__u32 pad;
};

#define XNAT_MAX_SIP_TCP 4096

/* Key of xnat_frags (LRU): a datagram's fragments, as they arrive. */
struct xnat_frag_key {
	__be32 saddr;
	__be32 daddr;
	__be16 id;
	__u8 proto;
	__u8 pad;
};

/* Value of xnat_frags: the addresses the first fragment was translated to. */
struct xnat_frag {
	__be32 saddr;
	__be32 daddr;
	__u16 stat; /* enum xnat_stat the first fragment was counted as */
	__u8 slow;  /* the first one went to xnatd's slow path: so do the others */
	__u8 pad;
};

/*
 * Per-host quota: xnat_host_alloc (written only by the fast path) counts the
 * mappings a LAN host was given, xnat_host_freed (written only by xnatd) the
 * ones collected. In use = alloc - freed. Key: __be32 host address; value:
 * __u64. Two maps so neither writer overwrites the other's count.
 */

#endif
