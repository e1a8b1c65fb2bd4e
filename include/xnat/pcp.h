/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * NAT-PMP (RFC 6886) and PCP (RFC 6887) on the wire: one definition for
 * xnatd's server and the xnat-pcp client. Every multi-byte field is in
 * network order; addresses are 16 bytes, IPv4 as IPv4-mapped IPv6
 * (::ffff:a.b.c.d). The structs are packed images of the datagrams: decode
 * by copying (after a length check), never by casting a receive buffer.
 */
#ifndef XNAT_PCP_H
#define XNAT_PCP_H

#include <linux/types.h>

#define XNAT_PCP_SERVER_PORT 5351   /* requests to the gateway (both protocols) */
#define XNAT_PCP_CLIENT_PORT 5350   /* announcements, to 224.0.0.1 */
#define XNAT_PCP_MAX_DATAGRAM 1100  /* RFC 6887 7: requests and responses are at most 1100 bytes */

/* ---------------------------------------------------------------- NAT-PMP */

#define XNAT_NATPMP_VERSION 0
#define XNAT_NATPMP_OP_ADDRESS 0
#define XNAT_NATPMP_OP_MAP_UDP 1
#define XNAT_NATPMP_OP_MAP_TCP 2
#define XNAT_NATPMP_OP_RESPONSE 128 /* added to the request's opcode */

enum xnat_natpmp_result {
	XNAT_NATPMP_SUCCESS = 0,
	XNAT_NATPMP_UNSUPP_VERSION = 1,
	XNAT_NATPMP_REFUSED = 2,         /* not authorized */
	XNAT_NATPMP_NETWORK_FAILURE = 3, /* e.g. no external address yet */
	XNAT_NATPMP_NO_RESOURCES = 4,
	XNAT_NATPMP_UNSUPP_OPCODE = 5,
};

struct xnat_natpmp_hdr {
	__u8 version;
	__u8 opcode;
} __attribute__((packed));

struct xnat_natpmp_map_req {
	__u8 version;
	__u8 opcode;          /* 1: UDP, 2: TCP */
	__be16 reserved;
	__be16 internal_port;
	__be16 external_port; /* suggested; 0: any */
	__be32 lifetime;      /* seconds; 0: delete */
} __attribute__((packed));

/* Every response starts so (the address response is exactly this + address). */
struct xnat_natpmp_resp_hdr {
	__u8 version;
	__u8 opcode;      /* request's + 128 */
	__be16 result;    /* enum xnat_natpmp_result */
	__be32 epoch;     /* seconds since the mapping table was (re)started */
} __attribute__((packed));

struct xnat_natpmp_addr_resp {
	struct xnat_natpmp_resp_hdr h;
	__be32 external_addr;
} __attribute__((packed));

struct xnat_natpmp_map_resp {
	struct xnat_natpmp_resp_hdr h;
	__be16 internal_port;
	__be16 external_port;
	__be32 lifetime;
} __attribute__((packed));

/* ---------------------------------------------------------------- PCP */

#define XNAT_PCP_VERSION 2
#define XNAT_PCP_RESPONSE_BIT 0x80
#define XNAT_PCP_OP_ANNOUNCE 0
#define XNAT_PCP_OP_MAP 1
#define XNAT_PCP_OP_PEER 2

enum xnat_pcp_result {
	XNAT_PCP_SUCCESS = 0,
	XNAT_PCP_UNSUPP_VERSION = 1,
	XNAT_PCP_NOT_AUTHORIZED = 2,
	XNAT_PCP_MALFORMED_REQUEST = 3,
	XNAT_PCP_UNSUPP_OPCODE = 4,
	XNAT_PCP_UNSUPP_OPTION = 5,
	XNAT_PCP_MALFORMED_OPTION = 6,
	XNAT_PCP_NETWORK_FAILURE = 7,
	XNAT_PCP_NO_RESOURCES = 8,
	XNAT_PCP_UNSUPP_PROTOCOL = 9,
	XNAT_PCP_USER_EX_QUOTA = 10,
	XNAT_PCP_CANNOT_PROVIDE_EXTERNAL = 11,
	XNAT_PCP_ADDRESS_MISMATCH = 12,
	XNAT_PCP_EXCESSIVE_REMOTE_PEERS = 13,
};

/* Option codes (RFC 6887 13); codes 128-255 are optional to understand. */
#define XNAT_PCP_OPT_THIRD_PARTY 1
#define XNAT_PCP_OPT_PREFER_FAILURE 2
#define XNAT_PCP_OPT_FILTER 3
#define XNAT_PCP_OPT_OPTIONAL 128

struct xnat_pcp_req_hdr {
	__u8 version;
	__u8 opcode;          /* R bit clear */
	__be16 reserved;
	__be32 lifetime;      /* requested, seconds */
	__u8 client_addr[16]; /* the client's own address, as it sent the request */
} __attribute__((packed));

struct xnat_pcp_resp_hdr {
	__u8 version;
	__u8 opcode;          /* R bit set */
	__u8 reserved;
	__u8 result;          /* enum xnat_pcp_result */
	__be32 lifetime;      /* granted, or how long an error holds */
	__be32 epoch;
	__u8 reserved2[12];
} __attribute__((packed));

/* MAP's opcode data; PEER's starts the same way. */
struct xnat_pcp_map {
	__u8 nonce[12];
	__u8 protocol;        /* IANA number; 0: all protocols */
	__u8 reserved[3];
	__be16 internal_port; /* 0: all ports (with protocol 0 only) */
	__be16 external_port; /* suggested / assigned */
	__u8 external_addr[16];
} __attribute__((packed));

struct xnat_pcp_peer {
	struct xnat_pcp_map map;
	__be16 remote_port;
	__be16 reserved;
	__u8 remote_addr[16];
} __attribute__((packed));

struct xnat_pcp_opt_hdr {
	__u8 code;
	__u8 reserved;
	__be16 length;        /* of the data, not padded; the data is padded to 4 bytes */
} __attribute__((packed));

/* FILTER's data: which remote peers may send through the mapping. */
struct xnat_pcp_filter {
	__u8 reserved;
	__u8 prefix_len;      /* of the 128-bit form: 96 + the IPv4 prefix */
	__be16 remote_port;   /* 0: any */
	__u8 remote_addr[16];
} __attribute__((packed));

_Static_assert(sizeof(struct xnat_natpmp_map_req) == 12, "NAT-PMP map request");
_Static_assert(sizeof(struct xnat_natpmp_addr_resp) == 12, "NAT-PMP address response");
_Static_assert(sizeof(struct xnat_natpmp_map_resp) == 16, "NAT-PMP map response");
_Static_assert(sizeof(struct xnat_pcp_req_hdr) == 24, "PCP request header");
_Static_assert(sizeof(struct xnat_pcp_resp_hdr) == 24, "PCP response header");
_Static_assert(sizeof(struct xnat_pcp_map) == 36, "PCP MAP opcode data");
_Static_assert(sizeof(struct xnat_pcp_peer) == 56, "PCP PEER opcode data");
_Static_assert(sizeof(struct xnat_pcp_filter) == 20, "PCP FILTER option data");

#endif
