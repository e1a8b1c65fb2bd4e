/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A snapshot of a hash map's entries, for walks that delete as they go. */
#ifndef XNAT_AGENT_MAPWALK_H
#define XNAT_AGENT_MAPWALK_H

#include <stddef.h>

struct xnat_snapshot {
	void *keys;
	void *vals;
	size_t n;
	size_t key_size;
	size_t val_size;
};

/* Read every entry of map fd. Returns 0 or -errno; free with xnat_snapshot_free(). */
int xnat_snapshot_take(int fd, size_t key_size, size_t val_size, struct xnat_snapshot *s);
void xnat_snapshot_free(struct xnat_snapshot *s);

/* Number of entries of a hash map (keys up to 64 bytes). */
unsigned int xnat_map_count(int fd);

static inline void *xnat_snapshot_key(const struct xnat_snapshot *s, size_t i)
{
	return (char *)s->keys + i * s->key_size;
}

static inline void *xnat_snapshot_val(const struct xnat_snapshot *s, size_t i)
{
	return (char *)s->vals + i * s->val_size;
}

#endif
