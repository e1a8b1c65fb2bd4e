// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for GENA (agent/lib/gena.c): SUBSCRIBE, renewals and
 * UNSUBSCRIBE as xnatd's upnp_http.c hands them over (each header a string
 * or NULL, the TCP peer's address, the clock), the CALLBACK URLs taken
 * apart, the subscription table, and the NOTIFY requests written from it.
 *
 * Input: a session, as text. "SUBSCRIBE PATH" or "UNSUBSCRIBE PATH" starts
 * a request, "Name: value" lines are its headers (CALLBACK, NT, TIMEOUT,
 * SID; the first of a name counts, blanks after the colon skipped as an
 * HTTP server does), an empty line (or the end) sends it. Between
 * requests, "@a.b.c.d" changes the sender (192.168.1.10 at first), "+N"
 * moves the clock N seconds, "EXPIRE" frees what expired. "SID: $N" is the
 * SID held in slot N of the table, so renewals and unsubscriptions reach
 * real subscriptions. Each input starts from an empty table.
 *
 * Checked beyond "no crash", after every request: the status is 200, 400,
 * 412 or 503 with a reason, 400 for a path that is not an event path; a
 * success answers a SID "uuid:" + 36 in the table for that service, held
 * by the sender, expiring at now + a TIMEOUT of 60..86400, in the slot
 * answered when new, a refusal no SID and no slot; an unsubscribed SID is
 * gone; every subscription's callback is the address that subscribed
 * (CallStranger, CVE-2020-12695) and never changes, its path a '/' and
 * printable ASCII, its SID unique; no address holds more than 8; every
 * subscription's NOTIFY is written, to its own address and path. The same
 * session twice gives the same answers and the same table (field by field).
 */
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include "check.h"
#include "gena.h"
#include "upnp_desc.h"

#define MAX_REQUESTS 64
#define NOTIFY_CAP 2048

static const __u8 seed[16] = { 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
			       0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
static struct xnat_gena tables[2];
static char body[1024];

struct req {
	bool subscribe;
	const char *path, *callback, *nt, *timeout, *sid;
};

/* What a run answered, to compare with the second run's. */
struct transcript {
	size_t len;
	char text[MAX_REQUESTS * 64];
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *const *names;
	struct xnat_gena_var vars[4];
	size_t n = xnat_gena_evented(XNAT_GENA_WANIPC, &names);
	static const char *const values[4] = { "IP_Routed", "Connected", "198.51.100.1", "3" };

	(void)argc, (void)argv;
	CHECK(n == 4, "%zu evented variables", n);
	for (size_t i = 0; i < n; i++)
		vars[i] = (struct xnat_gena_var){ names[i], values[i] };
	CHECK(xnat_gena_propertyset(vars, n, body, sizeof(body)) > 0, "initial event");
	return 0;
}

static bool valid_path(const char *p)
{
	size_t len = strnlen(p, XNAT_GENA_PATH_MAX + 1);

	if (!len || len > XNAT_GENA_PATH_MAX || p[0] != '/')
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			return false;
	return true;
}

static const struct xnat_gena_sub *find(const struct xnat_gena *g, const char *sid)
{
	for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++)
		if (g->subs[i].used && !strcmp(g->subs[i].sid, sid))
			return &g->subs[i];
	return NULL;
}

