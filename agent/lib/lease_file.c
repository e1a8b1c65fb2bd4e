// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The lease file (see lease_file.h). Saved the usual way for a file that
 * must never be seen half-written: a temporary beside it, fsync'd, renamed
 * over it, the directory fsync'd. Loaded a line at a time into a fixed
 * buffer; a line is split at its tabs and every field checked before the
 * record is kept, so a damaged line is refused whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xnat/nat.h>
#include "span.h"
#include "lease_file.h"

#define HEADER "# xnat leases 2"
#define HEADER_V1 "# xnat leases 1" /* before FILTER: no filters field */
#define TMP_SUFFIX ".tmp"
#define LEASE_LINE_MAX 2048 /* bytes, without its '\n' */
#define FIELDS 10
#define FIELDS_V1 9
#define NONCE_HEX 24

/* The longest FILTER rule, "255.255.255.255/32:65535", and the most of them
 * with their commas. */
#define FILTER_MAX (15 + 3 + 6)
#define FILTERS_MAX (XNAT_PORT_FILTERS * (FILTER_MAX + 1) - 1)

/* The longest record: 9 tabs, "natpmp", 20 digits of expires, a nonce, every
 * description byte escaped and the most filters (a PCP lease's only, so
 * a few bytes over). A line over LEASE_LINE_MAX is damage. */
#define RECORD_MAX \
	(3 + 5 + 15 + 5 + 6 + 20 + NONCE_HEX + 1 + 3 * XNAT_LEASE_DESC_MAX + FILTERS_MAX + (FIELDS - 1))
_Static_assert(RECORD_MAX <= LEASE_LINE_MAX, "a valid record must fit a line");

static const char *const owner_names[XNAT_OWNER_MAX] = {
	[XNAT_OWNER_UPNP] = "upnp",
	[XNAT_OWNER_NATPMP] = "natpmp",
	[XNAT_OWNER_PCP] = "pcp",
};

static const char *proto_name(__u8 proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : NULL;
}

static const char *owner_name(__u8 owner)
{
	return owner < XNAT_OWNER_MAX ? owner_names[owner] : NULL;
}

/* ------------------------------------------------------------- (proto, ext_port) seen */

/* One bit per (protocol, port): 16 KiB, less than a search of the records. */
#define SEEN_BYTES (2 * 65536 / 8)

static size_t seen_index(const struct xnat_lease_record *r)
{
	return (r->proto == IPPROTO_UDP ? 65536u : 0) + r->ext_port;
}

/* Marks r's (proto, ext_port); false if it was already. */
static bool seen_first(__u8 *seen, const struct xnat_lease_record *r)
{
	size_t i = seen_index(r);
	__u8 bit = (__u8)(1u << (i % 8));

	if (seen[i / 8] & bit)
		return false;
	seen[i / 8] |= bit;
	return true;
}

/* ------------------------------------------------------------- filters */

/* The host bits past a prefix of prefix_len (0..32) bits, network order. */
static __be32 host_mask(__u8 prefix_len)
{
	return ~xnat_prefix_mask(prefix_len);
}

/*
 * r's FILTER rules: on a PCP lease only (the only protocol with FILTER), at
 * most XNAT_PORT_FILTERS, each a prefix of 1..32 bits without a host bit set
 * (a match compares the masked peer address with addr: one with host bits
 * would match nobody), none twice. One check for a save and a load, so what
 * is saved loads back and nothing loads that a save would refuse.
 */
static bool filters_valid(const struct xnat_lease_record *r)
{
	if (r->n_filters > XNAT_PORT_FILTERS || (r->n_filters && r->owner != XNAT_OWNER_PCP))
		return false;
	for (int i = 0; i < r->n_filters; i++) {
		const struct xnat_remote_filter *f = &r->filters[i];

		if (f->prefix_len < 1 || f->prefix_len > 32 || (f->addr & host_mask(f->prefix_len)))
			return false;
		for (int j = 0; j < i; j++)
			if (xnat_remote_filter_same(f, &r->filters[j]))
				return false;
	}
	return true;
}

/* ------------------------------------------------------------------ save */

