// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <xnat/progs.h>
#include <xnat/links.h>
#include "addr_class.h"
#include "progload.h"
#include "mapwalk.h"
#include "ports.h"
#include "xnatctl.h"

static const char *const prog_names[] = { "xnat_xdp_lan", "xnat_xdp_wan", "xnat_tc_ingress",
					  "xnat_tc_egress" };

struct status {
	struct xnat_config cfg;
	int xnatd_pid;            /* 0: not running */
	bool progs_pinned;
	char ext[INET_ADDRSTRLEN];
	char wan[IF_NAMESIZE];
	__u32 sessions;
	__u32 mappings;
	__u32 by_owner[XNAT_OWNER_MAX];
	struct xnat_prog_info progs[XNAT_MAX_PROGS]; /* as xnatd loaded them (xnat_progs) */
	unsigned int n_progs;
	/* as xnatd attached them (xnat_links), then the bridge ports on XDP */
	struct xnat_link_info links[XNAT_MAX_LINKS + XNAT_MAX_BRIDGE_PORTS];
	unsigned int n_links;
};

static const char *filtering_name(__u8 f)
{
	switch (f) {
	case XNAT_FILTER_ENDPOINT_INDEPENDENT: return "endpoint-independent";
	case XNAT_FILTER_ADDRESS_DEPENDENT: return "address-dependent";
	case XNAT_FILTER_ADDRESS_PORT_DEPENDENT: return "address-and-port-dependent";
	default: return "?";
	}
}

/* xnatd's pid link points at /proc/PID: there exactly while it runs (a link
 * left by kill -9 points at a /proc entry that is gone). */
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

/* xnatd pins its programs under <pin root>/progs/ once attached. */
static bool programs_pinned(const char *pin_root)
{
	char path[PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(prog_names) / sizeof(prog_names[0]); i++) {
		snprintf(path, sizeof(path), "%s/progs/%s", pin_root, prog_names[i]);
		if (access(path, F_OK))
			return false;
	}
	return true;
}

/* The map NAME pinned under pin_root: its fd, or -1. */
static int pinned_map(const char *pin_root, const char *name)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", pin_root, name);
	return bpf_obj_get(path);
}

/* What xnatd says it loaded (the map xnat_progs; none from an older xnat). */
static void read_progs(const char *pin_root, struct status *s)
{
	int fd = pinned_map(pin_root, XNAT_MAP_PROGS);

	if (fd < 0)
		return;
	for (__u32 i = 0; i < XNAT_MAX_PROGS; i++) {
		struct xnat_prog_info pi;

		if (bpf_map_lookup_elem(fd, &i, &pi) || pi.state == XNAT_PROG_UNUSED)
			continue;
		pi.name[sizeof(pi.name) - 1] = '\0';
		pi.reason[sizeof(pi.reason) - 1] = '\0';
		s->progs[s->n_progs++] = pi;
	}
	close(fd);
}

/* Which path each interface takes (the map xnat_links; none from an older xnat). */
static void read_links(const char *pin_root, struct status *s)
{
	int fd = pinned_map(pin_root, XNAT_MAP_LINKS);

	if (fd < 0)
		return;
	for (__u32 i = 0; i < XNAT_MAX_LINKS; i++) {
		struct xnat_link_info l;

		if (bpf_map_lookup_elem(fd, &i, &l) || l.role == XNAT_LINK_UNUSED)
			continue;
		l.name[sizeof(l.name) - 1] = '\0';
		l.why[sizeof(l.why) - 1] = '\0';
		s->links[s->n_links++] = l;
	}
	close(fd);
}

