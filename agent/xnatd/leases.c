// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The lease file: UPnP, NAT-PMP and PCP leases kept in <state dir>/leases
 * (agent/lib/lease_file.c) so they outlive what the pinned maps do not: a
 * reboot, `xnatd --unload`. The maps stay the truth while xnatd runs; the
 * file follows them (written when the leases, their lifetimes, UPnP
 * descriptions or PCP nonces changed, looked at every collection, and at
 * stop), and at start it gives back what the maps lost and what only
 * xnatd's memory held (descriptions, nonces). Expiry times are kept on the
 * wall clock there: the monotonic clock restarts with the machine.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lease.h"
#include "lease_file.h"
#include "pcp_filter.h"
#include "xnatd.h"

struct xnatd_leases {
	char path[PATH_MAX];
	struct xnat_lease_record *saved;  /* as last written, expiry on the monotonic clock */
	size_t n_saved;
	struct xnat_lease *scratch;
	struct xnat_lease_record *now;
	bool failing;                     /* the last write failed (logged once) */
};

static unsigned int owners(const struct xnatd *d)
{
	unsigned int mask = 0;

	if (d->cfg.upnp)
		mask |= 1u << XNAT_OWNER_UPNP;
	if (d->cfg.natpmp)
		mask |= 1u << XNAT_OWNER_NATPMP | 1u << XNAT_OWNER_PCP;
	return mask;
}

/* The leases as the maps and the servers hold them now (expiry monotonic). */
static size_t snapshot(struct xnatd *d, struct xnat_lease_record *out)
{
	struct xnatd_leases *lf = d->leases;
	int n = xnat_lease_list(&d->maps, owners(d), lf->scratch, XNAT_LEASE_FILE_MAX);
	size_t k = 0;

	if (n < 0)
		return 0;
	if (n > XNAT_LEASE_FILE_MAX)
		n = XNAT_LEASE_FILE_MAX;
	for (int i = 0; i < n; i++) {
		const struct xnat_lease *l = &lf->scratch[i];
		struct xnat_lease_record *r = &out[k++];
		const __u8 *nonce;
		const char *desc;

		memset(r, 0, sizeof(*r));
		r->proto = l->proto;
		r->owner = l->owner;
		r->ext_port = l->ext_port;
		r->int_addr = l->int_addr;
		r->int_port = l->int_port;
		r->expires = l->expires;
		r->enabled = true;
		if (l->owner == XNAT_OWNER_PCP && (nonce = xnatd_pcp_nonce(d, l->proto, l->ext_port))) {
			r->has_nonce = true;
			memcpy(r->nonce, nonce, sizeof(r->nonce));
		}
		if (l->owner == XNAT_OWNER_PCP)
			r->n_filters = (__u8)xnat_pcp_filters_get(&d->maps, l, r->filters);
		if (l->owner == XNAT_OWNER_UPNP && (desc = xnatd_upnp_description(d, l->proto, l->ext_port)))
			snprintf(r->description, sizeof(r->description), "%s", desc);
	}
	return k;
}

static int save(struct xnatd *d, const struct xnat_lease_record *r, size_t n)
{
	struct xnatd_leases *lf = d->leases;
	struct xnat_lease_record *wall = malloc((n ? n : 1) * sizeof(*wall));
	__u64 real = (__u64)time(NULL);
	__u32 mono = xnat_now();
	int err;

	if (!wall)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		wall[i] = r[i];
		if (r[i].expires)
			wall[i].expires = real + (r[i].expires > mono ? r[i].expires - mono : 0);
	}
	err = xnat_lease_file_save(lf->path, wall, n);
	free(wall);
	if (err && !lf->failing)
		xlog_warn("leases: writing %s: %s (they will not survive a reboot)", lf->path, strerror(-err));
	else if (!err && lf->failing)
		xlog_info("leases: %s written again", lf->path);
	lf->failing = err != 0;
	return err;
}

static void sync_file(struct xnatd *d, bool force)
{
	struct xnatd_leases *lf = d->leases;
	size_t n;

	if (!lf)
		return;
	n = snapshot(d, lf->now);
	if (!force && !lf->failing && n == lf->n_saved && !memcmp(lf->now, lf->saved, n * sizeof(*lf->now)))
		return;
	if (!save(d, lf->now, n)) {
		memcpy(lf->saved, lf->now, n * sizeof(*lf->now));
		lf->n_saved = n;
	}
}

void xnatd_leases_sync(struct xnatd *d)
{
	sync_file(d, false);
}

