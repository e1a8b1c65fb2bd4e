// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The lease file (agent/lib/lease_file.c): records saved and read back as
 * they were, PCP FILTER rules with them, the text an admin sees, version 1
 * files (before FILTER) still read, and every way a file can be damaged
 * (each kind of bad line among good ones, bad filters, over-long lines,
 * duplicates, too many records, every prefix of a good file, random
 * mutations), costing the damaged lines only. Saves that fail leave nothing
 * behind. Each test runs in its own mkdtemp directory under /tmp, removed
 * after it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <xnat/nat.h>
#include "lease_file.h"

#define HEADER1 "# xnat leases 1\n" /* 9 fields a line, no filters */
#define HEADER2 "# xnat leases 2\n" /* 10 fields, what a save writes */
#define LINE_BYTES 2048              /* a longer line is damage (lease_file.h) */

static char dir[64];
static char leases[128]; /* dir/leases, the file most tests use */

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/xnat-lease-file-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(leases, sizeof(leases), "%s/leases", dir);
	return 0;
}

/* The directory and whatever a test left in it (files, a FIFO, one level of
 * subdirectory), so a failing test does not leave it either. */
static int teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	(void)state;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0))
			unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
	}
	closedir(d);
	return rmdir(dir);
}

/* ---------------------------------------------------------------- helpers */

static void in_dir(char *out, size_t cap, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	assert_in_range(n, 1, cap - 1);
}

static void write_bytes(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void write_text(const char *path, const char *text)
{
	write_bytes(path, text, strlen(text));
}

/* The whole file, NUL-terminated (it holds none when we wrote it); free() it. */
static char *read_text(const char *path, size_t *len)
{
	struct stat sb;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	buf = malloc((size_t)sb.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)sb.st_size), sb.st_size);
	close(fd);
	buf[sb.st_size] = '\0';
	if (len)
		*len = (size_t)sb.st_size;
	return buf;
}

static bool exists(const char *name)
{
	char path[PATH_MAX];
	struct stat sb;

	in_dir(path, sizeof(path), name);
	return !lstat(path, &sb);
}

static unsigned int dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* Each of the bad records, saved after a good one, is refused (-EINVAL)
 * and nothing is written: the file still reads `before`, nothing beside it. */
static void expect_saves_refused(const struct xnat_lease_record *good, const struct xnat_lease_record *bad,
				 size_t nbad, const char *before)
{
	for (size_t i = 0; i < nbad; i++) {
		struct xnat_lease_record two[2] = { *good, bad[i] };
		char *after;

		two[0].ext_port = 1; /* one good record first: none of it written */
		assert_int_equal(xnat_lease_file_save(leases, two, 2), -EINVAL);
		after = read_text(leases, NULL);
		assert_string_equal(after, before);
		free(after);
		assert_int_equal(dir_entries(), 1);
	}
}

static const __u8 nonce_a[12] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };
static const __u8 nonce_b[12] = { 0xff, 0xfe, 0x01, 0x80, 0x7f, 0x10, 0x00, 0x00, 0xc3, 0xa9, 0x5a, 0x0f };

static struct xnat_lease_record rec(__u8 proto, __u16 ext_port, const char *addr, __u16 int_port, __u8 owner,
				    __u64 expires, const __u8 *nonce, bool enabled, const char *desc)
{
	struct xnat_lease_record r;

	memset(&r, 0, sizeof(r));
	r.proto = proto;
	r.ext_port = ext_port;
	assert_int_equal(inet_pton(AF_INET, addr, &r.int_addr), 1);
	r.int_port = int_port;
	r.owner = owner;
	r.expires = expires;
	if (nonce) {
		r.has_nonce = true;
		memcpy(r.nonce, nonce, sizeof(r.nonce));
	}
	r.enabled = enabled;
	assert_true(strlen(desc) <= XNAT_LEASE_DESC_MAX);
	strcpy(r.description, desc);
	return r;
}

/* A FILTER rule appended to r's. */
static void add_filter(struct xnat_lease_record *r, const char *addr, __u8 prefix_len, __u16 port)
{
	struct xnat_remote_filter *f;

	assert_true(r->n_filters < XNAT_PORT_FILTERS);
	f = &r->filters[r->n_filters++];
	assert_int_equal(inet_pton(AF_INET, addr, &f->addr), 1);
	f->prefix_len = prefix_len;
	f->port = htons(port);
}

/* The most rules, each of the longest form: 255.255.255.255/32:65535 and on down. */
static void add_longest_filters(struct xnat_lease_record *r)
{
	char addr[24];

	for (int i = 0; i < XNAT_PORT_FILTERS; i++) {
		snprintf(addr, sizeof(addr), "255.255.255.%d", 255 - i);
		add_filter(r, addr, 32, (__u16)(65535 - i));
	}
}

static bool filter_same(const struct xnat_remote_filter *a, const struct xnat_remote_filter *b)
{
	return a->addr == b->addr && a->prefix_len == b->prefix_len && a->port == b->port;
}

static void assert_record_equal(const struct xnat_lease_record *got, const struct xnat_lease_record *want)
{
	assert_int_equal(got->proto, want->proto);
	assert_int_equal(got->owner, want->owner);
	assert_int_equal(got->ext_port, want->ext_port);
	assert_int_equal(got->int_addr, want->int_addr);
	assert_int_equal(got->int_port, want->int_port);
	assert_true(got->expires == want->expires);
	assert_int_equal(got->has_nonce, want->has_nonce);
	assert_memory_equal(got->nonce, want->nonce, sizeof(got->nonce));
	assert_int_equal(got->enabled, want->enabled);
	assert_string_equal(got->description, want->description);
	assert_int_equal(got->n_filters, want->n_filters);
	assert_memory_equal(got->filters, want->filters, sizeof(got->filters));
}

static void assert_records_equal(const struct xnat_lease_record *got, const struct xnat_lease_record *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_record_equal(&got[i], &want[i]);
}

/* Loaded from a file holding exactly text[0..len). */
static int load_bytes(const char *text, size_t len, struct xnat_lease_record **out, size_t *n,
		      struct xnat_lease_file_stats *st)
{
	write_bytes(leases, text, len);
	return xnat_lease_file_load(leases, out, n, st);
}

static int load_text(const char *text, struct xnat_lease_record **out, size_t *n, struct xnat_lease_file_stats *st)
{
	return load_bytes(text, strlen(text), out, n, st);
}

/* A loaded record a save would take: what the loader must guarantee. */
static void assert_record_sane(const struct xnat_lease_record *r)
{
	assert_true(r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP);
	assert_true(r->owner == XNAT_OWNER_UPNP || r->owner == XNAT_OWNER_NATPMP || r->owner == XNAT_OWNER_PCP);
	assert_true(r->ext_port && r->int_port && r->int_addr);
	assert_non_null(memchr(r->description, '\0', sizeof(r->description)));
	if (!r->has_nonce)
		assert_memory_equal(r->nonce, (const __u8[12]){ 0 }, 12);
	assert_in_range(r->n_filters, 0, XNAT_PORT_FILTERS);
	if (r->n_filters)
		assert_int_equal(r->owner, XNAT_OWNER_PCP);
	for (int i = 0; i < XNAT_PORT_FILTERS; i++) {
		const struct xnat_remote_filter *f = &r->filters[i];

		if (i >= r->n_filters) {
			assert_memory_equal(f, &(struct xnat_remote_filter){ 0 }, sizeof(*f));
			continue;
		}
		assert_in_range(f->prefix_len, 1, 32);
		assert_int_equal(f->pad, 0);
		assert_int_equal(ntohl(f->addr) & (f->prefix_len == 32 ? 0 : 0xffffffffu >> f->prefix_len), 0);
		for (int j = 0; j < i; j++)
			assert_false(filter_same(f, &r->filters[j]));
	}
}

/* Every owner, both protocols, permanent and timed, with and without a
 * nonce, descriptions with whatever UPnP clients send, PCP leases with and
 * without filters, and the longest line a save writes. */