static void check_table(struct xnat_gena *g, const __be32 creator[XNAT_GENA_MAX_SUBS])
{
	char msg[NOTIFY_CAP], head[XNAT_GENA_PATH_MAX + 64];

	for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++) {
		struct xnat_gena_sub *s = &g->subs[i];
		int per_host = 0, n;
		__u32 seq = s->seq, a;

		if (!s->used)
			continue;
		CHECK(s->addr == creator[i], "slot %d: callback %08x, subscribed by %08x", i, ntohl(s->addr),
		      ntohl(creator[i]));
		CHECK(s->service < XNAT_GENA_SERVICES && s->port && valid_path(s->path), "slot %d: service %d, port %u",
		      i, s->service, s->port);
		CHECK(strlen(s->sid) == XNAT_GENA_SID_LEN && !strncmp(s->sid, "uuid:", 5), "slot %d: SID %s", i, s->sid);
		for (int j = 0; j < XNAT_GENA_MAX_SUBS; j++) {
			if (!g->subs[j].used)
				continue;
			CHECK(j == i || strcmp(g->subs[j].sid, s->sid), "slots %d and %d: one SID", i, j);
			per_host += g->subs[j].addr == s->addr;
		}
		CHECK(per_host <= XNAT_GENA_MAX_PER_HOST, "%d subscriptions of one address", per_host);

		n = xnat_gena_notify_request(s, body, msg, sizeof(msg));
		a = ntohl(s->addr);
		snprintf(head, sizeof(head), "NOTIFY %s HTTP/1.1\r\nHOST: %u.%u.%u.%u:%u\r\n", s->path, a >> 24,
			 (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff, s->port);
		CHECK(n > 0 && (size_t)n == strlen(msg) && !strncmp(msg, head, strlen(head)), "NOTIFY of slot %d: %d %.60s",
		      i, n, msg);
		CHECK(s->seq == (seq == 0xffffffffu ? 1 : seq + 1), "SEQ %u after %u", s->seq, seq);
	}
}

static void check_answer(struct xnat_gena *g, const struct req *q, __be32 client, __u32 now,
			 const struct xnat_gena_answer *a, __be32 creator[XNAT_GENA_MAX_SUBS])
{
	int service = xnat_gena_service_of(q->path);

	CHECK(a->reason, "status %d without a reason", a->status);
	CHECK(a->status == 200 || a->status == 400 || a->status == 412 || (a->status == 503 && q->subscribe && !q->sid),
	      "status %d (%s)", a->status, a->reason);
	CHECK(service >= 0 || a->status == 400, "path %s: status %d", q->path, a->status);
	if (a->status != 200) {
		CHECK(!a->sid[0] && a->slot == -1, "refused (%d) with SID '%s', slot %d", a->status, a->sid, a->slot);
		return;
	}
	if (!q->subscribe) {
		CHECK(q->sid && !find(g, q->sid), "unsubscribed, SID still there");
		return;
	}
	{
		const struct xnat_gena_sub *s = find(g, a->sid);

		CHECK(s, "SID %s answered, not in the table", a->sid);
		CHECK(a->timeout >= XNAT_GENA_MIN_TIMEOUT && a->timeout <= XNAT_GENA_MAX_TIMEOUT, "TIMEOUT %u",
		      a->timeout);
		CHECK((int)s->service == service && s->addr == client && s->expires == now + a->timeout,
		      "subscription %s: service %d, address %08x, expires %u", a->sid, s->service, ntohl(s->addr),
		      s->expires);
		if (q->sid) {
			CHECK(a->slot == -1 && !strcmp(q->sid, a->sid), "renewal of %s answered %s, slot %d", q->sid,
			      a->sid, a->slot);
		} else {
			CHECK(a->slot >= 0 && a->slot < XNAT_GENA_MAX_SUBS && s == &g->subs[a->slot] && s->seq == 0,
			      "new subscription in slot %d", a->slot);
			creator[a->slot] = client;
		}
	}
}

/* The value after "Name:" when the line is that header, else NULL. */
static char *header_value(char *line, const char *name)
{
	size_t n = strlen(name);

	if (strncasecmp(line, name, n) || line[n] != ':')
		return NULL;
	line += n + 1;
	return line + strspn(line, " \t");
}

static void set_header(const char **slot, char *value)
{
	if (value && !*slot)
		*slot = value;
}

static void send_req(struct xnat_gena *g, struct req *q, __be32 client, __u32 now, __be32 creator[],
		     struct transcript *t)
{
	struct xnat_gena_answer a;
	char sid_of_slot[XNAT_GENA_SID_LEN + 1];