static bool record_valid(const struct xnat_lease_record *r)
{
	return proto_name(r->proto) && owner_name(r->owner) && r->ext_port && r->int_port && r->int_addr &&
	       memchr(r->description, '\0', sizeof(r->description)) && filters_valid(r);
}

/* The description as the file holds it, into out (room for 3 * XNAT_LEASE_DESC_MAX + 1). */
static void encode_description(const char *desc, char *out)
{
	static const char hex[] = "0123456789ABCDEF";

	if (!desc[0]) {
		strcpy(out, "-");
		return;
	}
	if (!strcmp(desc, "-")) {
		strcpy(out, "%2D"); /* "-" alone means empty */
		return;
	}
	for (const unsigned char *c = (const unsigned char *)desc; *c; c++) {
		if (*c < 0x21 || *c > 0x7e || *c == '%') {
			*out++ = '%';
			*out++ = hex[*c >> 4];
			*out++ = hex[*c & 0xf];
		} else {
			*out++ = (char)*c;
		}
	}
	*out = '\0';
}

/* r's valid filters as the file holds them, into out (room for FILTERS_MAX + 1). */
static void format_filters(const struct xnat_lease_record *r, char *out)
{
	size_t len = 0;

	if (!r->n_filters) {
		strcpy(out, "-");
		return;
	}
	for (int i = 0; i < r->n_filters; i++) {
		const struct xnat_remote_filter *f = &r->filters[i];
		const __u8 *a = (const __u8 *)&f->addr;

		len += (size_t)snprintf(out + len, FILTERS_MAX + 1 - len, "%s%u.%u.%u.%u/%u:%u", i ? "," : "", a[0],
					a[1], a[2], a[3], f->prefix_len, ntohs(f->port));
	}
}

/* r's line, '\n' included, into line (room for RECORD_MAX + 2). Returns its length. */
static size_t format_record(const struct xnat_lease_record *r, char *line)
{
	char nonce[NONCE_HEX + 1] = "-", desc[3 * XNAT_LEASE_DESC_MAX + 1], filters[FILTERS_MAX + 1];
	const __u8 *a = (const __u8 *)&r->int_addr;

	if (r->has_nonce)
		for (int i = 0; i < 12; i++)
			snprintf(nonce + 2 * i, 3, "%02x", r->nonce[i]);
	encode_description(r->description, desc);
	format_filters(r, filters);
	return (size_t)snprintf(line, RECORD_MAX + 2, "%s\t%u\t%u.%u.%u.%u\t%u\t%s\t%llu\t%s\t%d\t%s\t%s\n",
				proto_name(r->proto), r->ext_port, a[0], a[1], a[2], a[3], r->int_port,
				owner_name(r->owner), (unsigned long long)r->expires, nonce, r->enabled ? 1 : 0,
				desc, filters);
}

/* Output gathered in buf and written when full: few syscalls, every error kept. */
struct writer {
	int fd;
	int err;         /* the first -errno */
	size_t len;
	char buf[8192];
};

static void writer_flush(struct writer *w)
{
	size_t done = 0;

	while (!w->err && done < w->len) {
		ssize_t n = write(w->fd, w->buf + done, w->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			w->err = n < 0 ? -errno : -EIO;
		else
			done += (size_t)n;
	}
	w->len = 0;
}

static void writer_put(struct writer *w, const char *s, size_t len)
{
	if (w->len + len > sizeof(w->buf))
		writer_flush(w);
	memcpy(w->buf + w->len, s, len);
	w->len += len;
}

static int write_records(int fd, const struct xnat_lease_record *r, size_t n)
{
	struct writer *w = malloc(sizeof(*w));
	char line[RECORD_MAX + 2];
	int err;

	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->err = 0;
	w->len = 0;
	writer_put(w, HEADER "\n", strlen(HEADER "\n"));
	for (size_t i = 0; i < n && !w->err; i++)
		writer_put(w, line, format_record(&r[i], line));
	writer_flush(w);
	err = w->err;
	free(w);
	return err;
}

/* -EINVAL unless every record would load back as it is. */
static int check_records(const struct xnat_lease_record *r, size_t n)
{
	__u8 *seen = calloc(1, SEEN_BYTES);
	int err = 0;

	if (!seen)
		return -ENOMEM;
	for (size_t i = 0; i < n && !err; i++)
		if (!record_valid(&r[i]) || !seen_first(seen, &r[i]))
			err = -EINVAL;
	free(seen);
	return err;
}

/* The temporary, written and synced, renamed over base, in directory dfd. */
static int replace_file(int dfd, const char *base, const char *tmp, const struct xnat_lease_record *r,
			size_t n)
{
	int fd, err;

	/* A temporary left by a crash goes: O_EXCL then makes sure we created
	 * what we write, with our mode and nobody else's link. */
	if (unlinkat(dfd, tmp, 0) && errno != ENOENT)
		return -errno;
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	err = fchmod(fd, 0600) ? -errno : 0; /* whatever the umask */
	if (!err)
		err = write_records(fd, r, n);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && renameat(dfd, tmp, dfd, base))
		err = -errno;
	if (err)
		unlinkat(dfd, tmp, 0);
	return err;
}