static size_t varied_records(struct xnat_lease_record *r)
{
	char every_byte[XNAT_LEASE_DESC_MAX + 1], all_escaped[XNAT_LEASE_DESC_MAX + 1];
	size_t n = 0;

	for (int i = 0; i < XNAT_LEASE_DESC_MAX; i++) {
		every_byte[i] = (char)(i + 1); /* 0x01..0xff */
		all_escaped[i] = (char)0xff;
	}
	every_byte[XNAT_LEASE_DESC_MAX] = all_escaped[XNAT_LEASE_DESC_MAX] = '\0';

	r[n++] = rec(IPPROTO_TCP, 8080, "192.168.1.20", 80, XNAT_OWNER_UPNP, 0, NULL, true, "web server");
	r[n++] = rec(IPPROTO_UDP, 51413, "192.168.1.7", 51413, XNAT_OWNER_UPNP, 1700003600, NULL, false,
		     "Transmission at 192.168.1.7:51413 UDP");
	r[n++] = rec(IPPROTO_TCP, 1, "10.0.0.1", 65535, XNAT_OWNER_NATPMP, 1700000000, NULL, false, "");
	r[n++] = rec(IPPROTO_UDP, 65535, "255.255.255.255", 1, XNAT_OWNER_NATPMP, UINT64_MAX, NULL, true, "");
	r[n++] = rec(IPPROTO_UDP, 4500, "172.16.0.9", 4500, XNAT_OWNER_PCP, 1700007200, nonce_a, false, "");
	r[n++] = rec(IPPROTO_TCP, 4500, "172.16.0.9", 4501, XNAT_OWNER_PCP, 1, nonce_b, true, "");
	r[n++] = rec(IPPROTO_TCP, 22, "192.168.1.2", 22, XNAT_OWNER_PCP, 0, NULL, true, "-");
	r[n++] = rec(IPPROTO_TCP, 23, "192.168.1.2", 23, XNAT_OWNER_UPNP, 0, NULL, true, "--");
	r[n++] = rec(IPPROTO_TCP, 24, "192.168.1.2", 24, XNAT_OWNER_UPNP, 0, NULL, true, "tab\there, newline\nand CRLF\r\n");
	r[n++] = rec(IPPROTO_TCP, 25, "192.168.1.2", 25, XNAT_OWNER_UPNP, 0, NULL, true, "100% %41 %% %00 %");
	r[n++] = rec(IPPROTO_TCP, 26, "192.168.1.2", 26, XNAT_OWNER_UPNP, 0, NULL, true,
		     "Caf\xc3\xa9 \xe2\x98\x95 \xe6\x97\xa5\xe6\x9c\xac # not a comment");
	r[n++] = rec(IPPROTO_TCP, 27, "192.168.1.2", 27, XNAT_OWNER_UPNP, 0, NULL, true, "#");
	r[n++] = rec(IPPROTO_TCP, 28, "192.168.1.2", 28, XNAT_OWNER_UPNP, 0, NULL, true, " leading and trailing ");
	r[n++] = rec(IPPROTO_UDP, 29, "1.2.3.4", 29, XNAT_OWNER_UPNP, 42, NULL, false, every_byte);
	r[n++] = rec(IPPROTO_UDP, 30, "1.2.3.4", 30, XNAT_OWNER_UPNP, 42, nonce_a, true, all_escaped);
	r[n] = rec(IPPROTO_UDP, 5060, "192.168.1.30", 5060, XNAT_OWNER_PCP, 1700000000, nonce_b, true, "");
	add_filter(&r[n++], "203.0.113.0", 24, 0);
	/* one prefix with two ports, and a longer prefix of the same address */
	r[n] = rec(IPPROTO_TCP, 5061, "192.168.1.30", 5061, XNAT_OWNER_PCP, 0, NULL, false, "");
	add_filter(&r[n], "0.0.0.0", 1, 1);
	add_filter(&r[n], "0.0.0.0", 1, 65535);
	add_filter(&r[n++], "0.0.0.0", 2, 65535);
	/* every field at its longest */
	r[n] = rec(IPPROTO_UDP, 65534, "255.255.255.255", 65535, XNAT_OWNER_PCP, UINT64_MAX, nonce_a, true,
		   all_escaped);
	add_longest_filters(&r[n++]);
	return n;
}

#define VARIED_MAX 32

/* ------------------------------------------------------------ round trip */

static void test_round_trip(void **state)
{
	struct xnat_lease_record want[VARIED_MAX], *got;
	struct xnat_lease_file_stats st;
	size_t n = varied_records(want), got_n;

	(void)state;
	assert_int_equal(xnat_lease_file_save(leases, want, n), 0);
	assert_int_equal(xnat_lease_file_load(leases, &got, &got_n, &st), 0);
	assert_int_equal(got_n, n);
	assert_int_equal(st.read, n);
	assert_int_equal(st.skipped, 0);
	assert_records_equal(got, want, n);
	free(got);

	/* st may be NULL; a second save replaces the first */
	assert_int_equal(xnat_lease_file_save(leases, want + 2, 3), 0);
	assert_int_equal(xnat_lease_file_load(leases, &got, &got_n, NULL), 0);
	assert_int_equal(got_n, 3);
	assert_records_equal(got, want + 2, 3);
	free(got);

	/* Nothing to save: the header alone, loading as no records */
	assert_int_equal(xnat_lease_file_save(leases, NULL, 0), 0);
	char *text = read_text(leases, NULL);

	assert_string_equal(text, HEADER2);
	free(text);
	assert_int_equal(xnat_lease_file_load(leases, &got, &got_n, &st), 0);
	assert_null(got);
	assert_int_equal(got_n, 0);
	assert_int_equal(st.read, 0);
}

static void test_exact_text(void **state)
{
	const struct xnat_lease_record r[] = {
		rec(IPPROTO_TCP, 8080, "192.168.1.20", 80, XNAT_OWNER_UPNP, 0, NULL, true, "web server 100%"),
		rec(IPPROTO_UDP, 51413, "192.168.1.7", 51413, XNAT_OWNER_PCP, 1700003600, nonce_a, false, ""),
		rec(IPPROTO_TCP, 1, "10.0.0.1", 65535, XNAT_OWNER_NATPMP, UINT64_MAX, NULL, false, "-"),
		rec(IPPROTO_UDP, 2, "255.255.255.255", 3, XNAT_OWNER_UPNP, 5, nonce_b, true,
		    "a\tb\nc Caf\xc3\xa9~\x7f"),
	};
	char *text;

	(void)state;
	assert_int_equal(xnat_lease_file_save(leases, r, 4), 0);
	text = read_text(leases, NULL);
	assert_string_equal(text,
			    "# xnat leases 2\n"
			    "tcp\t8080\t192.168.1.20\t80\tupnp\t0\t-\t1\tweb%20server%20100%25\t-\n"
			    "udp\t51413\t192.168.1.7\t51413\tpcp\t1700003600\t00112233445566778899aabb\t0\t-\t-\n"
			    "tcp\t1\t10.0.0.1\t65535\tnatpmp\t18446744073709551615\t-\t0\t%2D\t-\n"
			    "udp\t2\t255.255.255.255\t3\tupnp\t5\tfffe01807f100000c3a95a0f\t1\ta%09b%0Ac%20Caf%C3%A9~%7F\t-\n");
	free(text);
}

/* -------------------------------------------------------- whole-file cases */

static void test_missing_file(void **state)
{
	struct xnat_lease_record *got = (struct xnat_lease_record *)&got; /* must be reset */
	struct xnat_lease_file_stats st = { 7, 7 };
	char path[PATH_MAX];
	size_t n = 7;

	(void)state;
	assert_int_equal(xnat_lease_file_load(leases, &got, &n, &st), 0);
	assert_null(got);
	assert_int_equal(n, 0);
	assert_int_equal(st.read, 0);
	assert_int_equal(st.skipped, 0);
	/* A missing directory too: nothing saved yet */
	in_dir(path, sizeof(path), "nodir/leases");
	assert_int_equal(xnat_lease_file_load(path, &got, &n, NULL), 0);
	assert_null(got);
	/* But a file where a directory should be is an error */
	write_text(leases, HEADER1);
	in_dir(path, sizeof(path), "leases/leases");
	assert_int_equal(xnat_lease_file_load(path, &got, &n, NULL), -ENOTDIR);
}

