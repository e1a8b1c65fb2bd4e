// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the lease file (agent/lib/lease_file.c): the input
 * is the file, written to a directory made at start (in /dev/shm when it
 * can be: a save fsyncs) and loaded as xnatd loads it at start.
 *
 * Checked beyond "no crash": a refused file gives no records and zero
 * counts; a loaded one counts every line meant as a record (not blank, not
 * a '#' comment) as read or skipped, and reads at most 4096; each record
 * is one the format allows (protocol, owner, ports, address, nonce, a
 * NUL-terminated description of 1..255 bytes or none, filters on PCP leases
 * only, each a prefix of 1..32 bits without host bits, no rule twice, no
 * (protocol, port) twice). What loads saves (the save refuses anything a
 * load would skip) and loads back identically, field by field, nothing
 * skipped; saved again, it is the same file byte for byte, version 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "lease_file.h"

#define LINE_MAX_BYTES 2048 /* lease_file.c's LEASE_LINE_MAX */

static char dir[64], in[96], saved_a[96], saved_b[96];

static void cleanup(void)
{
	unlink(in);
	unlink(saved_a);
	unlink(saved_b);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	snprintf(dir, sizeof(dir), "%s", "/dev/shm/xnat-fuzz-lease.XXXXXX");
	if (!mkdtemp(dir)) {
		snprintf(dir, sizeof(dir), "%s", "/tmp/xnat-fuzz-lease.XXXXXX");
		if (!mkdtemp(dir)) {
			perror("fuzz_lease_file: mkdtemp");
			exit(1);
		}
	}
	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(saved_a, sizeof(saved_a), "%s/a", dir);
	snprintf(saved_b, sizeof(saved_b), "%s/b", dir);
	atexit(cleanup);
	return 0;
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	CHECK(write(fd, data, size) == (ssize_t)size, "write %s", path);
	close(fd);
}

static size_t read_file(const char *path, char **buf)
{
	FILE *f = fopen(path, "r");
	size_t len = 0;

	CHECK(f, "open %s: %s", path, strerror(errno));
	CHECK(!fseek(f, 0, SEEK_END), "seek");
	len = (size_t)ftell(f);
	rewind(f);
	*buf = malloc(len + 1);
	CHECK(*buf && fread(*buf, 1, len, f) == len, "read %s", path);
	fclose(f);
	return len;
}

/* Lines a load must read or skip: after the header, neither blank nor a comment. */
static unsigned int records_meant(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	unsigned int n = 0;
	bool header = true;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		bool blank = len <= LINE_MAX_BYTES;

		for (size_t i = 0; i < len && blank; i++)
			blank = p[i] == ' ' || p[i] == '\t' || p[i] == '\r';
		if (!header && !(len && p[0] == '#') && !blank)
			n++;
		header = false;
		p = nl ? nl + 1 : end;
	}
	return n;
}

static void check_record(const struct xnat_lease_record *r, size_t i)
{
	static const __u8 zero[12];
	size_t dlen = strnlen(r->description, sizeof(r->description));

	CHECK(r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP, "record %zu: protocol %u", i, r->proto);
	CHECK(r->owner == XNAT_OWNER_UPNP || r->owner == XNAT_OWNER_NATPMP || r->owner == XNAT_OWNER_PCP,
	      "record %zu: owner %u", i, r->owner);
	CHECK(r->ext_port && r->int_port && r->int_addr, "record %zu: port or address 0", i);
	CHECK(r->has_nonce || !memcmp(r->nonce, zero, 12), "record %zu: a nonce without has_nonce", i);
	CHECK(dlen <= XNAT_LEASE_DESC_MAX, "record %zu: description not terminated", i);
	for (size_t k = 0; k < dlen; k++)
		CHECK((unsigned char)r->description[k] >= 1, "record %zu: NUL in the description", i);
	CHECK(r->n_filters <= XNAT_PORT_FILTERS && (!r->n_filters || r->owner == XNAT_OWNER_PCP),
	      "record %zu: %u filters, owner %u", i, r->n_filters, r->owner);
	for (unsigned int k = 0; k < XNAT_PORT_FILTERS; k++) {
		const struct xnat_remote_filter *f = &r->filters[k];

		if (k >= r->n_filters) {
			CHECK(!f->addr && !f->prefix_len && !f->pad && !f->port, "record %zu: unused rule %u not zero", i,
			      k);
			continue;
		}
		CHECK(f->prefix_len >= 1 && f->prefix_len <= 32 && !(f->addr & ~xnat_prefix_mask(f->prefix_len)) &&
		      !f->pad, "record %zu: rule %u /%u", i, k, f->prefix_len);
		for (unsigned int j = 0; j < k; j++)
			CHECK(memcmp(&r->filters[j], f, sizeof(*f)), "record %zu: rule %u twice", i, k);
	}
}

