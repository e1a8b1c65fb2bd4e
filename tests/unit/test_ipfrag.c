// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* IPv4 reassembly and fragmentation (agent/lib/ipfrag.c), checked with an
 * independent header checksum and byte-exact round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include "ipfrag.h"

#define MAXF 70000
#define NFR 128

static uint8_t dgram[MAXF];
static size_t dgram_len;

/* Frames collected by a callback. */
static uint8_t frames[NFR][4200];
static size_t frame_len[NFR];
static int n_frames;

static void collect(const uint8_t *f, size_t len, uint32_t tag, void *arg)
{
	(void)tag;
	(void)arg;
	assert_true(len <= sizeof(frames[0]));
	if (n_frames < NFR) {
		memcpy(frames[n_frames], f, len);
		frame_len[n_frames] = len;
	}
	n_frames++;
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static int csum_ok(const uint8_t *ip, size_t ihl)
{
	uint32_t s = 0;

	for (size_t i = 0; i < ihl; i += 2)
		s += get16(ip + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

/* Ethernet + IPv4 (opts bytes of options) + payload of n bytes (pattern). */
static void build(size_t n, const uint8_t *opts, size_t opt_len, uint16_t flags)
{
	uint8_t *ip = dgram + 14;
	size_t ihl = 20 + opt_len;
	uint32_t s = 0;

	memset(dgram, 0, 14 + ihl);
	memset(dgram, 0xaa, 12);
	dgram[12] = 0x08;
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	ip[2] = (uint8_t)((ihl + n) >> 8);
	ip[3] = (uint8_t)(ihl + n);
	ip[4] = 0x12, ip[5] = 0x34;
	ip[6] = (uint8_t)(flags >> 8), ip[7] = (uint8_t)flags;
	ip[8] = 64, ip[9] = 17;
	ip[12] = 192, ip[13] = 168, ip[14] = 1, ip[15] = 10;
	ip[16] = 198, ip[17] = 51, ip[18] = 100, ip[19] = 2;
	memcpy(ip + 20, opts, opt_len);
	for (size_t i = 0; i < n; i++)
		ip[ihl + i] = (uint8_t)(i * 7 + i / 251);
	for (size_t i = 0; i < ihl; i += 2)
		s += get16(ip + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	ip[10] = (uint8_t)(~s >> 8), ip[11] = (uint8_t)~s;
	dgram_len = 14 + ihl + n;
}

static const struct xnat_reasm_limits lim = { .max_datagrams = 4, .max_frame = 9000, .timeout_ns = 1000 };

static void check_fragments(unsigned int mtu)
{
	size_t total = 0, ihl0 = (size_t)(dgram[14] & 0xf) * 4;

	for (int i = 0; i < n_frames; i++) {
		const uint8_t *ip = frames[i] + 14;
		size_t ihl = (size_t)(ip[0] & 0xf) * 4, tot = get16(ip + 2);
		uint16_t fo = get16(ip + 6);

		assert_int_equal(frame_len[i], 14 + tot);
		assert_true(tot <= mtu);
		assert_true(csum_ok(ip, ihl));
		assert_int_equal(get16(ip + 4), 0x1234);
		assert_int_equal((fo & 0x1fff) * 8, total);
		assert_int_equal(!!(fo & 0x2000), i < n_frames - 1);
		if (i < n_frames - 1)
			assert_int_equal((tot - ihl) % 8, 0);
		assert_memory_equal(ip + ihl, dgram + 14 + ihl0 + total, tot - ihl);
		total += tot - ihl;
	}
	assert_int_equal(total, dgram_len - 14 - ihl0);
}

/* Reassemble frames[order[...]]; returns the result of the last add. */
static enum xnat_reasm_result feed(struct xnat_reasm *r, const int *order, int n, uint8_t *out, size_t *out_len)
{
	enum xnat_reasm_result res = XNAT_REASM_INVALID;

	for (int i = 0; i < n; i++) {
		res = xnat_reasm_add(r, frames[order[i]], frame_len[order[i]], 7, 0, out, MAXF, out_len, NULL, NULL);
		if (i < n - 1)
			assert_int_equal(res, XNAT_REASM_HELD);
	}
	return res;
}

static void test_fragment_and_back(void **state)
{
	static uint8_t out[MAXF];
	unsigned int mtus[] = { 1500, 576, 1001, 200 };
	size_t out_len;

	(void)state;
	for (size_t m = 0; m < sizeof(mtus) / sizeof(mtus[0]); m++) {
		struct xnat_reasm *r = xnat_reasm_new(&lim);
		int order[NFR];

		build(3000, NULL, 0, 0);
		n_frames = 0;
		assert_true(xnat_ip_fragment(dgram, dgram_len, mtus[m], collect, NULL, 0) > 1);
		check_fragments(mtus[m]);
		/* in reverse, with a duplicate of the last one first */
		for (int i = 0; i < n_frames; i++)
			order[i + 1] = n_frames - 1 - i;
		order[0] = n_frames - 1;
		assert_int_equal(feed(r, order, n_frames + 1, out, &out_len), XNAT_REASM_COMPLETE);
		assert_int_equal(out_len, dgram_len);
		assert_memory_equal(out, dgram, dgram_len); /* MF/offset cleared, checksum as built */
		assert_int_equal(xnat_reasm_pending(r), 0);
		xnat_reasm_free(r);
	}
}

static void test_fits_unchanged_and_df(void **state)
{
	(void)state;
	build(1000, NULL, 0, 0);
	n_frames = 0;
	assert_int_equal(xnat_ip_fragment(dgram, dgram_len, 1500, collect, NULL, 0), 1);
	assert_int_equal(frame_len[0], dgram_len);
	assert_memory_equal(frames[0], dgram, dgram_len);
	build(3000, NULL, 0, 0x4000);
	assert_int_equal(xnat_ip_fragment(dgram, dgram_len, 1500, collect, NULL, 0), -1);
	build(3000, NULL, 0, 0);
	assert_int_equal(xnat_ip_fragment(dgram, dgram_len, 60, collect, NULL, 0), -1);
	assert_int_equal(xnat_ip_fragment(dgram, 20, 1500, collect, NULL, 0), -1);
}

/* Record Route (7) stays in the first fragment only; Security (130) is copied. */
static void test_options(void **state)
{
	static uint8_t out[MAXF];
	const uint8_t opts[] = { 7, 7, 4, 0, 0, 0, 0, 130, 11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 0 };
	size_t out_len;
	struct xnat_reasm *r = xnat_reasm_new(&lim);
	int order[NFR];

	(void)state;
	build(2000, opts, sizeof(opts), 0);
	n_frames = 0;
	assert_true(xnat_ip_fragment(dgram, dgram_len, 1000, collect, NULL, 0) > 2);
	check_fragments(1000);
	assert_int_equal(frames[0][14] & 0xf, 10);
	assert_int_equal(frames[1][14] & 0xf, 8); /* 11 bytes of 130 + EOL padding */
	assert_int_equal(frames[1][34], 130);
	assert_int_equal(frames[1][45], 0);
	for (int i = 0; i < n_frames; i++)
		order[i] = i;
	assert_int_equal(feed(r, order, n_frames, out, &out_len), XNAT_REASM_COMPLETE);
	assert_memory_equal(out, dgram, dgram_len);
	xnat_reasm_free(r);
}

static void test_overlap_gives_back_in_order(void **state)
{
	static uint8_t out[MAXF];
	size_t out_len;
	struct xnat_reasm *r = xnat_reasm_new(&lim);
	uint8_t a[2048], b[2048];
	size_t la, lb;

	(void)state;
	build(3000, NULL, 0, 0);
	n_frames = 0;
	xnat_ip_fragment(dgram, dgram_len, 1500, collect, NULL, 0);
	memcpy(a, frames[0], la = frame_len[0]);
	memcpy(b, frames[1], lb = frame_len[1]);
	/* b moved 8 bytes back: overlaps the end of a */
	b[14 + 7] = (uint8_t)(b[14 + 7] - 1);
	b[14 + 10] = b[14 + 11] = 0;
	n_frames = 0;
	assert_int_equal(xnat_reasm_add(r, a, la, 1, 0, out, MAXF, &out_len, collect, NULL), XNAT_REASM_HELD);
	assert_int_equal(xnat_reasm_add(r, b, lb, 1, 0, out, MAXF, &out_len, collect, NULL), XNAT_REASM_GAVE_UP);
	assert_int_equal(n_frames, 2);
	assert_memory_equal(frames[0], a, la);
	assert_memory_equal(frames[1], b, lb);
	assert_int_equal(xnat_reasm_pending(r), 0);
	xnat_reasm_free(r);
}

static void test_timeout_eviction_tags(void **state)
{
	static uint8_t out[MAXF];
	size_t out_len;
	struct xnat_reasm *r = xnat_reasm_new(&lim);
	struct xnat_reasm_stats st;
	uint8_t first[2048], last[2048];
	size_t lf, ll;

	(void)state;
	build(3000, NULL, 0, 0);
	n_frames = 0;
	xnat_ip_fragment(dgram, dgram_len, 1500, collect, NULL, 0);
	memcpy(first, frames[0], lf = frame_len[0]);
	memcpy(last, frames[n_frames - 1], ll = frame_len[n_frames - 1]);
	n_frames = 0;
	/* different tags don't mix: 4 datagrams held, a 5th evicts the oldest */
	for (uint32_t tag = 0; tag < 5; tag++)
		assert_int_equal(xnat_reasm_add(r, first, lf, tag, 100 + tag, out, MAXF, &out_len, collect, NULL),
				 XNAT_REASM_HELD);
	assert_int_equal(n_frames, 1); /* tag 0's, evicted */
	assert_int_equal(xnat_reasm_pending(r), 4);
	assert_int_equal(xnat_reasm_expire(r, 1102, collect, NULL), 2); /* tags 1 and 2: born 101, 102 */
	assert_int_equal(n_frames, 3);
	assert_int_equal(xnat_reasm_expire(r, 500, collect, NULL), 0);
	xnat_reasm_get_stats(r, &st);
	assert_int_equal(st.gave_up_evicted, 1);
	assert_int_equal(st.gave_up_timeout, 2);
	xnat_reasm_free(r);
	/* too big for the limit: given back */
	r = xnat_reasm_new(&(struct xnat_reasm_limits){ .max_datagrams = 2, .max_frame = 2000, .timeout_ns = 9 });
	n_frames = 0;
	assert_int_equal(xnat_reasm_add(r, first, lf, 0, 0, out, MAXF, &out_len, collect, NULL), XNAT_REASM_HELD);
	assert_int_equal(xnat_reasm_add(r, last, ll, 0, 0, out, MAXF, &out_len, collect, NULL), XNAT_REASM_GAVE_UP);
	assert_int_equal(n_frames, 2);
	xnat_reasm_free(r);
}

static void test_invalid(void **state)
{
	static uint8_t out[MAXF];
	size_t out_len;
	struct xnat_reasm *r = xnat_reasm_new(&lim);
	uint8_t f[2048];

	(void)state;
	build(100, NULL, 0, 0); /* not a fragment */
	assert_int_equal(xnat_reasm_add(r, dgram, dgram_len, 0, 0, out, MAXF, &out_len, NULL, NULL), XNAT_REASM_INVALID);
	build(100, NULL, 0, 0x2000);
	memcpy(f, dgram, dgram_len);
	f[14] = 0x44; /* IHL 16 bytes */
	assert_int_equal(xnat_reasm_add(r, f, dgram_len, 0, 0, out, MAXF, &out_len, NULL, NULL), XNAT_REASM_INVALID);
	/* a middle fragment whose payload is not a multiple of 8 */
	build(100, NULL, 0, 0x2000);
	assert_int_equal(xnat_reasm_add(r, dgram, dgram_len, 0, 0, out, MAXF, &out_len, NULL, NULL), XNAT_REASM_INVALID);
	/* tot_len past the capture, and truncations at every length */
	build(96, NULL, 0, 0x2000);
	for (size_t n = 0; n < dgram_len; n++)
		assert_int_equal(xnat_reasm_add(r, dgram, n, 0, 0, out, MAXF, &out_len, NULL, NULL),
				 XNAT_REASM_INVALID);
	assert_int_equal(xnat_reasm_pending(r), 0);
	xnat_reasm_free(r);
}

/* Random sizes, MTUs and orders: every fragmentation reassembles to the original. */
static void test_random_round_trips(void **state)
{
	static uint8_t out[MAXF];
	size_t out_len;

	(void)state;
	srand(4242);
	for (int it = 0; it < 200; it++) {
		struct xnat_reasm *r = xnat_reasm_new(&lim);
		size_t n = 1 + (size_t)rand() % 4000;
		unsigned int mtu = 68 + (unsigned int)rand() % 2000;
		int order[NFR], got;

		build(n, NULL, 0, 0);
		n_frames = 0;
		got = xnat_ip_fragment(dgram, dgram_len, mtu, collect, NULL, 0);
		if (got > NFR || got < 2) {
			xnat_reasm_free(r);
			continue;
		}
		check_fragments(mtu);
		for (int i = 0; i < n_frames; i++)
			order[i] = i;
		for (int i = n_frames - 1; i > 0; i--) {
			int j = rand() % (i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		if (n_frames <= 64) {
			assert_int_equal(feed(r, order, n_frames, out, &out_len), XNAT_REASM_COMPLETE);
			assert_int_equal(out_len, dgram_len);
			assert_memory_equal(out, dgram, dgram_len);
		}
		xnat_reasm_free(r);
	}
}


/* DF and too big: no fragments; the ICMP a router sends back instead. */
static void test_frag_needed(void **state)
{
	static uint8_t icmp[700];
	uint32_t src = htonl(0xc6336401); /* 198.51.100.1 */
	uint32_t s = 0;
	int n;

	(void)state;
	build(3000, NULL, 0, 0x4000);
	assert_int_equal(xnat_ip_fragment(dgram, dgram_len, 1500, collect, NULL, 0), -1);
	n = xnat_ip_frag_needed(dgram, dgram_len, src, 1500, icmp, sizeof(icmp));
	assert_int_equal(n, 14 + 576);
	assert_memory_equal(icmp, dgram + 6, 6); /* to the hop it came from */
	assert_memory_equal(icmp + 6, dgram, 6);
	assert_true(csum_ok(icmp + 14, 20));
	assert_int_equal(get16(icmp + 14 + 2), 576);
	assert_int_equal(icmp[14 + 9], 1);
	assert_memory_equal(icmp + 14 + 12, &src, 4);
	assert_memory_equal(icmp + 14 + 16, dgram + 14 + 12, 4); /* to its sender */
	assert_int_equal(icmp[34], 3);
	assert_int_equal(icmp[35], 4);
	assert_int_equal(get16(icmp + 34 + 6), 1500);
	assert_memory_equal(icmp + 42, dgram + 14, 576 - 28); /* the datagram's start, quoted */
	for (size_t i = 34; i + 1 < 14 + 576; i += 2)
		s += get16(icmp + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	assert_int_equal(s, 0xffff);
	/* an odd, short quote: the whole datagram, the checksum padded */
	build(101, NULL, 0, 0x4000);
	n = xnat_ip_frag_needed(dgram, dgram_len, src, 100, icmp, sizeof(icmp));
	assert_int_equal(n, 14 + 28 + 121);
	s = 0;
	for (size_t i = 34; i < (size_t)n; i += 2)
		s += i + 1 < (size_t)n ? get16(icmp + i) : (uint32_t)icmp[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	assert_int_equal(s, 0xffff);
	/* the twins: no DF, a fragment, an MTU below 68 */
	build(3000, NULL, 0, 0);
	assert_int_equal(xnat_ip_frag_needed(dgram, dgram_len, src, 1500, icmp, sizeof(icmp)), -1);
	build(3000, NULL, 0, 0x4000 | 0x2000);
	assert_int_equal(xnat_ip_frag_needed(dgram, dgram_len, src, 1500, icmp, sizeof(icmp)), -1);
	build(3000, NULL, 0, 0x4000);
	assert_int_equal(xnat_ip_frag_needed(dgram, dgram_len, src, 60, icmp, sizeof(icmp)), -1);
	assert_int_equal(xnat_ip_frag_needed(dgram, dgram_len, src, 1500, icmp, 100), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fragment_and_back),
		cmocka_unit_test(test_fits_unchanged_and_df),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_overlap_gives_back_in_order),
		cmocka_unit_test(test_timeout_eviction_tags),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_random_round_trips),
		cmocka_unit_test(test_frag_needed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