static void test_header(void **state)
{
	static const char *const bad[] = {
		"",
		"#",
		"# xnat leases",
		"# xnat leases 0\n",
		"# xnat leases 3\n",
		"# xnat leases 10\n",
		"# xnat leases 12\n",
		"# xnat leases 01\n",
		"# xnat leases 02\n",
		"# xnat leases +2\n",
		"# xnat leases 1 \n",
		"# xnat leases 2 \n",
		"# xnat leases 1\r\n",
		"# xnat leases 2\r\n",
		"# xnat leases\t2\n",
		"# xnat leases 1.5\n",
		"# XNAT leases 1\n",
		" # xnat leases 1\n",
		"\n# xnat leases 1\n",
		"tcp\t80\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb\n",
		"# xnat leases 1\t\n",
	};
	struct xnat_lease_record *got;
	struct xnat_lease_file_stats st;
	char *long_header;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		st.read = st.skipped = 9;
		got = (struct xnat_lease_record *)&got;
		n = 9;
		assert_int_equal(load_text(bad[i], &got, &n, &st), -EINVAL);
		assert_null(got);
		assert_int_equal(n, 0);
		assert_int_equal(st.read, 0);
		assert_int_equal(st.skipped, 0);
	}
	/* Good records after a bad header are not read either */
	assert_int_equal(load_text("# xnat leases 3\ntcp\t80\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb\t-\n", &got, &n,
				   &st), -EINVAL);
	assert_null(got);

	/* The header over LINE_BYTES, and "# xnat leases 1" or 2 then more of the line */
	long_header = malloc(3000);
	assert_non_null(long_header);
	for (char v = '1'; v <= '2'; v++) {
		memset(long_header, 'x', 3000);
		memcpy(long_header, "# xnat leases 1", 15);
		long_header[14] = v;
		assert_int_equal(load_bytes(long_header, 3000, &got, &n, &st), -EINVAL);
		long_header[2999] = '\n';
		assert_int_equal(load_bytes(long_header, 3000, &got, &n, &st), -EINVAL);
	}
	free(long_header);

	/* The header alone, with or without its '\n', of either version */
	assert_int_equal(load_text("# xnat leases 1", &got, &n, &st), 0);
	assert_null(got);
	assert_int_equal(n, 0);
	assert_int_equal(load_text(HEADER1, &got, &n, &st), 0);
	assert_null(got);
	assert_int_equal(load_text("# xnat leases 2", &got, &n, &st), 0);
	assert_null(got);
	assert_int_equal(n, 0);
	assert_int_equal(load_text(HEADER2, &got, &n, &st), 0);
	assert_null(got);
}

static void test_not_regular(void **state)
{
	struct xnat_lease_record *got;
	char path[PATH_MAX];
	size_t n;

	(void)state;
	in_dir(path, sizeof(path), "sub");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(xnat_lease_file_load(path, &got, &n, NULL), -EISDIR);
	assert_null(got);
	/* A FIFO without a writer: refused at once, not waited on */
	in_dir(path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(xnat_lease_file_load(path, &got, &n, NULL), -EINVAL);
	assert_null(got);
	assert_int_equal(xnat_lease_file_load("/dev/null", &got, &n, NULL), -EINVAL);
	/* A symlink to a good file is followed */
	write_text(leases, HEADER1 "tcp\t80\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb\n");
	in_dir(path, sizeof(path), "link");
	assert_int_equal(symlink(leases, path), 0);
	assert_int_equal(xnat_lease_file_load(path, &got, &n, NULL), 0);
	assert_int_equal(n, 1);
	free(got);
}

/* --------------------------------------------------------------- bad lines */

#define GOOD1 "tcp\t80\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb"
#define GOOD2 "udp\t53\t10.0.0.2\t5353\tpcp\t1700000000\t00112233445566778899aabb\t0\t-"

static void assert_good_pair(const struct xnat_lease_record *got)
{
	const struct xnat_lease_record want[2] = {
		rec(IPPROTO_TCP, 80, "192.168.1.10", 8080, XNAT_OWNER_UPNP, 0, NULL, true, "web"),
		rec(IPPROTO_UDP, 53, "10.0.0.2", 5353, XNAT_OWNER_PCP, 1700000000, nonce_a, false, ""),
	};

	assert_records_equal(got, want, 2);
}

struct bytes {
	const char *p;
	size_t len;
};

#define B(s) { s, sizeof(s) - 1 }
/* A record line (tcp 81) with one field replaced */
#define F_PROTO(x) B(x "\t81\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb")
#define F_EXT(x) B("tcp\t" x "\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb")
#define F_ADDR(x) B("tcp\t81\t" x "\t8080\tupnp\t0\t-\t1\tweb")
#define F_INT(x) B("tcp\t81\t192.168.1.10\t" x "\tupnp\t0\t-\t1\tweb")
#define F_OWNER(x) B("tcp\t81\t192.168.1.10\t8080\t" x "\t0\t-\t1\tweb")
#define F_EXPIRES(x) B("tcp\t81\t192.168.1.10\t8080\tupnp\t" x "\t-\t1\tweb")
#define F_NONCE(x) B("tcp\t81\t192.168.1.10\t8080\tpcp\t0\t" x "\t1\tweb")
#define F_ENABLED(x) B("tcp\t81\t192.168.1.10\t8080\tupnp\t0\t-\t" x "\tweb")
#define F_DESC(x) B("tcp\t81\t192.168.1.10\t8080\tupnp\t0\t-\t1\t" x)

static const struct bytes bad_lines[] = {
	/* field count, separators */
	B("tcp\t81\t192.168.1.10\t8080\tupnp\t0\t-\t1"),
	B("tcp\t81\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb\textra"),
	B("tcp\t81\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb\t"),
	B("\ttcp\t81\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb"),
	B("tcp\t\t81\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb"),
	B("tcp 81 192.168.1.10 8080 upnp 0 - 1 web"),
	B("tcp"),
	B("x"),
	/* protocol */
	F_PROTO("TCP"), F_PROTO("sctp"), F_PROTO(""), F_PROTO("6"), F_PROTO("tcp "), F_PROTO("tc"),
	/* external port */
	F_EXT("0"), F_EXT("65536"), F_EXT("-81"), F_EXT("+81"), F_EXT(" 81"), F_EXT("81 "), F_EXT("0x51"),
	F_EXT("99999999999999999999999"), F_EXT("18446744073709551697"), F_EXT("8l"), F_EXT(""), F_EXT("81.0"),
	/* internal address */
	F_ADDR("0.0.0.0"), F_ADDR("192.168.1"), F_ADDR("192.168.1.10.1"), F_ADDR("192.168.1.256"),
	F_ADDR("192.168.01.10"), F_ADDR("192.168..10"), F_ADDR("192.168.1.10."), F_ADDR(".192.168.1.10"),
	F_ADDR("c0.a8.1.a"), F_ADDR("192.168.1.-1"), F_ADDR("192.168.1.+1"), F_ADDR(" 192.168.1.10"),
	F_ADDR("3232235786"), F_ADDR("::1"), F_ADDR(""), F_ADDR("192.168.1.0010"), F_ADDR("00.0.0.0"),
	F_ADDR("192.168.1.4294967306"),
	/* internal port */
	F_INT("0"), F_INT("65536"), F_INT("+8080"), F_INT("-8080"), F_INT(""), F_INT("80 80"),
	/* owner: the other owners of a port are no leases */
	F_OWNER("UPNP"), F_OWNER("dynamic"), F_OWNER("config"), F_OWNER("static"), F_OWNER("sip"),
	F_OWNER("local"), F_OWNER("3"), F_OWNER(""), F_OWNER("upnp "), F_OWNER("pcpx"),
	/* expires */
	F_EXPIRES("-1"), F_EXPIRES("+1"), F_EXPIRES("18446744073709551616"), F_EXPIRES("99999999999999999999"),
	F_EXPIRES("1e9"), F_EXPIRES("1.5"), F_EXPIRES(" 1"), F_EXPIRES(""), F_EXPIRES("-"), F_EXPIRES("0x10"),
	/* nonce */
	F_NONCE("00112233445566778899aab"), F_NONCE("00112233445566778899aabbc"),
	F_NONCE("00112233445566778899AABB"), F_NONCE("0011223344556677889gaabb"),
	F_NONCE("0x112233445566778899aabb"), F_NONCE("00112233445566778899aab "), F_NONCE(""), F_NONCE("--"),
	F_NONCE("0"),
	/* enabled */
	F_ENABLED("2"), F_ENABLED(""), F_ENABLED("01"), F_ENABLED("true"), F_ENABLED("-"), F_ENABLED("1 "),
	/* description */
	F_DESC(""), F_DESC("%"), F_DESC("%4"), F_DESC("web%"), F_DESC("web%4"), F_DESC("%4G"), F_DESC("%4g"),
	F_DESC("%00"), F_DESC("a%00b"), F_DESC("%2d"), F_DESC("caf%c3%a9"), F_DESC("%%41"), F_DESC("% 41"),
	F_DESC("a b"), F_DESC("web\r"), F_DESC("caf\xc3\xa9"), F_DESC("\x7f"), F_DESC("\x01"),
	F_DESC("\xff"),
	/* NUL bytes where a text reader would stop */
	B("tcp\t81\t192.168.1.10\t8080\tupnp\t0\t-\t1\twe\0b"),
	B("tcp\t81\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb\0"),
	B("tcp\t81\t192.168.1.10\0\t8080\tupnp\t0\t-\t1\tweb"),
	B("\0tcp\t81\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb"),
	B("\0"),
	/* what a half-written or garbled file shows */
	B("tcp\t81\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb tcp\t82"),
	B("\r"), /* not blank when it holds something else too: */
	B("\r tcp"),
};

/* The line b then tail between GOOD1 and GOOD2 (as lines of the version of
 * header), then last without its '\n': it costs itself alone. */
static void assert_bad_line(const char *header, const struct bytes *b, const char *tail, unsigned int want_skipped)
{
	bool v2 = !strcmp(header, HEADER2);
	const char *good1 = v2 ? GOOD1 "\t-\n" : GOOD1 "\n", *good2 = v2 ? GOOD2 "\t-\n" : GOOD2 "\n";
	struct xnat_lease_record *got;
	struct xnat_lease_file_stats st;
	char text[4096];
	size_t n, len;

	assert_true(strlen(header) + strlen(good1) + strlen(good2) + b->len + strlen(tail) + 1 <= sizeof(text));
	len = (size_t)sprintf(text, "%s%s", header, good1);
	memcpy(text + len, b->p, b->len);
	len += b->len;
	len += (size_t)sprintf(text + len, "%s\n%s", tail, good2);
	assert_int_equal(load_bytes(text, len, &got, &n, &st), 0);
	assert_int_equal(n, 2);
	assert_int_equal(st.read, 2);
	assert_int_equal(st.skipped, want_skipped);
	assert_good_pair(got);
	free(got);

	/* The same line last, without its '\n' */
	len = (size_t)sprintf(text, "%s%s%s", header, good1, good2);
	memcpy(text + len, b->p, b->len);
	len += b->len;
	len += (size_t)sprintf(text + len, "%s", tail);
	assert_int_equal(load_bytes(text, len, &got, &n, &st), 0);
	assert_int_equal(n, 2);
	assert_int_equal(st.skipped, want_skipped);
	assert_good_pair(got);
	free(got);
}

static void test_bad_lines_skipped(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		const struct bytes *b = &bad_lines[i];
		/* "\r" alone counts as blank: see test_ignored_lines */
		unsigned int want_skipped = b->len == 1 && b->p[0] == '\r' ? 0 : 1;

		assert_bad_line(HEADER1, b, "", want_skipped);
		/* The same damage in a version 2 line, filters "-" after it */
		assert_bad_line(HEADER2, b, "\t-", 1);
	}
}