/* The bridge ports on the XDP path (xnat_bridge_ports), after the links. */
static void read_bridge_ports(const char *pin_root, struct status *s)
{
	int fd = pinned_map(pin_root, XNAT_MAP_BRIDGE_PORTS);
	struct xnat_snapshot ports;

	if (fd < 0)
		return;
	if (!xnat_snapshot_take(fd, sizeof(__u32), sizeof(struct xnat_bridge_port), &ports)) {
		for (size_t i = 0; i < ports.n && s->n_links < sizeof(s->links) / sizeof(s->links[0]); i++) {
			const struct xnat_bridge_port *bp = xnat_snapshot_val(&ports, i);
			struct xnat_link_info *l = &s->links[s->n_links++];

			memset(l, 0, sizeof(*l));
			snprintf(l->name, sizeof(l->name), "%.*s", (int)sizeof(bp->name) - 1, bp->name);
			l->ifindex = *(const __u32 *)xnat_snapshot_key(&ports, i);
			l->role = XNAT_LINK_BRIDGE_PORT;
			l->path = XNAT_PATH_XDP_NATIVE;
			snprintf(l->why, sizeof(l->why), "port of %.*s, %s", (int)sizeof(bp->bridge) - 1, bp->bridge,
				 bp->forwarding ? "forwarding: frames to the WAN" : "not forwarding (STP): all to the bridge");
		}
		xnat_snapshot_free(&ports);
	}
	close(fd);
}

static const char *link_role_name(__u8 role)
{
	return role == XNAT_LINK_WAN ? "wan" : role == XNAT_LINK_BRIDGE_PORT ? "bridge-port" : "lan";
}

static const char *link_path_name(__u8 path)
{
	return path == XNAT_PATH_XDP_NATIVE ? "xdp" : path == XNAT_PATH_XDP_SKB ? "xdp-skb" : "tc";
}

static const char *prog_state_name(__u32 state)
{
	return state == XNAT_PROG_LOADED ? "loaded" : state == XNAT_PROG_REFUSED ? "refused" : "?";
}

static int gather(struct ctl *c, struct status *s)
{
	struct xnat_snapshot flows;
	struct xnat_port_table ports;
	int err;

	err = xnat_config_read(c->maps.config, &s->cfg);
	if (err)
		return ctl_fail("reading " XNAT_MAP_CONFIG, err);
	err = xnat_snapshot_take(c->maps.flows, sizeof(struct xnat_flow_key), sizeof(struct xnat_flow),
				 &flows);
	if (err)
		return ctl_fail("reading " XNAT_MAP_FLOWS, err);
	for (size_t i = 0; i < flows.n; i++)
		s->sessions += ((struct xnat_flow_key *)xnat_snapshot_key(&flows, i))->dir == XNAT_DIR_OUT;
	xnat_snapshot_free(&flows);

	err = xnat_ports_open(c->maps.ports, false, &ports);
	if (err)
		return ctl_fail("reading " XNAT_MAP_PORTS, err);
	for (__u32 slot = 0; slot < XNAT_PORT_SLOTS; slot++) {
		const struct xnat_port_owner *o = &ports.slots[slot];

		if (!o->in_use)
			continue;
		s->mappings++;
		if (o->owner < XNAT_OWNER_MAX)
			s->by_owner[o->owner]++;
	}
	xnat_ports_close(&ports);

	s->xnatd_pid = xnatd_pid(c->pin_root);
	s->progs_pinned = programs_pinned(c->pin_root);
	read_progs(c->pin_root, s);
	read_links(c->pin_root, s);
	read_bridge_ports(c->pin_root, s);
	ctl_addr(s->ext, sizeof(s->ext), s->cfg.ext_addr);
	if (!s->cfg.wan_ifindex || !if_indextoname(s->cfg.wan_ifindex, s->wan))
		snprintf(s->wan, sizeof(s->wan), "?");
	return CTL_OK;
}

static const char *sip_dirs_name(__u8 dirs)
{
	switch (dirs & (XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN)) {
	case XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN: return "both";
	case XNAT_SIP_DIR_OUT: return "outbound";
	case XNAT_SIP_DIR_IN: return "inbound";
	default: return "off";
	}
}

static int sip_alg_on(const struct xnat_config *m)
{
	for (int i = 0; i < XNAT_SIP_PORTS; i++)
		if (m->sip[i].port)
			return 1;
	return 0;
}

