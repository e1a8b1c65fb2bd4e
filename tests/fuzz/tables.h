/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fast path's tables for the targets that grant leases (fuzz_pcp,
 * fuzz_soap): created once with tests/unit/lease_maps.c (real BPF maps:
 * root needed), emptied in place between runs, and lease.c's getrandom()
 * made reproducible; and the LAN hosts and permission rules they share.
 */
#ifndef XNAT_FUZZ_TABLES_H
#define XNAT_FUZZ_TABLES_H

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "check.h"
#include "portmap_rules.h"
#include "ports.h"
#include "../unit/lease_maps.h"

/* Seeds getrandom() below: set from the input before each call. */
static uint64_t tables_rng;
/* A lasting read-only view of xnat_ports (lease.c maps it anew at each call). */
static const struct xnat_port_owner *tables_slots;

/* lease.c's random first port of the range, made a function of the input. */
ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	(void)flags;
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = (uint8_t)fuzz_next(&tables_rng);
	return (ssize_t)len;
}

static void tables_create(struct xnat_map_fds *m, const char *who)
{
	struct xnat_port_table t;

	if (lease_maps_create(m) || xnat_ports_open(m->ports, false, &t)) {
		/* in the sanitizers' form, which tests/fuzz/run.sh shows */
		fprintf(stderr, "==%d==ERROR: %s: cannot create the BPF maps (%s): this target needs root and BPF\n",
			(int)getpid(), who, strerror(errno));
		exit(1);
	}
	tables_slots = t.slots;
}

static void tables_clear_hash(int fd, size_t key_size)
{
	__u8 key[64];

	CHECK(key_size <= sizeof(key), "key of %zu bytes", key_size);
	while (!bpf_map_get_next_key(fd, NULL, key))
		CHECK(!bpf_map_delete_elem(fd, key), "delete: %s", strerror(errno));
}

/* Every port slot free, no EIM entry, session or filter. */
static void tables_clear(const struct xnat_map_fds *m)
{
	struct xnat_port_table t;

	CHECK(!xnat_ports_open(m->ports, true, &t), "mmap of the port table");
	memset(t.slots, 0, XNAT_PORT_SLOTS * sizeof(*t.slots));
	xnat_ports_close(&t);
	tables_clear_hash(m->eim, sizeof(struct xnat_eim_key));
	tables_clear_hash(m->flows, sizeof(struct xnat_flow_key));
	tables_clear_hash(m->port_filters, sizeof(__u32));
}

/* The LAN both lease-granting targets play on: four hosts (the first byte
 * of an input picks one; 10.0.0.5 is off every rule's network), the
 * external address, and the admin's rules (nothing below 1024; the third
 * host only 20000-20063). */
static const char *const lan_host_names[4] = { "192.168.1.10", "192.168.1.20", "192.168.1.30", "10.0.0.5" };
static const char *const lan_rule_text[] = { "deny 0-1023 0.0.0.0/0 0-65535",
					     "allow 20000-20063 192.168.1.30 0-65535",
					     "deny 0-65535 192.168.1.30 0-65535" };
static __be32 hosts[4], ext;
static struct xnat_pm_rules rules;

static void lan_init(void)
{
	struct xnat_pm_rule r;
	char err[128];

	for (size_t i = 0; i < 4; i++)
		inet_pton(AF_INET, lan_host_names[i], &hosts[i]);
	inet_pton(AF_INET, "198.51.100.1", &ext);
	for (size_t i = 0; i < sizeof(lan_rule_text) / sizeof(lan_rule_text[0]); i++) {
		CHECK(!xnat_pm_rule_parse(lan_rule_text[i], &r, err, sizeof(err)), "%s", err);
		CHECK(!xnat_pm_rules_add(&rules, &r), "rule table");
	}
}

#endif