/* ---------------------------------------------------------------- filters */

static void test_filters_round_trip(void **state)
{
	struct xnat_lease_record r[4], *got;
	struct xnat_lease_file_stats st;
	char *text;
	size_t n;

	(void)state;
	r[0] = rec(IPPROTO_UDP, 5060, "192.168.1.30", 5060, XNAT_OWNER_PCP, 1700000000, nonce_a, true, "");
	r[1] = rec(IPPROTO_UDP, 5062, "192.168.1.30", 5062, XNAT_OWNER_PCP, 0, NULL, true, "");
	add_filter(&r[1], "198.51.100.7", 32, 5060);
	r[2] = rec(IPPROTO_UDP, 5064, "192.168.1.31", 5064, XNAT_OWNER_PCP, 9, nonce_b, false, "");
	add_filter(&r[2], "203.0.113.0", 24, 0);
	add_filter(&r[2], "198.51.100.7", 32, 5060);
	r[3] = rec(IPPROTO_TCP, 443, "10.1.2.3", 8443, XNAT_OWNER_PCP, 5, NULL, false, "");
	add_longest_filters(&r[3]);

	/* 0, 1, 2 and 8 rules, in the order given */
	assert_int_equal(xnat_lease_file_save(leases, r, 4), 0);
	text = read_text(leases, NULL);
	assert_string_equal(text,
			    "# xnat leases 2\n"
			    "udp\t5060\t192.168.1.30\t5060\tpcp\t1700000000\t00112233445566778899aabb\t1\t-\t-\n"
			    "udp\t5062\t192.168.1.30\t5062\tpcp\t0\t-\t1\t-\t198.51.100.7/32:5060\n"
			    "udp\t5064\t192.168.1.31\t5064\tpcp\t9\tfffe01807f100000c3a95a0f\t0\t-\t"
			    "203.0.113.0/24:0,198.51.100.7/32:5060\n"
			    "tcp\t443\t10.1.2.3\t8443\tpcp\t5\t-\t0\t-\t"
			    "255.255.255.255/32:65535,255.255.255.254/32:65534,255.255.255.253/32:65533,"
			    "255.255.255.252/32:65532,255.255.255.251/32:65531,255.255.255.250/32:65530,"
			    "255.255.255.249/32:65529,255.255.255.248/32:65528\n");
	free(text);
	assert_int_equal(xnat_lease_file_load(leases, &got, &n, &st), 0);
	assert_int_equal(n, 4);
	assert_int_equal(st.skipped, 0);
	assert_records_equal(got, r, 4);
	assert_int_equal(got[3].filters[7].port, htons(65528));
	assert_int_equal(got[2].filters[0].addr, htonl(0xcb007100));
	free(got);
}