static void print_json(const struct ctl *c, const struct status *s)
{
	const struct xnat_config *m = &s->cfg;
	struct xnat_json j;

	xnat_json_init(&j, stdout);
	xnat_json_object_begin(&j);
	xnat_json_kv_string(&j, "pin_root", c->pin_root);
	xnat_json_kv_bool(&j, "xnatd_running", s->xnatd_pid > 0);
	if (s->xnatd_pid > 0)
		xnat_json_kv_uint(&j, "xnatd_pid", s->xnatd_pid);
	else
		xnat_json_kv_null(&j, "xnatd_pid");
	xnat_json_kv_bool(&j, "programs_pinned", s->progs_pinned);
	xnat_json_kv_bool(&j, "enabled", m->flags & XNAT_CFG_ENABLED);
	xnat_json_kv_string(&j, "external_address", s->ext);
	xnat_json_kv_string(&j, "external_address_class", xnat_addr_class_name(xnat_addr_classify(m->ext_addr)));
	xnat_json_kv_uint(&j, "wan_ifindex", m->wan_ifindex);
	xnat_json_kv_string(&j, "wan_interface", s->wan);
	xnat_json_kv_uint(&j, "port_min", m->port_min);
	xnat_json_kv_uint(&j, "port_max", m->port_max);
	xnat_json_kv_string(&j, "filtering", filtering_name(m->filtering));
	xnat_json_kv_bool(&j, "hairpin", m->flags & XNAT_CFG_HAIRPIN);
	xnat_json_kv_uint(&j, "max_ports_per_host", m->max_ports_per_host);
	xnat_json_key(&j, "timeouts");
	xnat_json_object_begin(&j);
	xnat_json_kv_uint(&j, "udp", m->timeout_udp);
	xnat_json_kv_uint(&j, "tcp_established", m->timeout_tcp_established);
	xnat_json_kv_uint(&j, "tcp_transitory", m->timeout_tcp_transitory);
	xnat_json_kv_uint(&j, "icmp", m->timeout_icmp);
	xnat_json_kv_uint(&j, "sip_dialog", m->timeout_sip_dialog);
	xnat_json_object_end(&j);
	xnat_json_key(&j, "sip_alg");
	xnat_json_array_begin(&j);
	for (int i = 0; i < XNAT_SIP_PORTS; i++) {
		if (!m->sip[i].port)
			continue;
		xnat_json_object_begin(&j);
		xnat_json_kv_uint(&j, "port", m->sip[i].port);
		xnat_json_kv_string(&j, "directions", sip_dirs_name(m->sip[i].dirs));
		xnat_json_object_end(&j);
	}
	xnat_json_array_end(&j);
	xnat_json_key(&j, "interfaces");
	xnat_json_array_begin(&j);
	for (unsigned int i = 0; i < s->n_links; i++) {
		const struct xnat_link_info *l = &s->links[i];

		xnat_json_object_begin(&j);
		xnat_json_kv_string(&j, "name", l->name);
		xnat_json_kv_string(&j, "role", link_role_name(l->role));
		xnat_json_kv_string(&j, "path", link_path_name(l->path));
		xnat_json_kv_string(&j, "why", l->why);
		xnat_json_object_end(&j);
	}
	xnat_json_array_end(&j);
	xnat_json_key(&j, "programs");
	xnat_json_array_begin(&j);
	for (unsigned int i = 0; i < s->n_progs; i++) {
		const struct xnat_prog_info *pi = &s->progs[i];

		xnat_json_object_begin(&j);
		xnat_json_kv_string(&j, "name", pi->name);
		xnat_json_kv_string(&j, "state", prog_state_name(pi->state));
		xnat_json_kv_string(&j, "feature", xnat_feature_name(pi->feature));
		xnat_json_kv_uint(&j, "verified_insns", pi->insns);
		if (pi->state == XNAT_PROG_REFUSED)
			xnat_json_kv_string(&j, "reason", pi->reason);
		xnat_json_object_end(&j);
	}
	xnat_json_array_end(&j);
	xnat_json_key(&j, "features_off");
	xnat_json_array_begin(&j);
	for (unsigned int i = 0; i < s->n_progs; i++) {
		const struct xnat_prog_info *pi = &s->progs[i];

		if (pi->state != XNAT_PROG_REFUSED)
			continue;
		xnat_json_object_begin(&j);
		xnat_json_kv_string(&j, "feature", xnat_feature_name(pi->feature));
		xnat_json_kv_string(&j, "program", pi->name);
		xnat_json_kv_string(&j, "reason", pi->reason);
		xnat_json_object_end(&j);
	}
	xnat_json_array_end(&j);
	xnat_json_kv_uint(&j, "sessions", s->sessions);
	xnat_json_kv_uint(&j, "mappings", s->mappings);
	xnat_json_key(&j, "mappings_by_owner");
	xnat_json_object_begin(&j);
	for (int o = 0; o < XNAT_OWNER_MAX; o++)
		xnat_json_kv_uint(&j, ctl_owner_name(o), s->by_owner[o]);
	xnat_json_object_end(&j);
	xnat_json_object_end(&j);
}