int xnat_lease_file_save(const char *path, const struct xnat_lease_record *r, size_t n)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char dir[PATH_MAX], tmp[NAME_MAX + 1];
	int dfd, err;

	if (!*base)
		return -EISDIR;
	if (slash && (size_t)(slash - path) >= sizeof(dir))
		return -ENAMETOOLONG;
	if (strlen(base) + strlen(TMP_SUFFIX) > NAME_MAX)
		return -ENAMETOOLONG;
	if (!slash)
		strcpy(dir, ".");
	else if (slash == path)
		strcpy(dir, "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	snprintf(tmp, sizeof(tmp), "%s" TMP_SUFFIX, base);

	err = check_records(r, n);
	if (err)
		return err;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	err = replace_file(dfd, base, tmp, r, n);
	/* The rename is only durable once the directory is; EINVAL: a file
	 * system that cannot sync a directory, nothing more to do. */
	if (!err && fsync(dfd) && errno != EINVAL)
		err = -errno;
	close(dfd);
	return err;
}

/* ------------------------------------------------------------------ load */


/* s cut at each sep into exactly n fields. */
static bool split(struct span s, char sep, struct span *f, size_t n)
{
	size_t count = 0, start = 0;

	for (size_t i = 0; i <= s.len; i++) {
		if (i < s.len && s.p[i] != sep)
			continue;
		if (count == n)
			return false;
		f[count].p = s.p + start;
		f[count].len = i - start;
		count++;
		start = i + 1;
	}
	return count == n;
}

/* Decimal digits only (no sign, no blank), at most max. */
static bool parse_uint(struct span s, __u64 max, __u64 *out)
{
	__u64 v = 0;

	if (!s.len)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned int d = (unsigned int)((unsigned char)s.p[i] - '0');

		if (d > 9 || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool parse_port(struct span s, __u16 *port)
{
	__u64 v;

	if (!parse_uint(s, 65535, &v) || !v)
		return false;
	*port = (__u16)v;
	return true;
}

/* parse_uint without a leading zero: one way to write each value (and no
 * octal guess in an address). */
static bool parse_dec(struct span s, __u64 max, __u64 *out)
{
	return !(s.len > 1 && s.p[0] == '0') && parse_uint(s, max, out);
}

/* a.b.c.d, each 0..255 without leading zeros. */
static bool parse_quad(struct span s, __be32 *addr)
{
	struct span part[4];
	__u8 b[4];

	if (!split(s, '.', part, 4))
		return false;
	for (int i = 0; i < 4; i++) {
		__u64 v;

		if (!parse_dec(part[i], 255, &v))
			return false;
		b[i] = (__u8)v;
	}
	memcpy(addr, b, sizeof(*addr));
	return true;
}

/* A dotted quad, not 0.0.0.0. */
static bool parse_addr(struct span s, __be32 *addr)
{
	return parse_quad(s, addr) && *addr != 0;
}

static int hex_digit(char c, bool upper)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (upper ? c >= 'A' && c <= 'F' : c >= 'a' && c <= 'f')
		return c - (upper ? 'A' : 'a') + 10;
	return -1;
}

/* Two hex digits of the given case at p; -1 if they are not. */
static int hex_byte(const char *p, bool upper)
{
	int hi = hex_digit(p[0], upper), lo = hex_digit(p[1], upper);

	return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
}

static bool parse_nonce(struct span s, struct xnat_lease_record *r)
{
	if (span_is(s, "-"))
		return true;
	if (s.len != NONCE_HEX)
		return false;
	for (int i = 0; i < 12; i++) {
		int v = hex_byte(s.p + 2 * i, false);

		if (v < 0)
			return false;
		r->nonce[i] = (__u8)v;
	}
	r->has_nonce = true;
	return true;
}

static bool parse_description(struct span s, char *desc)
{
	size_t len = 0;

	if (span_is(s, "-"))
		return true;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		int v = c;

		if (c == '%') {
			v = i + 2 < s.len ? hex_byte(s.p + i + 1, true) : -1;
			if (v <= 0) /* not two uppercase hex digits, or a NUL */
				return false;
			i += 2;
		} else if (c < 0x21 || c > 0x7e) {
			return false;
		}
		if (len == XNAT_LEASE_DESC_MAX)
			return false;
		desc[len++] = (char)v;
	}
	desc[len] = '\0';
	return len > 0;
}