/* The longest record a save writes fits a line, with room to spare. */
static void test_filters_longest_line(void **state)
{
	struct xnat_lease_record r[VARIED_MAX], *got;
	size_t last = varied_records(r) - 1, n, len;
	char *text;

	(void)state;
	assert_int_equal(r[last].n_filters, XNAT_PORT_FILTERS);
	assert_int_equal(xnat_lease_file_save(leases, &r[last], 1), 0);
	text = read_text(leases, &len);
	/* udp 65534 255.255.255.255 65535 pcp UINT64_MAX nonce 1, 765 bytes of
	 * description, 8 rules of 24 bytes and their 7 commas, 9 tabs */
	assert_int_equal(len, strlen(HEADER2) + 3 + 5 + 15 + 5 + 3 + 20 + 24 + 1 + 765 + 8 * 24 + 7 + 9 + 1);
	assert_true(len - strlen(HEADER2) - 1 <= LINE_BYTES);
	free(text);
	assert_int_equal(xnat_lease_file_load(leases, &got, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_record_equal(got, &r[last]);
	free(got);
}

/* A version 2 record line (udp 81, pcp) with these filters */
#define F_FILTERS(x) B("udp\t81\t192.168.1.10\t8080\tpcp\t0\t-\t1\t-\t" x)
/* Eight distinct rules: the most there may be */
#define EIGHT "10.0.0.0/8:0,10.0.0.0/8:1,10.0.0.0/8:2,10.0.0.0/8:3,10.0.0.0/8:4,10.0.0.0/8:5,10.0.0.0/8:6,10.0.0.0/8:7"

static const struct bytes bad_filters[] = {
	/* neither "-" nor 1..8 rules */
	F_FILTERS(""), F_FILTERS("--"), F_FILTERS("- "), F_FILTERS(" -"), F_FILTERS("-,10.0.0.0/8:0"),
	F_FILTERS("10.0.0.0/8:0,-"), F_FILTERS("0"), F_FILTERS("none"), F_FILTERS("*"),
	F_FILTERS(EIGHT ",10.0.0.0/8:8"), F_FILTERS(EIGHT "," EIGHT),
	/* separators */
	F_FILTERS(","), F_FILTERS(",,"), F_FILTERS("10.0.0.0/8:0,"), F_FILTERS(",10.0.0.0/8:0"),
	F_FILTERS("10.0.0.0/8:0,,10.1.0.0/16:0"), F_FILTERS("10.0.0.0/8:0, 10.1.0.0/16:0"),
	F_FILTERS("10.0.0.0/8:0 ,10.1.0.0/16:0"), F_FILTERS("10.0.0.0/8:0;10.1.0.0/16:0"),
	F_FILTERS("10.0.0.0/8:0 10.1.0.0/16:0"), F_FILTERS(EIGHT ","),
	/* the form of a rule */
	F_FILTERS("10.0.0.0/8"), F_FILTERS("10.0.0.0:0"), F_FILTERS("10.0.0.0"), F_FILTERS("/8:0"), F_FILTERS(":0"),
	F_FILTERS("/:"), F_FILTERS("10.0.0.0/:0"), F_FILTERS("10.0.0.0/8:"), F_FILTERS("10.0.0.0/8:0:0"),
	F_FILTERS("10.0.0.0/8/8:0"), F_FILTERS("10.0.0.0:0/8"), F_FILTERS("10.0.0.0 /8:0"), F_FILTERS(" 10.0.0.0/8:0"),
	F_FILTERS("10.0.0.0/8:0 "), F_FILTERS("10.0.0.0/8 :0"), F_FILTERS("10.0.0.0/ 8:0"), F_FILTERS("10.0.0.0/8: 0"),
	F_FILTERS("10.0.0.0/8:0\r"), F_FILTERS("10.0.0.0/8-0"),
	/* the address */
	F_FILTERS("10.0.0/8:0"), F_FILTERS("10.0.0.0.0/8:0"), F_FILTERS("010.0.0.0/8:0"), F_FILTERS("10.0.0.00/8:0"),
	F_FILTERS("10.0.0.256/32:0"), F_FILTERS("+10.0.0.0/8:0"), F_FILTERS("10.0.0.-0/8:0"),
	F_FILTERS("167772160/8:0"), F_FILTERS("::1/128:0"), F_FILTERS("0xa.0.0.0/8:0"), F_FILTERS("10..0.0/8:0"),
	F_FILTERS("10.0.0.4294967296/32:0"),
	/* the prefix length */
	F_FILTERS("0.0.0.0/0:0"), F_FILTERS("10.0.0.0/0:0"), F_FILTERS("10.0.0.0/33:0"), F_FILTERS("10.0.0.0/08:0"),
	F_FILTERS("10.0.0.0/00:0"), F_FILTERS("10.0.0.0/+8:0"), F_FILTERS("10.0.0.0/-8:0"), F_FILTERS("10.0.0.0/8.0:0"),
	F_FILTERS("10.0.0.0/255.0.0.0:0"), F_FILTERS("10.0.0.0/264:0"), F_FILTERS("10.0.0.0/18446744073709551624:0"),
	F_FILTERS("10.0.0.0/0x8:0"),
	/* the port */
	F_FILTERS("10.0.0.0/8:65536"), F_FILTERS("10.0.0.0/8:00"), F_FILTERS("10.0.0.0/8:080"),
	F_FILTERS("10.0.0.0/8:+80"), F_FILTERS("10.0.0.0/8:-1"), F_FILTERS("10.0.0.0/8:0x50"),
	F_FILTERS("10.0.0.0/8:18446744073709551696"), F_FILTERS("10.0.0.0/8:*"), F_FILTERS("10.0.0.0/8:http"),
	/* host bits set past the prefix */
	F_FILTERS("10.0.0.1/24:0"), F_FILTERS("10.0.0.128/24:0"), F_FILTERS("10.0.1.0/23:0"), F_FILTERS("1.0.0.0/7:0"),
	F_FILTERS("255.255.255.255/31:0"), F_FILTERS("0.0.0.1/1:0"), F_FILTERS("192.168.1.10/1:0"),
	F_FILTERS("203.0.113.0/24:0,10.0.0.1/8:0"),
	/* the same rule twice */
	F_FILTERS("10.0.0.0/8:0,10.0.0.0/8:0"), F_FILTERS("1.2.3.4/32:80,10.0.0.0/8:0,1.2.3.4/32:80"),
	F_FILTERS("10.0.0.0/8:0,10.0.0.0/8:1,10.0.0.0/8:2,10.0.0.0/8:3,10.0.0.0/8:4,10.0.0.0/8:5,10.0.0.0/8:6,"
		  "10.0.0.0/8:0"),
	/* filters on a lease not PCP's */
	B("udp\t81\t192.168.1.10\t8080\tupnp\t0\t-\t1\t-\t10.0.0.0/8:0"),
	B("udp\t81\t192.168.1.10\t8080\tnatpmp\t0\t-\t1\t-\t10.0.0.0/8:0"),
	B("udp\t81\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb\t" EIGHT),
	/* NUL bytes */
	F_FILTERS("10.0.0.0/8:0\0"), F_FILTERS("10.0.0.0\0/8:0"), F_FILTERS("\0"), F_FILTERS("-\0"),
};

static void test_bad_filters_skipped(void **state)
{
	struct xnat_lease_record *got;
	struct xnat_lease_file_stats st;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_filters) / sizeof(bad_filters[0]); i++)
		assert_bad_line(HEADER2, &bad_filters[i], "", 1);
	/* The line they damage is good with good filters */
	assert_int_equal(load_text(HEADER2 GOOD1 "\t-\n"
				   "udp\t81\t192.168.1.10\t8080\tpcp\t0\t-\t1\t-\t" EIGHT "\n" GOOD2 "\t-\n",
				   &got, &n, &st), 0);
	assert_int_equal(n, 3);
	assert_int_equal(st.skipped, 0);
	assert_int_equal(got[1].n_filters, XNAT_PORT_FILTERS);
	free(got);
}

/* Filters that look odd but are good rules: they load. */
static void test_filters_edge_cases(void **state)
{
	struct xnat_lease_record want[4], *got;
	struct xnat_lease_file_stats st;
	size_t n;

	(void)state;
	for (int i = 0; i < 4; i++)
		want[i] = rec(IPPROTO_UDP, (__u16)(81 + i), "192.168.1.10", 8080, XNAT_OWNER_PCP, 0, NULL, true, "");
	add_filter(&want[0], "0.0.0.0", 1, 0);
	add_filter(&want[1], "128.0.0.0", 1, 65535);
	add_filter(&want[1], "255.255.255.255", 32, 1);
	add_filter(&want[1], "255.255.255.254", 31, 1);
	/* not the same rule: another port, another length */
	add_filter(&want[2], "10.0.0.0", 8, 0);
	add_filter(&want[2], "10.0.0.0", 8, 80);
	add_filter(&want[2], "10.0.0.0", 16, 0);
	add_filter(&want[2], "10.0.0.0", 16, 80);
	for (int i = 0; i < XNAT_PORT_FILTERS; i++)
		add_filter(&want[3], "10.0.0.0", 8, (__u16)i);
	assert_int_equal(load_text(HEADER2
				   "udp\t81\t192.168.1.10\t8080\tpcp\t0\t-\t1\t-\t0.0.0.0/1:0\n"
				   "udp\t82\t192.168.1.10\t8080\tpcp\t0\t-\t1\t-\t"
				   "128.0.0.0/1:65535,255.255.255.255/32:1,255.255.255.254/31:1\n"
				   "udp\t83\t192.168.1.10\t8080\tpcp\t0\t-\t1\t-\t"
				   "10.0.0.0/8:0,10.0.0.0/8:80,10.0.0.0/16:0,10.0.0.0/16:80\n"
				   "udp\t84\t192.168.1.10\t8080\tpcp\t0\t-\t1\t-\t10.0.0.0/8:0,10.0.0.0/8:1,"
				   "10.0.0.0/8:2,10.0.0.0/8:3,10.0.0.0/8:4,10.0.0.0/8:5,10.0.0.0/8:6,10.0.0.0/8:7\n",
				   &got, &n, &st), 0);
	assert_int_equal(n, 4);
	assert_int_equal(st.skipped, 0);
	assert_records_equal(got, want, 4);
	free(got);
}

/* A version 1 file (before FILTER) loads, each record without filters; the
 * field count is the one of the file's version. */
