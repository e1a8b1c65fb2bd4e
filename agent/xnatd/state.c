// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Keeping the fast path's tables in line with the config and the address. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include "forward.h"
#include "mapwalk.h"
#include "xnat.skel.h"
#include "xnatd.h"

/* xnat_lan_ifaces holds exactly this xnatd's LAN interfaces. */
static int push_lan_ifaces(struct xnatd *d)
{
	__u32 key, next, one = 1;
	int err = 0;

	for (int i = 0; i < d->cfg.n_lan && !err; i++)
		if (bpf_map_update_elem(d->maps.lan_ifaces, &d->lan_ifindex[i], &one, BPF_ANY))
			err = -errno;
	for (int more = !bpf_map_get_next_key(d->maps.lan_ifaces, NULL, &key); more && !err; key = next) {
		bool ours = false;

		more = !bpf_map_get_next_key(d->maps.lan_ifaces, &key, &next);
		for (int i = 0; i < d->cfg.n_lan; i++)
			ours |= d->lan_ifindex[i] == key;
		if (!ours)
			bpf_map_delete_elem(d->maps.lan_ifaces, &key);
	}
	if (err)
		xlog_err("cannot write %s: %s", XNAT_MAP_LAN_IFACES, strerror(-err));
	return err;
}

/* Does xnat_bridge_ports hold a port (a previous xnatd's included)? */
static bool bridge_ports_known(const struct xnatd *d)
{
	__u32 key;

	return d->skel && !bpf_map_get_next_key(bpf_map__fd(d->skel->maps.xnat_bridge_ports), NULL, &key);
}

/* The routing generation after the one in the map: a previous xnatd's
 * too, so that no next hop it let the fast path cache is taken for current. */
static __u32 next_fib_gen(const struct xnatd *d)
{
	struct xnat_config now;

	return xnat_fib_gen_next(xnat_config_read(d->maps.config, &now) ? 0 : now.fib_gen);
}

int xnatd_fib_changed(struct xnatd *d)
{
	struct xnat_config m;
	int err = xnat_config_read(d->maps.config, &m);

	if (!err) {
		m.fib_gen = xnat_fib_gen_next(m.fib_gen);
		err = xnat_config_write(d->maps.config, &m);
	}
	if (err)
		xlog_err("cannot write %s: %s", XNAT_MAP_CONFIG, strerror(-err));
	return err;
}

int xnatd_push_config(struct xnatd *d)
{
	struct xnat_config m = {};
	int err;

	xnat_config_to_map(&d->cfg, &m);
	m.ext_addr = d->ext_addr;
	m.wan_ifindex = d->wan_ifindex;
	if (d->wan_l3)
		m.flags |= XNAT_CFG_WAN_L3;
	/* TCP's MSS fits the WAN's MTU (PPPoE's 1492), whatever the ends say */
	d->wan_mtu = xnatd_link_mtu(d->cfg.wan);
	if (d->wan_mtu >= 576 && d->wan_mtu <= 65535)
		m.wan_mss = (__u16)(d->wan_mtu - 40);
	/* the paths attach.c chose: XDP redirects only to these */
	for (int i = 0, n = 0; i < d->n_links; i++) {
		if (d->links[i].path == XNAT_PATH_TC)
			continue;
		if (d->links[i].role == XNAT_LINK_WAN)
			m.flags |= XNAT_CFG_WAN_XDP;
		else if (n < XNAT_MAX_LAN)
			m.xdp_lans[n++] = d->links[i].ifindex;
	}
	/* Set while a port may have our XDP program: without it the program
	 * would take a port for a LAN interface of its own. */
	if (xnatd_bridge_ports_wanted(d) || bridge_ports_known(d))
		m.flags |= XNAT_CFG_BRIDGE_PORTS;
	if (d->ext_addr)
		m.flags |= XNAT_CFG_ENABLED;
	else
		m.flags &= ~XNAT_CFG_ENABLED;
	/* the paths or the WAN may have changed: every cached next hop is stale */
	m.fib_gen = next_fib_gen(d);
	err = xnat_config_write(d->maps.config, &m);
	if (err)
		xlog_err("cannot write %s: %s", XNAT_MAP_CONFIG, strerror(-err));
	return err ? err : push_lan_ifaces(d);
}

static int rule_covers(const struct xnat_forward *r, __u8 proto, __u16 ext, __be32 addr, __u16 port)
{
	return r->proto == proto && ext >= r->ext_min && ext <= r->ext_max && r->int_addr == addr &&
	       r->int_port + (ext - r->ext_min) == port;
}

static int config_has_port(const struct xnat_agent_config *c, __u8 proto, __u16 ext, __be32 addr,
			   __u16 port)
{
	for (int i = 0; i < c->n_forwards; i++)
		if (rule_covers(&c->forwards[i], proto, ext, addr, port))
			return 1;
	return 0;
}

/* Drop the config-file forwards (owner CONFIG) the config no longer has. */
static void remove_stale_config_forwards(struct xnatd *d)
{
	struct xnat_forward have[256];
	char err[512];
	int n = xnat_forward_list(&d->maps, have, 256);

	for (int i = 0; i < n && i < 256; i++) {
		const struct xnat_forward *h = &have[i];

		if (h->owner != XNAT_OWNER_CONFIG)
			continue;
		for (__u32 ext = h->ext_min; ext <= h->ext_max; ext++) {
			struct xnat_forward one = *h;

			one.ext_min = one.ext_max = ext;
			one.int_port = h->int_port + (ext - h->ext_min);
			if (config_has_port(&d->cfg, one.proto, ext, one.int_addr, one.int_port))
				continue;
			if (xnat_forward_del(&d->maps, &one, err, sizeof(err)) < 0)
				xlog_warn("%s", err);
		}
	}
}

/* Make the CONFIG forwards in the maps exactly the config's. */
int xnatd_sync_forwards(struct xnatd *d)
{
	char err[512], text[96];

	remove_stale_config_forwards(d);
	for (int i = 0; i < d->cfg.n_forwards; i++) {
		if (xnat_forward_add(&d->maps, &d->cfg.forwards[i], err, sizeof(err))) {
			xnat_forward_format(&d->cfg.forwards[i], text, sizeof(text));
			xlog_err("forward %s: %s", text, err);
			return -1;
		}
	}
	return 0;
}

/* The external address changed: sessions on the old one can't carry on. */
int xnatd_flush_address(struct xnatd *d, __be32 old_addr)
{
	struct xnat_snapshot snap;
	int removed = 0;

	if (!old_addr)
		return 0;
	if (xnat_snapshot_take(d->maps.flows, sizeof(struct xnat_flow_key), sizeof(struct xnat_flow),
			       &snap))
		return -1;
	for (size_t i = 0; i < snap.n; i++) {
		const struct xnat_flow_key *key = xnat_snapshot_key(&snap, i);
		const struct xnat_flow *val = xnat_snapshot_val(&snap, i);

		if ((key->dir == XNAT_DIR_OUT && val->addr == old_addr) ||
		    (key->dir == XNAT_DIR_IN && key->daddr == old_addr))
			removed += !bpf_map_delete_elem(d->maps.flows, key);
	}
	xnat_snapshot_free(&snap);
	xlog_info("external address changed: %d flow entries of %s removed", removed,
		  inet_ntoa((struct in_addr){ .s_addr = old_addr }));
	return removed;
}
