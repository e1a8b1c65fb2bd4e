// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "mapwalk.h"

static int grow(struct xnat_snapshot *s, size_t *cap)
{
	size_t ncap = *cap ? *cap * 2 : 1024;
	void *k = realloc(s->keys, ncap * s->key_size);

	if (!k)
		return -ENOMEM;
	s->keys = k;
	k = realloc(s->vals, ncap * s->val_size);
	if (!k)
		return -ENOMEM;
	s->vals = k;
	*cap = ncap;
	return 0;
}

int xnat_snapshot_take(int fd, size_t key_size, size_t val_size, struct xnat_snapshot *s)
{
	size_t cap = 0;
	void *prev = NULL;
	int err;

	memset(s, 0, sizeof(*s));
	s->key_size = key_size;
	s->val_size = val_size;
	for (;;) {
		if (s->n == cap && (err = grow(s, &cap)))
			goto fail;
		if (bpf_map_get_next_key(fd, prev, xnat_snapshot_key(s, s->n))) {
			if (errno == ENOENT)
				return 0;
			err = -errno;
			goto fail;
		}
		prev = xnat_snapshot_key(s, s->n);
		/* An entry deleted by the fast path meanwhile is simply left out. If
		 * the key we continue from is deleted too, the kernel restarts the
		 * walk and some entries come twice: callers tolerate duplicates. */
		if (!bpf_map_lookup_elem(fd, prev, xnat_snapshot_val(s, s->n)))
			s->n++;
		else if (s->n) /* keep walking from the last entry we still hold */
			prev = xnat_snapshot_key(s, s->n - 1);
		else
			prev = NULL; /* nothing held: the walk restarts (rare: deletions race us) */
	}
fail:
	xnat_snapshot_free(s);
	return err;
}

void xnat_snapshot_free(struct xnat_snapshot *s)
{
	free(s->keys);
	free(s->vals);
	memset(s, 0, sizeof(*s));
}

unsigned int xnat_map_count(int fd)
{
	char key[64], next[64];
	unsigned int n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}