	if (q->sid && q->sid[0] == '$' && q->sid[1] >= '0' && q->sid[1] <= '9') {
		const struct xnat_gena_sub *s = &g->subs[strtoul(q->sid + 1, NULL, 10) % XNAT_GENA_MAX_SUBS];

		if (s->used) {
			memcpy(sid_of_slot, s->sid, sizeof(sid_of_slot));
			q->sid = sid_of_slot;
		}
	}
	if (q->subscribe)
		xnat_gena_subscribe(g, q->path, q->callback, q->nt, q->timeout, q->sid, client, now, &a);
	else
		xnat_gena_unsubscribe(g, q->path, q->sid, q->callback, q->nt, client, &a);
	check_answer(g, q, client, now, &a, creator);
	check_table(g, creator);
	if (t->len + 64 < sizeof(t->text))
		t->len += (size_t)snprintf(t->text + t->len, 64, "%d %s %u %d;", a.status, a.sid, a.timeout, a.slot);
	memset(q, 0, sizeof(*q));
}

static void run(struct xnat_gena *g, const uint8_t *data, size_t size, struct transcript *t)
{
	static char *buf;
	static size_t buf_cap;
	__be32 creator[XNAT_GENA_MAX_SUBS] = { 0 }, client;
	struct req q = { 0 };
	__u32 now = 1000000;
	int requests = 0;
	char *line, *next;

	if (buf_cap < size + 1) {
		free(buf);
		buf_cap = size + 1;
		buf = malloc(buf_cap);
		CHECK(buf, "out of memory");
	}
	memcpy(buf, data, size);
	buf[size] = '\0';
	inet_pton(AF_INET, "192.168.1.10", &client);
	xnat_gena_init(g, seed);
	t->len = 0;
	for (line = buf; line && requests < MAX_REQUESTS; line = next) {
		size_t len;

		next = memchr(line, '\n', size - (size_t)(line - buf));
		if (next)
			*next++ = '\0';
		len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (q.path && !len) {
			send_req(g, &q, client, now, creator, t);
			requests++;
		} else if (q.path) {
			set_header(&q.callback, header_value(line, "CALLBACK"));
			set_header(&q.nt, header_value(line, "NT"));
			set_header(&q.timeout, header_value(line, "TIMEOUT"));
			set_header(&q.sid, header_value(line, "SID"));
		} else if (!strncmp(line, "SUBSCRIBE ", 10) || !strncmp(line, "UNSUBSCRIBE ", 12)) {
			q.subscribe = line[0] == 'S';
			q.path = line + (q.subscribe ? 10 : 12);
			line = strchr(q.path, ' ');
			if (line)
				*line = '\0';
		} else if (line[0] == '@') {
			__be32 a;

			if (inet_pton(AF_INET, line + 1, &a) == 1)
				client = a;
		} else if (line[0] == '+') {
			now += (__u32)strtoul(line + 1, NULL, 10);
		} else if (!strcmp(line, "EXPIRE")) {
			xnat_gena_expire(g, now);
			for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++)
				CHECK(!g->subs[i].used || (__s32)(now - g->subs[i].expires) < 0, "slot %d expired, kept", i);
		}
	}
	if (q.path && requests < MAX_REQUESTS)
		send_req(g, &q, client, now, creator, t);
}

/* Field by field: the bytes of a path after its NUL are not compared (gena.c copies
 * them from an uninitialised stack buffer, harmlessly: they are never read). */
static bool same_tables(const struct xnat_gena *a, const struct xnat_gena *b)
{
	if (a->sid_counter != b->sid_counter || memcmp(&a->count, &b->count, sizeof(a->count)))
		return false;
	for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++) {
		const struct xnat_gena_sub *x = &a->subs[i], *y = &b->subs[i];

		if (x->used != y->used || (x->used && (x->service != y->service || strcmp(x->sid, y->sid) ||
						       x->addr != y->addr || x->port != y->port ||
						       strcmp(x->path, y->path) || x->expires != y->expires ||
						       x->seq != y->seq)))
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct transcript t1, t2;

	run(&tables[0], data, size, &t1);
	run(&tables[1], data, size, &t2);
	CHECK(t1.len == t2.len && !memcmp(t1.text, t2.text, t1.len), "two runs, two answers: %.*s | %.*s",
	      (int)t1.len, t1.text, (int)t2.len, t2.text);
	CHECK(same_tables(&tables[0], &tables[1]), "two runs, two tables");
	return 0;
}