/* One record back into the maps and the servers. Returns 1 when restored. */
static int restore_one(struct xnatd *d, const struct xnat_lease_record *r, __u64 real)
{
	struct xnat_lease_req q = {
		.proto = r->proto, .owner = r->owner, .int_addr = r->int_addr, .int_port = r->int_port,
		.want_ext = r->ext_port, .exact = true, .port_min = r->ext_port, .port_max = r->ext_port,
	};
	struct xnat_lease got;
	char who[INET_ADDRSTRLEN];
	int rc;

	if (!(owners(d) & 1u << r->owner))
		return 0;
	if (!r->expires)
		q.lifetime = XNAT_LEASE_PERMANENT;
	else if (r->expires <= real)
		return 0; /* ended while xnatd was away */
	else
		q.lifetime = r->expires - real > 0xfffffffeu ? 0xfffffffeu : (__u32)(r->expires - real);
	rc = xnat_lease_grant(&d->maps, &q, xnat_now(), &got);
	if (rc < 0) {
		inet_ntop(AF_INET, &r->int_addr, who, sizeof(who));
		xlog_warn("leases: %s %u -> %s:%u not restored: %s", r->proto == IPPROTO_TCP ? "tcp" : "udp",
			  r->ext_port, who, r->int_port,
			  rc == XNAT_LEASE_CONFLICT ? "the port is held by another mapping" : "the maps refused it");
		return 0;
	}
	/* A lease whose FILTER rules can't come back must not come back open to all. */
	if (r->owner == XNAT_OWNER_PCP && xnat_pcp_filters_set(&d->maps, &got, r->filters, r->n_filters)) {
		inet_ntop(AF_INET, &r->int_addr, who, sizeof(who));
		xlog_warn("leases: %s %u -> %s:%u not restored: its PCP filters could not be stored",
			  r->proto == IPPROTO_TCP ? "tcp" : "udp", r->ext_port, who, r->int_port);
		xnat_lease_remove(&d->maps, &got);
		return 0;
	}
	if (r->owner == XNAT_OWNER_PCP && r->has_nonce)
		xnatd_pcp_set_nonce(d, r->proto, r->ext_port, r->nonce);
	if (r->owner == XNAT_OWNER_UPNP)
		xnatd_upnp_set_description(d, r->proto, r->ext_port, r->description);
	return 1;
}

int xnatd_leases_start(struct xnatd *d)
{
	struct xnatd_leases *lf;
	struct xnat_lease_record *r = NULL;
	struct xnat_lease_file_stats st = {};
	size_t n = 0, restored = 0;
	__u64 real = (__u64)time(NULL);
	int err;

	if (!owners(d))
		return 0;
	lf = calloc(1, sizeof(*lf));
	if (lf) {
		lf->saved = calloc(XNAT_LEASE_FILE_MAX, sizeof(*lf->saved));
		lf->now = calloc(XNAT_LEASE_FILE_MAX, sizeof(*lf->now));
		lf->scratch = calloc(XNAT_LEASE_FILE_MAX, sizeof(*lf->scratch));
	}
	if (!lf || !lf->saved || !lf->now || !lf->scratch ||
	    snprintf(lf->path, sizeof(lf->path), "%s/leases", d->cfg.state_dir) >= (int)sizeof(lf->path)) {
		xlog_err("leases: out of memory or state directory path too long: leases are not kept");
		if (lf) {
			free(lf->saved);
			free(lf->now);
			free(lf->scratch);
		}
		free(lf);
		return -1;
	}
	d->leases = lf;
	err = xnat_lease_file_load(lf->path, &r, &n, &st);
	if (err) {
		xlog_warn("leases: reading %s: %s; starting without it", lf->path, strerror(-err));
	} else {
		for (size_t i = 0; i < n; i++)
			restored += restore_one(d, &r[i], real);
		if (n || st.skipped)
			xlog_info("leases: %zu of %zu in %s restored or kept (%zu ended meanwhile or refused), "
				  "%u damaged lines skipped", restored, n, lf->path, n - restored, st.skipped);
	}
	free(r);
	sync_file(d, true); /* the file now says what the maps hold */
	return 0;
}

void xnatd_leases_stop(struct xnatd *d)
{
	struct xnatd_leases *lf = d->leases;

	if (!lf)
		return;
	xnatd_leases_sync(d);
	free(lf->saved);
	free(lf->now);
	free(lf->scratch);
	free(lf);
	d->leases = NULL;
}