static void test_version1(void **state)
{
	struct xnat_lease_record *got, *again;
	struct xnat_lease_file_stats st;
	char *text;
	size_t n;

	(void)state;
	assert_int_equal(load_text(HEADER1 GOOD1 "\n" GOOD2 "\n", &got, &n, &st), 0);
	assert_int_equal(n, 2);
	assert_int_equal(st.skipped, 0);
	assert_good_pair(got); /* n_filters 0 and no rule among them */
	/* Saved again, as version 2 */
	assert_int_equal(xnat_lease_file_save(leases, got, n), 0);
	text = read_text(leases, NULL);
	assert_string_equal(text, HEADER2 GOOD1 "\t-\n" GOOD2 "\t-\n");
	free(text);
	assert_int_equal(xnat_lease_file_load(leases, &again, &n, &st), 0);
	assert_int_equal(n, 2);
	assert_records_equal(again, got, 2);
	free(again);
	free(got);

	/* Version 2 lines in a version 1 file: 10 fields, one too many */
	assert_int_equal(load_text(HEADER1 GOOD1 "\n"
				   "tcp\t82\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb\t-\n"
				   "udp\t83\t192.168.1.10\t8080\tpcp\t0\t-\t1\t-\t10.0.0.0/8:0\n" GOOD2 "\n"
				   "udp\t84\t192.168.1.10\t8080\tpcp\t0\t-\t1\t10.0.0.0/8:0\n", /* a description */
				   &got, &n, &st), 0);
	assert_int_equal(n, 3);
	assert_int_equal(st.skipped, 2);
	assert_good_pair(got);
	assert_int_equal(got[2].ext_port, 84);
	assert_string_equal(got[2].description, "10.0.0.0/8:0");
	assert_int_equal(got[2].n_filters, 0);
	free(got);

	/* Version 1 lines in a version 2 file: 9 fields, one too few; 11 too many */
	assert_int_equal(load_text(HEADER2 GOOD1 "\t-\n"
				   "tcp\t82\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb\n"
				   "tcp\t83\t192.168.1.10\t8080\tupnp\t0\t-\t1\t-\n"
				   "udp\t84\t192.168.1.10\t8080\tpcp\t0\t-\t1\t-\t10.0.0.0/8:0\t-\n"
				   "udp\t85\t192.168.1.10\t8080\tpcp\t0\t-\t1\t-\t-\t10.0.0.0/8:0\n"
				   GOOD2 "\t-\n",
				   &got, &n, &st), 0);
	assert_int_equal(n, 2);
	assert_int_equal(st.skipped, 4);
	assert_good_pair(got);
	free(got);
}

static void test_ignored_lines(void **state)
{
	struct xnat_lease_record *got;
	struct xnat_lease_file_stats st;
	size_t n;

	(void)state;
	assert_int_equal(load_text(HEADER1 "\n"
				   "# leases of the gateway, written by xnatd\n"
				   "   \t \r\n"
				   "#tcp\t81\t192.168.1.10\t8080\tupnp\t0\t-\t1\tcommented out\n"
				   "#\n" GOOD1 "\n"
				   "\r\n"
				   "\n"
				   "# xnat leases 1\n" GOOD2 "\n"
				   "\n",
				   &got, &n, &st), 0);
	assert_int_equal(n, 2);
	assert_int_equal(st.read, 2);
	assert_int_equal(st.skipped, 0);
	assert_good_pair(got);
	free(got);
}

static void test_duplicates(void **state)
{
	struct xnat_lease_record *got, dup[2];
	struct xnat_lease_file_stats st;
	char *before, *after;
	size_t n;

	(void)state;
	assert_int_equal(load_text(HEADER1 GOOD1 "\n"
				   "udp\t80\t192.168.1.10\t8080\tupnp\t0\t-\t1\tsame%20port\n"
				   "tcp\t80\t10.0.0.9\t9\tnatpmp\t5\t-\t0\t-\n"         /* tcp 80 again: skipped */
				   "tcp\t81\t0.0.0.0\t9\tnatpmp\t5\t-\t0\t-\n"          /* bad: holds no port... */
				   "tcp\t81\t192.168.1.11\t81\tnatpmp\t5\t-\t0\t-\n"    /* ...so this one loads */
				   "udp\t80\t192.168.1.12\t8080\tupnp\t0\t-\t1\tagain\n"
				   "tcp\t80\t192.168.1.10\t8080\tupnp\t0\t-\t1\tweb\n", /* even identical */
				   &got, &n, &st), 0);
	assert_int_equal(n, 3);
	assert_int_equal(st.read, 3);
	assert_int_equal(st.skipped, 4);
	assert_int_equal(got[0].proto, IPPROTO_TCP);
	assert_int_equal(got[0].ext_port, 80);
	assert_string_equal(got[0].description, "web"); /* the earlier one kept */
	assert_int_equal(got[1].proto, IPPROTO_UDP);
	assert_string_equal(got[1].description, "same port");
	assert_int_equal(got[2].ext_port, 81);
	assert_int_equal(got[2].int_addr, htonl(0xc0a8010b));
	free(got);

	/* A save of two records with one (proto, ext_port) is refused, the file kept */
	before = read_text(leases, NULL);
	dup[0] = rec(IPPROTO_UDP, 9, "10.0.0.1", 9, XNAT_OWNER_UPNP, 0, NULL, true, "a");
	dup[1] = rec(IPPROTO_UDP, 9, "10.0.0.2", 10, XNAT_OWNER_PCP, 7, nonce_a, true, "b");
	assert_int_equal(xnat_lease_file_save(leases, dup, 2), -EINVAL);
	after = read_text(leases, NULL);
	assert_string_equal(after, before);
	assert_false(exists("leases.tmp"));
	free(before);
	free(after);
}

/* ---------------------------------------------------------- long lines */

static void test_long_lines(void **state)
{
	static const char third[] = "tcp\t82\t192.168.1.12\t82\tnatpmp\t9\t-\t0\t-";
	static const char third2[] = "tcp\t82\t192.168.1.12\t82\tpcp\t9\t-\t0\t-\t10.0.0.0/8:0";
	struct xnat_lease_record *got;
	struct xnat_lease_file_stats st;
	char *text = malloc(16384), desc[3 * 300 + 1];
	size_t n, len;

	(void)state;
	assert_non_null(text);

	/* A record's text past LINE_BYTES is the end of a long line, not a record */
	for (size_t pad = LINE_BYTES - strlen(third) - 2; pad <= LINE_BYTES + 2; pad++) {
		len = (size_t)sprintf(text, HEADER1 GOOD1 "\n");
		memset(text + len, 'x', pad);
		len += pad;
		len += (size_t)sprintf(text + len, "%s\n" GOOD2 "\n", third);
		assert_int_equal(load_bytes(text, len, &got, &n, &st), 0);
		assert_int_equal(n, 2);
		assert_int_equal(st.skipped, 1);
		assert_good_pair(got);
		free(got);
		/* in version 2 too, filters and all */
		len = (size_t)sprintf(text, HEADER2 GOOD1 "\t-\n");
		memset(text + len, 'x', pad);
		len += pad;
		len += (size_t)sprintf(text + len, "%s\n" GOOD2 "\t-\n", third2);
		assert_int_equal(load_bytes(text, len, &got, &n, &st), 0);
		assert_int_equal(n, 2);
		assert_int_equal(st.skipped, 1);
		assert_good_pair(got);
		free(got);
	}
	/* Lines of LINE_BYTES and one more: the next line is read in both cases */
	for (size_t ll = LINE_BYTES - 1; ll <= LINE_BYTES + 2; ll++) {
		len = (size_t)sprintf(text, HEADER1 GOOD1 "\n");
		memset(text + len, 'x', ll);
		len += ll;
		len += (size_t)sprintf(text + len, "\n" GOOD2 "\n");
		assert_int_equal(load_bytes(text, len, &got, &n, &st), 0);
		assert_int_equal(n, 2);
		assert_int_equal(st.skipped, 1);
		free(got);
	}
	/* Blank but too long: skipped; a long comment: still a comment; a long
	 * line last, without its '\n' */
	len = (size_t)sprintf(text, HEADER1 GOOD1 "\n");
	memset(text + len, ' ', LINE_BYTES + 1000);
	len += LINE_BYTES + 1000;
	text[len++] = '\n';
	text[len++] = '#';
	memset(text + len, 'y', 5000);
	len += 5000;
	len += (size_t)sprintf(text + len, "\n" GOOD2 "\n");
	memset(text + len, 'z', 3000);
	len += 3000;
	assert_int_equal(load_bytes(text, len, &got, &n, &st), 0);
	assert_int_equal(n, 2);
	assert_int_equal(st.skipped, 2);
	assert_good_pair(got);
	free(got);

	/* Descriptions of 255 bytes load, 256 do not */
	for (int want = 254; want <= 257; want++) {
		desc[0] = '\0';
		for (int i = 0; i < want; i++)
			strcat(desc, i % 2 ? "%41" : "B");
		len = (size_t)snprintf(text, 16384, HEADER1 "tcp\t81\t192.168.1.10\t8080\tupnp\t0\t-\t1\t%s\n", desc);
		assert_int_equal(load_bytes(text, len, &got, &n, &st), 0);
		assert_int_equal(n, want <= XNAT_LEASE_DESC_MAX);
		assert_int_equal(st.skipped, want > XNAT_LEASE_DESC_MAX);
		if (n)
			assert_int_equal(strlen(got[0].description), want);
		free(got);
	}
	free(text);
}