static unsigned int features_off(const struct status *s)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < s->n_progs; i++)
		n += s->progs[i].state == XNAT_PROG_REFUSED;
	return n;
}

static void print_text(const struct status *s)
{
	const struct xnat_config *m = &s->cfg;
	const char *note = xnat_addr_class_note(xnat_addr_classify(m->ext_addr));
	const char *sep = " (";

	if (s->xnatd_pid > 0)
		printf("xnatd:             running (pid %d)\n", s->xnatd_pid);
	else
		printf("xnatd:             not running\n");
	printf("interfaces:        %s\n", s->n_links ? "" : "(none said)");
	for (unsigned int i = 0; i < s->n_links; i++)
		printf("  %-16s %s, %s path: %s\n", s->links[i].name,
		       s->links[i].role == XNAT_LINK_WAN ? "WAN" : s->links[i].role == XNAT_LINK_BRIDGE_PORT ? "port" : "LAN",
		       link_path_name(s->links[i].path), s->links[i].why);
	printf("programs:          %s\n", s->progs_pinned ? "pinned" : "not pinned");
	for (unsigned int i = 0; i < s->n_progs; i++) {
		const struct xnat_prog_info *pi = &s->progs[i];

		if (pi->state == XNAT_PROG_LOADED)
			printf("  %-22s loaded (%u instructions verified)\n", pi->name, pi->insns);
		else
			printf("  %-22s refused by this kernel: %s\n", pi->name, pi->reason);
	}
	printf("features off:      ");
	for (unsigned int i = 0, n = 0; i < s->n_progs; i++)
		if (s->progs[i].state == XNAT_PROG_REFUSED)
			printf("%s%s", n++ ? "; " : "", xnat_feature_name(s->progs[i].feature));
	printf("%s\n", features_off(s) ? "" : "none");
	printf("enabled:           %s\n", m->flags & XNAT_CFG_ENABLED ? "yes" : "no (no external address yet)");
	printf("external address:  %s\n", s->ext);
	if (note)
		printf("                   %s\n", note);
	printf("wan interface:     %s (ifindex %u)\n", s->wan, m->wan_ifindex);
	printf("port range:        %u-%u\n", m->port_min, m->port_max);
	printf("filtering:         %s\n", filtering_name(m->filtering));
	printf("hairpin:           %s\n", m->flags & XNAT_CFG_HAIRPIN ? "yes" : "no");
	if (m->max_ports_per_host)
		printf("ports per host:    %u\n", m->max_ports_per_host);
	else
		printf("ports per host:    unlimited\n");
	printf("timeouts:          udp %us, tcp established %us, tcp transitory %us, icmp %us, "
	       "sip dialog %us\n", m->timeout_udp, m->timeout_tcp_established, m->timeout_tcp_transitory,
	       m->timeout_icmp, m->timeout_sip_dialog);
	printf("sip alg:           ");
	for (int i = 0, n = 0; i < XNAT_SIP_PORTS; i++)
		if (m->sip[i].port)
			printf("%sudp %u %s", n++ ? ", " : "", m->sip[i].port, sip_dirs_name(m->sip[i].dirs));
	printf("%s\n", sip_alg_on(m) ? "" : "off");
	printf("sessions:          %u\n", s->sessions);
	printf("mappings:          %u", s->mappings);
	for (int o = 0; o < XNAT_OWNER_MAX; o++) {
		if (!s->by_owner[o])
			continue;
		printf("%s%s %u", sep, ctl_owner_name(o), s->by_owner[o]);
		sep = ", ";
	}
	printf("%s\n", s->mappings ? ")" : "");
}

int cmd_status(struct ctl *c, int argc, char **argv)
{
	struct status s = {};
	int rc;

	(void)argv;
	if (argc)
		return ctl_usage("status");
	if (ctl_open(c))
		return CTL_ERR;
	rc = gather(c, &s);
	if (rc)
		return rc;
	if (c->json)
		print_json(c, &s);
	else
		print_text(&s);
	return CTL_OK;
}
