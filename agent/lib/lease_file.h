/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The lease file: the UPnP, NAT-PMP and PCP leases xnatd granted, saved so
 * they outlive a reboot or an unload of the pinned maps, and read back at
 * start. Only the file: no BPF and no clock here (expires is whatever wall
 * clock time the caller gives); xnatd turns records into leases and back.
 *
 * Text, one lease a line, so an admin can read it with cat:
 *
 *   # xnat leases 2
 *   tcp<TAB>8080<TAB>192.168.1.20<TAB>80<TAB>upnp<TAB>0<TAB>-<TAB>1<TAB>web%20server<TAB>-
 *   udp<TAB>5060<TAB>192.168.1.30<TAB>5060<TAB>pcp<TAB>0<TAB>-<TAB>1<TAB>-<TAB>203.0.113.0/24:0,198.51.100.7/32:5060
 *
 * proto (tcp, udp), ext_port, int_addr (a dotted quad), int_port, owner
 * (upnp, natpmp, pcp), expires (Unix seconds, 0: never), nonce (24
 * lowercase hex digits, or "-" for none), enabled (0 or 1), description,
 * filters. The description is percent-encoded: '%' and every byte outside
 * 0x21..0x7e as %XX in uppercase hex, so it holds no blank, tab or line
 * end; an empty one is written "-" (and "-" itself as %2D). filters are a
 * PCP lease's FILTER rules (RFC 6887 13.3), "-" for none, else 1 to
 * XNAT_PORT_FILTERS of them apart by commas, each a.b.c.d/len:port (the
 * remote peers' prefix, len 1..32, and their port, 0 for any), numbers in
 * decimal without leading zeros.
 *
 * Version 1 files (header "# xnat leases 1", before FILTER) are read too:
 * the same lines without the filters field, records without filters. A
 * save always writes version 2.
 *
 * The file may be damaged (power loss, a hand edit, a full disk): each
 * line is checked whole and a bad one is skipped and counted, costing that
 * lease alone, never the others and never a half-read record.
 */
#ifndef XNAT_AGENT_LEASE_FILE_H
#define XNAT_AGENT_LEASE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <xnat/nat.h>

#define XNAT_LEASE_FILE_MAX 4096  /* records read at most; more are counted as skipped */
#define XNAT_LEASE_DESC_MAX 255   /* UPnP description bytes kept */

struct xnat_lease_record {
	__u8 proto;          /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 owner;          /* XNAT_OWNER_UPNP, XNAT_OWNER_NATPMP or XNAT_OWNER_PCP only */
	__u16 ext_port;      /* host order, 1..65535 */
	__be32 int_addr;     /* network order, not 0 */
	__u16 int_port;      /* host order, 1..65535 */
	__u64 expires;       /* wall clock (Unix seconds) when it ends; 0: never (a permanent UPnP IGD:1 lease) */
	bool has_nonce;
	__u8 nonce[12];      /* PCP's mapping nonce (all zero when !has_nonce after a load) */
	bool enabled;        /* UPnP NewEnabled */
	/* PCP FILTER rules (owner XNAT_OWNER_PCP only; 0: anyone may send
	 * through the mapping): each a prefix of 1..32 bits with its host bits
	 * zero, no rule twice. Only filters[0..n_filters) is saved; pad and
	 * the unused rules are all zero after a load. */
	__u8 n_filters;      /* 0..XNAT_PORT_FILTERS */
	struct xnat_remote_filter filters[XNAT_PORT_FILTERS];
	char description[XNAT_LEASE_DESC_MAX + 1]; /* UPnP NewPortMappingDescription, any bytes but NUL */
};

/*
 * Save n records to path atomically: written to "<path>.tmp" in the same
 * directory (mode 0600), fsync'd, renamed over path, then the directory
 * fsync'd. Returns 0 or -errno, path untouched then and the temporary
 * removed; except a failed fsync of the directory, after the rename: path
 * holds the new records then, whether they would survive a crash unknown.
 * -EINVAL, nothing written, when a record is one a load would skip (a field
 * out of its range, a description without its NUL within the array, a
 * (proto, ext_port) given twice, filters on a lease not PCP's, over
 * XNAT_PORT_FILTERS of them, one that is not a prefix of 1..32 bits with
 * its host bits zero, one given twice): what is saved loads back as it was
 * (but the filters' pad and unused rules, zero then).
 * More than XNAT_LEASE_FILE_MAX records are all written; a load reads the
 * first XNAT_LEASE_FILE_MAX.
 */
int xnat_lease_file_save(const char *path, const struct xnat_lease_record *r, size_t n);

struct xnat_lease_file_stats {
	unsigned int read, skipped;
};

/*
 * Load path: *out is a malloc'd array of *n records (free() it; NULL and 0
 * when none), in the file's order. A missing file is 0 records, not an
 * error. Returns 0 or -errno: -EISDIR, -EINVAL for another file that is not
 * a regular one, -EINVAL when the first line is not exactly one of the two
 * headers (an empty file too), a read error's; *out NULL, *n 0 and *st zero
 * then.
 *
 * st (may be NULL) counts the records read and the lines skipped: a field
 * count other than 10 (9 in a version 1 file), a number with a sign or over
 * its range, a port 0, an int_addr 0.0.0.0, an address not a plain dotted
 * quad, an unknown protocol or owner, a nonce not of 24 lowercase hex
 * digits, an empty description, a bad or lowercase %XX, %00, a raw byte
 * outside 0x21..0x7e, a description over XNAT_LEASE_DESC_MAX bytes once
 * decoded, filters neither "-" nor 1..XNAT_PORT_FILTERS rules of the form
 * above (a prefix length 0 or over 32, a port over 65535, a leading zero, a
 * sign or blank, an empty rule), a rule with host bits set past its prefix,
 * the same rule twice, filters on an owner other than pcp, a line over 2048
 * bytes (the rest of it skipped, never read as a line of its own), a
 * (proto, ext_port) an earlier record holds, a record past
 * XNAT_LEASE_FILE_MAX. Blank lines and lines starting with '#' are ignored,
 * not counted. A last line without its '\n' is read like the others.
 */
int xnat_lease_file_load(const char *path, struct xnat_lease_record **out, size_t *n,
			 struct xnat_lease_file_stats *st);

#endif