/* ------------------------------------------------------ too many records */

static void test_too_many_records(void **state)
{
	size_t total = XNAT_LEASE_FILE_MAX + 10, n;
	struct xnat_lease_record *r = calloc(total, sizeof(*r)), *got;
	struct xnat_lease_file_stats st;

	(void)state;
	assert_non_null(r);
	for (size_t i = 0; i < total; i++)
		r[i] = rec(i < XNAT_LEASE_FILE_MAX ? IPPROTO_TCP : IPPROTO_UDP,
			   (__u16)(i < XNAT_LEASE_FILE_MAX ? i + 1 : i - XNAT_LEASE_FILE_MAX + 1), "192.168.1.10",
			   (__u16)(i + 1), XNAT_OWNER_NATPMP, 1700000000 + i, NULL, false, "");
	/* All are written... */
	assert_int_equal(xnat_lease_file_save(leases, r, total), 0);
	/* ...the first XNAT_LEASE_FILE_MAX read */
	assert_int_equal(xnat_lease_file_load(leases, &got, &n, &st), 0);
	assert_int_equal(n, XNAT_LEASE_FILE_MAX);
	assert_int_equal(st.read, XNAT_LEASE_FILE_MAX);
	assert_int_equal(st.skipped, 10);
	assert_records_equal(got, r, n);
	free(got);

	/* Exactly XNAT_LEASE_FILE_MAX: nothing skipped */
	assert_int_equal(xnat_lease_file_save(leases, r, XNAT_LEASE_FILE_MAX), 0);
	assert_int_equal(xnat_lease_file_load(leases, &got, &n, &st), 0);
	assert_int_equal(n, XNAT_LEASE_FILE_MAX);
	assert_int_equal(st.skipped, 0);
	free(got);
	free(r);
}

/* ------------------------------------------------------------------ save */

static void test_save_missing_dir(void **state)
{
	struct xnat_lease_record r[VARIED_MAX];
	size_t n = varied_records(r);
	char path[PATH_MAX];

	(void)state;
	in_dir(path, sizeof(path), "nodir/leases");
	assert_int_equal(xnat_lease_file_save(path, r, n), -ENOENT);
	assert_int_equal(dir_entries(), 0);
	in_dir(path, sizeof(path), "a/b/c/leases");
	assert_int_equal(xnat_lease_file_save(path, r, n), -ENOENT);
	assert_int_equal(dir_entries(), 0);
}

static void test_save_failures_leave_nothing(void **state)
{
	struct xnat_lease_record good = rec(IPPROTO_TCP, 80, "192.168.1.10", 8080, XNAT_OWNER_UPNP, 0, NULL, true, "web");
	struct xnat_lease_record bad[12];
	static const __u8 not_lease_owners[] = { XNAT_OWNER_DYNAMIC, XNAT_OWNER_CONFIG, XNAT_OWNER_STATIC,
						 XNAT_OWNER_SIP, XNAT_OWNER_LOCAL, XNAT_OWNER_MAX, 255 };
	char path[PATH_MAX], long_name[NAME_MAX + 2], *before;
	struct stat sb;
	size_t nbad = 0;

	(void)state;
	assert_int_equal(xnat_lease_file_save(leases, &good, 1), 0);
	before = read_text(leases, NULL);

	for (size_t i = 0; i < sizeof(not_lease_owners); i++) {
		bad[nbad] = good;
		bad[nbad++].owner = not_lease_owners[i];
	}
	bad[nbad] = good;
	bad[nbad++].proto = IPPROTO_ICMP;
	bad[nbad] = good;
	bad[nbad++].ext_port = 0;
	bad[nbad] = good;
	bad[nbad++].int_port = 0;
	bad[nbad] = good;
	bad[nbad++].int_addr = 0;
	bad[nbad] = good;
	memset(bad[nbad++].description, 'a', sizeof(good.description)); /* no NUL */
	expect_saves_refused(&good, bad, nbad, before);
	free(before);

	/* path is a directory: the rename fails, the temporary goes */
	in_dir(path, sizeof(path), "sub");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(xnat_lease_file_save(path, &good, 1), -EISDIR);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_false(exists("sub.tmp"));
	/* No file name at all */
	in_dir(path, sizeof(path), "");
	assert_int_equal(xnat_lease_file_save(path, &good, 1), -EISDIR);
	/* A name leaving no room for ".tmp" */
	memset(long_name, 'n', NAME_MAX - 2);
	long_name[NAME_MAX - 2] = '\0';
	in_dir(path, sizeof(path), long_name);
	assert_int_equal(xnat_lease_file_save(path, &good, 1), -ENAMETOOLONG);
	assert_int_equal(dir_entries(), 2); /* leases, sub */
}