/* One rule, a.b.c.d/len:port (0.0.0.0 is a prefix like another here);
 * filters_valid judges the values. */
static bool parse_filter(struct span s, struct xnat_remote_filter *f)
{
	struct span rule[2], prefix[2];
	__u64 len, port;

	if (!split(s, ':', rule, 2) || !split(rule[0], '/', prefix, 2) || !parse_quad(prefix[0], &f->addr) ||
	    !parse_dec(prefix[1], 32, &len) || !parse_dec(rule[1], 65535, &port))
		return false;
	f->prefix_len = (__u8)len;
	f->port = htons((__u16)port);
	return true;
}

/* "-", or 1..XNAT_PORT_FILTERS rules apart by commas (none empty). */
static bool parse_filters(struct span s, struct xnat_lease_record *r)
{
	struct span rule[XNAT_PORT_FILTERS];
	size_t n = 1;

	if (span_is(s, "-"))
		return true;
	for (size_t i = 0; i < s.len; i++)
		n += s.p[i] == ',';
	if (n > XNAT_PORT_FILTERS || !split(s, ',', rule, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!parse_filter(rule[i], &r->filters[i]))
			return false;
	r->n_filters = (__u8)n;
	return true;
}

static bool parse_owner(struct span s, __u8 *owner)
{
	for (int i = 0; i < XNAT_OWNER_MAX; i++) {
		if (owner_names[i] && span_is(s, owner_names[i])) {
			*owner = (__u8)i;
			return true;
		}
	}
	return false;
}

/* A record line (without its '\n') of exactly fields fields (FIELDS, or
 * FIELDS_V1 without filters) into *r, zeroed first; false if any of it is wrong. */
static bool parse_record(struct span line, size_t fields, struct xnat_lease_record *r)
{
	enum { PROTO, EXT_PORT, INT_ADDR, INT_PORT, OWNER, EXPIRES, NONCE, ENABLED, DESCRIPTION, FILTERS };
	struct span f[FIELDS];
	__u64 expires;

	memset(r, 0, sizeof(*r));
	if (!split(line, '\t', f, fields))
		return false;
	if (span_is(f[PROTO], "tcp"))
		r->proto = IPPROTO_TCP;
	else if (span_is(f[PROTO], "udp"))
		r->proto = IPPROTO_UDP;
	else
		return false;
	if (!span_is(f[ENABLED], "0") && !span_is(f[ENABLED], "1"))
		return false;
	r->enabled = f[ENABLED].p[0] == '1';
	if (!parse_uint(f[EXPIRES], UINT64_MAX, &expires))
		return false;
	r->expires = expires;
	return parse_port(f[EXT_PORT], &r->ext_port) && parse_addr(f[INT_ADDR], &r->int_addr) &&
	       parse_port(f[INT_PORT], &r->int_port) && parse_owner(f[OWNER], &r->owner) &&
	       parse_nonce(f[NONCE], r) && parse_description(f[DESCRIPTION], r->description) &&
	       (fields == FIELDS_V1 || parse_filters(f[FILTERS], r)) && filters_valid(r);
}

struct loader {
	FILE *file;
	char line[LEASE_LINE_MAX];
	size_t len;
	bool too_long;                  /* the line went on past line[] */
	size_t fields;                  /* of each record: FIELDS, FIELDS_V1 in a version 1 file */
	__u8 seen[SEEN_BYTES];
	struct xnat_lease_record *recs;
	size_t n, cap;
	struct xnat_lease_file_stats st;
};

/* The next line into l->line (its '\n' dropped; past LEASE_LINE_MAX bytes
 * the rest is read and dropped). Returns 1, 0 at the end, or -errno. */
static int next_line(struct loader *l)
{
	bool any = false;
	int c;

	l->len = 0;
	l->too_long = false;
	while ((c = getc_unlocked(l->file)) != EOF) {
		any = true;
		if (c == '\n')
			return 1;
		if (l->len < sizeof(l->line))
			l->line[l->len++] = (char)c;
		else
			l->too_long = true;
	}
	if (ferror(l->file))
		return errno ? -errno : -EIO;
	return any;
}

/* Blank (spaces, tabs, CRs or nothing) or a '#' comment: no record meant. */
static bool ignored_line(const struct loader *l)
{
	if (l->len && l->line[0] == '#')
		return true;
	for (size_t i = 0; i < l->len; i++)
		if (l->line[i] != ' ' && l->line[i] != '\t' && l->line[i] != '\r')
			return false;
	return !l->too_long;
}

static int keep_record(struct loader *l, const struct xnat_lease_record *r)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct xnat_lease_record *recs;

		if (cap > XNAT_LEASE_FILE_MAX)
			cap = XNAT_LEASE_FILE_MAX;
		recs = realloc(l->recs, cap * sizeof(*recs));
		if (!recs)
			return -ENOMEM;
		l->recs = recs;
		l->cap = cap;
	}
	memcpy(&l->recs[l->n++], r, sizeof(*r));
	return 0;
}

