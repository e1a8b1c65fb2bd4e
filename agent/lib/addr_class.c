// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <stddef.h>
#include "addr_class.h"

static const struct range {
	__u32 net, mask;
	enum xnat_addr_class class;
} ranges[] = {
	{ 0x00000000, 0xff000000, XNAT_ADDR_RESERVED },
	{ 0x0a000000, 0xff000000, XNAT_ADDR_PRIVATE },
	{ 0x64400000, 0xffc00000, XNAT_ADDR_SHARED },
	{ 0x7f000000, 0xff000000, XNAT_ADDR_LOOPBACK },
	{ 0xa9fe0000, 0xffff0000, XNAT_ADDR_LINK_LOCAL },
	{ 0xac100000, 0xfff00000, XNAT_ADDR_PRIVATE },
	{ 0xc0000000, 0xffffff00, XNAT_ADDR_RESERVED },
	{ 0xc0000200, 0xffffff00, XNAT_ADDR_DOCUMENTATION },
	{ 0xc0a80000, 0xffff0000, XNAT_ADDR_PRIVATE },
	{ 0xc6120000, 0xfffe0000, XNAT_ADDR_BENCHMARK },
	{ 0xc6336400, 0xffffff00, XNAT_ADDR_DOCUMENTATION },
	{ 0xcb007100, 0xffffff00, XNAT_ADDR_DOCUMENTATION },
	{ 0xe0000000, 0xe0000000, XNAT_ADDR_RESERVED }, /* multicast and 240/4 */
};

enum xnat_addr_class xnat_addr_classify(__be32 addr)
{
	__u32 a = ntohl(addr);

	if (!a)
		return XNAT_ADDR_NONE;
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if ((a & ranges[i].mask) == ranges[i].net)
			return ranges[i].class;
	return XNAT_ADDR_PUBLIC;
}

const char *xnat_addr_class_name(enum xnat_addr_class c)
{
	switch (c) {
	case XNAT_ADDR_PUBLIC: return "public";
	case XNAT_ADDR_PRIVATE: return "private";
	case XNAT_ADDR_SHARED: return "shared";
	case XNAT_ADDR_DOCUMENTATION: return "documentation";
	case XNAT_ADDR_BENCHMARK: return "benchmarking";
	case XNAT_ADDR_LINK_LOCAL: return "link-local";
	case XNAT_ADDR_LOOPBACK: return "loopback";
	case XNAT_ADDR_RESERVED: return "reserved";
	case XNAT_ADDR_NONE: return "none";
	}
	return "?";
}

const char *xnat_addr_class_note(enum xnat_addr_class c)
{
	switch (c) {
	case XNAT_ADDR_PUBLIC:
	case XNAT_ADDR_NONE:
		return NULL;
	case XNAT_ADDR_PRIVATE:
		return "private address (RFC 1918): behind another NAT (double NAT); mapped ports reach "
		       "the Internet only if that NAT forwards them too";
	case XNAT_ADDR_SHARED:
		return "shared address (RFC 6598): behind a carrier-grade NAT; mapped ports reach the "
		       "Internet only if the carrier's NAT forwards them (PCP to it)";
	case XNAT_ADDR_DOCUMENTATION:
	case XNAT_ADDR_BENCHMARK:
		return "documentation or test address (RFC 5737, RFC 2544): a lab network, not the Internet";
	case XNAT_ADDR_LINK_LOCAL:
	case XNAT_ADDR_LOOPBACK:
	case XNAT_ADDR_RESERVED:
		return "reserved address: not routed on the Internet";
	}
	return NULL;
}