static bool same_record(const struct xnat_lease_record *a, const struct xnat_lease_record *b)
{
	return a->proto == b->proto && a->owner == b->owner && a->ext_port == b->ext_port &&
	       a->int_addr == b->int_addr && a->int_port == b->int_port && a->expires == b->expires &&
	       a->has_nonce == b->has_nonce && !memcmp(a->nonce, b->nonce, 12) && a->enabled == b->enabled &&
	       a->n_filters == b->n_filters && !memcmp(a->filters, b->filters, sizeof(a->filters)) &&
	       !strcmp(a->description, b->description);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xnat_lease_record *r = NULL, *back = NULL, *again = NULL;
	struct xnat_lease_file_stats st, st2;
	size_t n, n2, n3, la, lb;
	char *fa, *fb;
	int rc;

	write_file(in, data, size);
	rc = xnat_lease_file_load(in, &r, &n, &st);
	if (rc) {
		CHECK(rc == -EINVAL, "load: %d (%s)", rc, strerror(-rc));
		CHECK(!r && !n && !st.read && !st.skipped, "refused, yet %zu records", n);
		return 0;
	}
	CHECK((n == 0) == (r == NULL) && n <= XNAT_LEASE_FILE_MAX && st.read == n, "%zu records, %u read", n,
	      st.read);
	CHECK(st.read + st.skipped == records_meant(data, size), "%u read + %u skipped, %u lines meant", st.read,
	      st.skipped, records_meant(data, size));
	for (size_t i = 0; i < n; i++) {
		check_record(&r[i], i);
		for (size_t j = 0; j < i; j++)
			CHECK(r[j].proto != r[i].proto || r[j].ext_port != r[i].ext_port, "records %zu and %zu: one port",
			      j, i);
	}

	/* What loads saves, and loads back as it was. */
	rc = xnat_lease_file_save(saved_a, r, n);
	CHECK(!rc, "loaded, then not saved: %d (%s)", rc, strerror(-rc));
	rc = xnat_lease_file_load(saved_a, &back, &n2, &st2);
	CHECK(!rc && n2 == n && st2.read == n && !st2.skipped, "saved %zu, loaded back %d: %zu, %u skipped", n, rc,
	      n2, st2.skipped);
	for (size_t i = 0; i < n; i++)
		CHECK(same_record(&r[i], &back[i]), "record %zu changed on the way back", i);
	rc = xnat_lease_file_save(saved_b, back, n2);
	CHECK(!rc, "saved again: %d", rc);
	la = read_file(saved_a, &fa);
	lb = read_file(saved_b, &fb);
	CHECK(la == lb && !memcmp(fa, fb, la), "two saves of the same records differ");
	CHECK(la >= 16 && !memcmp(fa, "# xnat leases 2\n", 16), "saved without the version 2 header");
	rc = xnat_lease_file_load(saved_b, &again, &n3, NULL);
	CHECK(!rc && n3 == n, "third load: %d, %zu", rc, n3);
	free(fa);
	free(fb);
	free(r);
	free(back);
	free(again);
	return 0;
}
