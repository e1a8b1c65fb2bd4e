// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mapwalk.h"
#include "ports.h"
#include "xnatctl.h"

static const char *filtering_name(__u8 f)
{
	switch (f) {
	case XNAT_FILTER_ENDPOINT_INDEPENDENT: return "endpoint-independent";
	case XNAT_FILTER_ADDRESS_DEPENDENT: return "address-dependent";
	case XNAT_FILTER_ADDRESS_PORT_DEPENDENT: return "address-and-port-dependent";
	default: return "?";
	}
}

/* xnatd's pid link points at /proc/PID: readable exactly while it runs. */
static int xnatd_pid(const char *pin_root)
{
	char path[PATH_MAX + 16], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/xnatd_pid", pin_root);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	if (strncmp(target, "/proc/", 6) || access(target, F_OK))
		return 0;
	return atoi(target + 6);
}

static int programs_pinned(const char *pin_root)
{
	static const char *const progs[] = { "xnat_xdp_lan", "xnat_xdp_wan", "xnat_tc_ingress",
					     "xnat_tc_egress" };
	char path[PATH_MAX + 32];

	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/progs/%s", pin_root, progs[i]);
		if (access(path, F_OK))
			return 0;
	}
	return 1;
}

int cmd_status(struct ctl *c, int argc, char **argv)
{
	struct xnat_snapshot flows;
	struct xnat_port_table ports;
	__u32 sessions = 0, by_owner[XNAT_OWNER_MAX] = {};
	char addr[INET_ADDRSTRLEN], ifname[IF_NAMESIZE] = "?";
	struct xnat_config m;
	int pid = xnatd_pid(c->pin_root);

	(void)argv;
	if (argc) {
		fprintf(stderr, "xnatctl: status takes no arguments\n");
		return 2;
	}
	if (xnat_config_read(c->maps.config, &m) ||
	    xnat_snapshot_take(c->maps.flows, sizeof(struct xnat_flow_key), sizeof(struct xnat_flow), &flows)) {
		perror("xnatctl: reading the maps");
		return 1;
	}
	if (xnat_ports_open(c->maps.ports, false, &ports)) {
		xnat_snapshot_free(&flows);
		perror("xnatctl: reading the maps");
		return 1;
	}
	for (size_t i = 0; i < flows.n; i++)
		sessions += ((struct xnat_flow_key *)xnat_snapshot_key(&flows, i))->dir == XNAT_DIR_OUT;
	for (__u32 slot = 0; slot < XNAT_PORT_SLOTS; slot++) {
		const struct xnat_port_owner *o = &ports.slots[slot];

		if (o->in_use && o->owner < XNAT_OWNER_MAX)
			by_owner[o->owner]++;
	}
	inet_ntop(AF_INET, &m.ext_addr, addr, sizeof(addr));
	if_indextoname(m.wan_ifindex, ifname);

	if (c->json) {
		struct xnat_json j;

		xnat_json_init(&j, stdout);
		xnat_json_object_begin(&j);
		xnat_json_kv_bool(&j, "xnatd_running", pid > 0);
		if (pid > 0)
			xnat_json_kv_uint(&j, "xnatd_pid", pid);
		xnat_json_kv_bool(&j, "programs_pinned", programs_pinned(c->pin_root));
		xnat_json_kv_bool(&j, "enabled", m.flags & XNAT_CFG_ENABLED);
		xnat_json_kv_string(&j, "external_address", addr);
		xnat_json_kv_uint(&j, "wan_ifindex", m.wan_ifindex);
		xnat_json_kv_string(&j, "wan_interface", ifname);
		xnat_json_kv_uint(&j, "port_min", m.port_min);
		xnat_json_kv_uint(&j, "port_max", m.port_max);
		xnat_json_kv_string(&j, "filtering", filtering_name(m.filtering));
		xnat_json_kv_bool(&j, "hairpin", m.flags & XNAT_CFG_HAIRPIN);
		xnat_json_kv_uint(&j, "max_ports_per_host", m.max_ports_per_host);
		xnat_json_key(&j, "timeouts");
		xnat_json_object_begin(&j);
		xnat_json_kv_uint(&j, "udp", m.timeout_udp);
		xnat_json_kv_uint(&j, "tcp_established", m.timeout_tcp_established);
		xnat_json_kv_uint(&j, "tcp_transitory", m.timeout_tcp_transitory);
		xnat_json_kv_uint(&j, "icmp", m.timeout_icmp);
		xnat_json_object_end(&j);
		xnat_json_kv_uint(&j, "sessions", sessions);
		xnat_json_key(&j, "mappings");
		xnat_json_object_begin(&j);
		for (int o = 0; o < XNAT_OWNER_MAX; o++)
			xnat_json_kv_uint(&j, ctl_owner_name(o), by_owner[o]);
		xnat_json_object_end(&j);
		xnat_json_object_end(&j);
	} else {
		printf("xnatd:             %s", pid > 0 ? "running" : "not running");
		if (pid > 0)
			printf(" (pid %d)", pid);
		printf("\nprograms:          %s\n", programs_pinned(c->pin_root) ? "pinned" : "not pinned");
		printf("nat:               %s\n", m.flags & XNAT_CFG_ENABLED ? "enabled" : "disabled (no external address)");
		printf("external address:  %s on %s (ifindex %u)\n", addr, ifname, m.wan_ifindex);
		printf("port range:        %u-%u\n", m.port_min, m.port_max);
		printf("filtering:         %s\n", filtering_name(m.filtering));
		printf("hairpin:           %s\n", m.flags & XNAT_CFG_HAIRPIN ? "yes" : "no");
		printf("ports per host:    %s", m.max_ports_per_host ? "" : "unlimited\n");
		if (m.max_ports_per_host)
			printf("%u\n", m.max_ports_per_host);
		printf("timeouts:          udp %us, tcp established %us, tcp transitory %us, icmp %us\n",
		       m.timeout_udp, m.timeout_tcp_established, m.timeout_tcp_transitory, m.timeout_icmp);
		printf("sessions:          %u\n", sessions);
		printf("mappings:         ");
		for (int o = 0; o < XNAT_OWNER_MAX; o++)
			if (by_owner[o] || o == XNAT_OWNER_DYNAMIC)
				printf(" %s %u", ctl_owner_name(o), by_owner[o]);
		printf("\n");
	}
	xnat_snapshot_free(&flows);
	xnat_ports_close(&ports);
	return 0;
}