/* The first line: which version the records are of. */
static int read_header(struct loader *l)
{
	struct span header;
	int rc = next_line(l);

	if (rc < 0)
		return rc;
	if (!rc || l->too_long)
		return -EINVAL;
	header = (struct span){ l->line, l->len };
	if (span_is(header, HEADER))
		l->fields = FIELDS;
	else if (span_is(header, HEADER_V1))
		l->fields = FIELDS_V1;
	else
		return -EINVAL;
	return 0;
}

static int read_records(struct loader *l)
{
	struct xnat_lease_record r;
	int rc;

	rc = read_header(l);
	if (rc)
		return rc;
	while ((rc = next_line(l)) > 0) {
		if (ignored_line(l))
			continue;
		if (l->too_long || !parse_record((struct span){ l->line, l->len }, l->fields, &r) ||
		    l->n == XNAT_LEASE_FILE_MAX || !seen_first(l->seen, &r)) {
			l->st.skipped++;
			continue;
		}
		rc = keep_record(l, &r);
		if (rc)
			return rc;
		l->st.read++;
	}
	return rc;
}

static int open_regular(const char *path, FILE **file)
{
	struct stat sb;
	/* O_NONBLOCK: a FIFO put there must not hang xnatd's start. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), err = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb))
		err = -errno;
	else if (S_ISDIR(sb.st_mode))
		err = -EISDIR;
	else if (!S_ISREG(sb.st_mode))
		err = -EINVAL;
	else if (!(*file = fdopen(fd, "r")))
		err = -errno;
	if (err)
		close(fd);
	return err;
}

int xnat_lease_file_load(const char *path, struct xnat_lease_record **out, size_t *n,
			 struct xnat_lease_file_stats *st)
{
	struct loader *l;
	FILE *file = NULL;
	int err;

	*out = NULL;
	*n = 0;
	if (st)
		memset(st, 0, sizeof(*st));
	err = open_regular(path, &file);
	if (err)
		return err == -ENOENT ? 0 : err;
	l = calloc(1, sizeof(*l));
	if (!l) {
		fclose(file);
		return -ENOMEM;
	}
	l->file = file;
	err = read_records(l);
	fclose(file);
	if (err) {
		free(l->recs);
	} else {
		*out = l->recs;
		*n = l->n;
		if (st)
			*st = l->st;
	}
	free(l);
	return err;
}