/* A record whose filters a load would refuse is not saved: nothing written. */
static void test_save_bad_filters(void **state)
{
	struct xnat_lease_record good = rec(IPPROTO_UDP, 5060, "192.168.1.30", 5060, XNAT_OWNER_PCP, 0, NULL, true, "");
	struct xnat_lease_record bad[16], eight, *got;
	static const __u8 bad_prefix[] = { 0, 33, 64, 255 };
	char *before;
	size_t nbad = 0, n;

	(void)state;
	add_filter(&good, "203.0.113.0", 24, 0);
	assert_int_equal(xnat_lease_file_save(leases, &good, 1), 0);
	before = read_text(leases, NULL);

	eight = rec(IPPROTO_UDP, 5060, "192.168.1.30", 5060, XNAT_OWNER_PCP, 0, NULL, true, "");
	add_longest_filters(&eight);
	/* more rules than there is room for */
	bad[nbad] = eight;
	bad[nbad++].n_filters = XNAT_PORT_FILTERS + 1;
	bad[nbad] = eight;
	bad[nbad++].n_filters = 255;
	/* a prefix length out of 1..32 */
	for (size_t i = 0; i < sizeof(bad_prefix); i++) {
		bad[nbad] = good;
		bad[nbad].filters[0].addr = 0;
		bad[nbad++].filters[0].prefix_len = bad_prefix[i];
	}
	/* host bits past the prefix, in the first rule or the last */
	bad[nbad] = good;
	bad[nbad++].filters[0].addr = htonl(0xcb007101); /* 203.0.113.1/24 */
	bad[nbad] = eight;
	bad[nbad++].filters[7].prefix_len = 28;           /* 255.255.255.248/28 */
	bad[nbad] = good;
	add_filter(&bad[nbad++], "0.0.0.1", 1, 0);
	/* a rule twice */
	bad[nbad] = good;
	add_filter(&bad[nbad++], "203.0.113.0", 24, 0);
	bad[nbad] = eight;
	bad[nbad].filters[7] = bad[nbad].filters[0];
	nbad++;
	/* filters on a lease not PCP's */
	bad[nbad] = good;
	bad[nbad++].owner = XNAT_OWNER_UPNP;
	bad[nbad] = good;
	bad[nbad++].owner = XNAT_OWNER_NATPMP;
	expect_saves_refused(&good, bad, nbad, before);
	free(before);

	/* What a save does not write, and a load zeroes: the pad, rules past
	 * n_filters (on any owner) */
	bad[0] = good;
	bad[0].filters[0].pad = 0xa5;
	bad[0].filters[1] = eight.filters[0];
	bad[0].filters[7].prefix_len = 99;
	bad[1] = rec(IPPROTO_TCP, 80, "192.168.1.10", 8080, XNAT_OWNER_UPNP, 0, NULL, true, "web");
	bad[1].filters[0] = eight.filters[0];
	assert_int_equal(xnat_lease_file_save(leases, bad, 2), 0);
	assert_int_equal(xnat_lease_file_load(leases, &got, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_record_equal(&got[0], &good);
	assert_record_sane(&got[1]);
	assert_int_equal(got[1].n_filters, 0);
	free(got);
}

static void test_save_mode_and_no_tmp(void **state)
{
	struct xnat_lease_record r[VARIED_MAX], *got;
	size_t n = varied_records(r), got_n;
	char tmp[PATH_MAX], victim[PATH_MAX], *text;
	struct stat sb;
	mode_t old_mask;

	(void)state;
	/* An older file of another mode, a temporary left by a crash */
	write_text(leases, "old\n");
	assert_int_equal(chmod(leases, 0644), 0);
	in_dir(tmp, sizeof(tmp), "leases.tmp");
	write_text(tmp, "half-written\n");
	assert_int_equal(chmod(tmp, 0666), 0);

	old_mask = umask(0277); /* would leave 0400 */
	assert_int_equal(xnat_lease_file_save(leases, r, n), 0);
	umask(old_mask);
	assert_int_equal(stat(leases, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_false(exists("leases.tmp"));
	assert_int_equal(dir_entries(), 1);
	assert_int_equal(xnat_lease_file_load(leases, &got, &got_n, NULL), 0);
	assert_int_equal(got_n, n);
	assert_records_equal(got, r, n);
	free(got);

	/* A temporary that is a symlink: removed, never written through */
	in_dir(victim, sizeof(victim), "victim");
	write_text(victim, "untouched\n");
	assert_int_equal(symlink(victim, tmp), 0);
	assert_int_equal(xnat_lease_file_save(leases, r, 1), 0);
	assert_false(exists("leases.tmp"));
	text = read_text(victim, NULL);
	assert_string_equal(text, "untouched\n");
	free(text);
	assert_int_equal(stat(leases, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
}

static void test_save_relative_path(void **state)
{
	struct xnat_lease_record r = rec(IPPROTO_UDP, 9, "10.0.0.1", 9, XNAT_OWNER_NATPMP, 3, NULL, false, "");
	struct xnat_lease_record *got;
	char cwd[PATH_MAX];
	size_t n;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(xnat_lease_file_save("leases", &r, 1), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_false(exists("leases.tmp"));
	assert_int_equal(xnat_lease_file_load(leases, &got, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_record_equal(got, &r);
	free(got);
}

/* ---------------------------------------------------------------- damage */

static void test_every_prefix(void **state)
{
	struct xnat_lease_record want[VARIED_MAX];
	size_t want_n = varied_records(want), len;
	char *full;

	(void)state;
	assert_int_equal(xnat_lease_file_save(leases, want, want_n), 0);
	full = read_text(leases, &len);

	for (size_t cut = 0; cut <= len; cut++) {
		struct xnat_lease_record *got;
		struct xnat_lease_file_stats st;
		size_t n, lines = 0, line_start = 0;
		int rc = load_bytes(full, cut, &got, &n, &st);

		for (size_t i = 0; i < cut; i++) {
			if (full[i] == '\n') {
				lines++;
				line_start = i + 1;
			}
		}
		if (cut < strlen("# xnat leases 1")) {
			assert_int_equal(rc, -EINVAL);
			assert_null(got);
			continue;
		}
		assert_int_equal(rc, 0);
		size_t whole = lines ? lines - 1 : 0;          /* record lines with their '\n' */
		bool partial = lines && cut > line_start;       /* a piece of the next one */

		/* Every line is read or skipped, none half-read into another */
		assert_int_equal(st.read, n);
		assert_int_equal(n + st.skipped, whole + partial);
		assert_true(n >= whole);
		assert_records_equal(got, want, whole);
		if (partial && full[cut] == '\n') {
			/* complete but for its '\n': as good as the others */
			assert_int_equal(n, whole + 1);
			assert_record_equal(&got[whole], &want[whole]);
		} else if (n > whole) {
			/* a cut in expires or the description may still read as a record */
			assert_record_sane(&got[whole]);
			assert_int_equal(got[whole].proto, want[whole].proto);
		}
		free(got);
	}
	free(full);
}

/* Damage at random: bytes changed, removed, repeated, inserted, the file cut. */
static size_t mutate(char *buf, size_t len, size_t cap, unsigned int *seed)
{
	static const char special[] = "\t\n%-#0 9.\r\xff";
	int changes = 1 + rand_r(seed) % 6;

	for (int c = 0; c < changes && len; c++) {
		size_t pos = (size_t)rand_r(seed) % len, span = 1 + (size_t)rand_r(seed) % 24;

		switch (rand_r(seed) % 7) {
		case 0:
			buf[pos] = (char)rand_r(seed);
			break;
		case 1:
			buf[pos] = special[rand_r(seed) % (int)sizeof(special)]; /* NUL included */
			break;
		case 2: /* a run removed */
			if (span > len - pos)
				span = len - pos;
			memmove(buf + pos, buf + pos + span, len - pos - span);
			len -= span;
			break;
		case 3: { /* a piece of the file repeated elsewhere: duplicate lines and fields */
			size_t from = (size_t)rand_r(seed) % len;

			if (span > len - from)
				span = len - from;
			if (len + span > cap)
				break;
			memmove(buf + pos + span, buf + pos, len - pos);
			memmove(buf + pos, buf + (from < pos ? from : from + span), span);
			len += span;
			break;
		}
		case 4: /* random bytes inserted */
			if (len + span > cap)
				break;
			memmove(buf + pos + span, buf + pos, len - pos);
			for (size_t i = 0; i < span; i++)
				buf[pos + i] = (char)rand_r(seed);
			len += span;
			break;
		case 5:
			len = pos;
			break;
		default: /* a digit changed: a valid line often stays valid, with another value */
			buf[pos] = (char)('0' + rand_r(seed) % 10);
			break;
		}
	}
	return len;
}

static void test_random_mutations(void **state)
{
	struct xnat_lease_record want[VARIED_MAX];
	size_t want_n = varied_records(want), good_len, cap;
	char *good, *buf, resaved[PATH_MAX];
	unsigned int seed = 20240607;

	(void)state;
	in_dir(resaved, sizeof(resaved), "resaved");
	assert_int_equal(xnat_lease_file_save(leases, want, want_n), 0);
	good = read_text(leases, &good_len);
	cap = 2 * good_len + 1024;
	buf = malloc(cap);
	assert_non_null(buf);

	for (int iter = 0; iter < 2000; iter++) {
		struct xnat_lease_record *got, *again;
		struct xnat_lease_file_stats st;
		size_t n, again_n, len, lines = 1;
		int rc;

		memcpy(buf, good, good_len);
		len = mutate(buf, good_len, cap, &seed);
		for (size_t i = 0; i < len; i++)
			lines += buf[i] == '\n';
		rc = load_bytes(buf, len, &got, &n, &st);
		if (rc) {
			assert_int_equal(rc, -EINVAL); /* the header hit */
			assert_null(got);
			continue;
		}
		assert_int_equal(st.read, n);
		assert_true(n + st.skipped < lines);
		for (size_t i = 0; i < n; i++) {
			assert_record_sane(&got[i]);
			for (size_t j = 0; j < i; j++)
				assert_false(got[i].proto == got[j].proto && got[i].ext_port == got[j].ext_port);
		}
		/* What loads saves and loads again unchanged (a sample: each save syncs) */
		if (iter % 40 == 0) {
			assert_int_equal(xnat_lease_file_save(resaved, got, n), 0);
			assert_int_equal(xnat_lease_file_load(resaved, &again, &again_n, &st), 0);
			assert_int_equal(again_n, n);
			assert_int_equal(st.skipped, 0);
			assert_records_equal(again, got, n);
			free(again);
		}
		free(got);
	}
	free(buf);
	free(good);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_round_trip),         T(test_exact_text),
		T(test_missing_file),       T(test_header),
		T(test_not_regular),        T(test_bad_lines_skipped),
		T(test_filters_round_trip), T(test_filters_longest_line),
		T(test_bad_filters_skipped), T(test_filters_edge_cases),
		T(test_version1),
		T(test_ignored_lines),      T(test_duplicates),
		T(test_long_lines),         T(test_too_many_records),
		T(test_save_missing_dir),   T(test_save_failures_leave_nothing),
		T(test_save_bad_filters),
		T(test_save_mode_and_no_tmp), T(test_save_relative_path),
		T(test_every_prefix),       T(test_random_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
