// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mutants SEED N OUTDIR SEEDFILE...: N inputs made from the seed files by
 * the same steps a fuzzer takes (bit flips, bytes set, inserted, deleted,
 * repeated, spliced from another seed, made of the bytes parsers trip on),
 * from a PRNG started at SEED: the same files for the same arguments,
 * always. `make test` runs each fuzz target on them (tests/fuzz/run.sh
 * --runs), so its verdict never depends on luck; libFuzzer's own search,
 * which a fixed -seed does not make repeatable, is `make fuzz`'s.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT (64 * 1024)

static uint64_t state;

/* xorshift64*: small, fast, the same sequence on every machine */
static uint64_t rnd(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dull;
}

static size_t below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

struct buf {
	unsigned char *p;
	size_t len;
};

static int read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	b->p = malloc(MAX_INPUT);
	b->len = b->p ? fread(b->p, 1, MAX_INPUT, f) : 0;
	fclose(f);
	return b->p ? 0 : -1;
}

/* The bytes text parsers decide on. */
static unsigned char special(void)
{
	static const unsigned char bytes[] = { 0, 0xff, 0x7f, 0x80, '\n', '\r', ' ', '\t', '[', ']', '=', ':',
					       ';', ',', '"', '\\', '<', '>', '/', '&', '0', '9', '-', '.' };

	return bytes[below(sizeof(bytes))];
}

static void mutate(unsigned char *in, size_t *len, const struct buf *seeds, size_t n_seeds)
{
	size_t at = below(*len + 1), n, from;

	switch (below(7)) {
	case 0: /* flip a bit */
		if (*len)
			in[below(*len)] ^= (unsigned char)(1u << below(8));
		break;
	case 1: /* set a byte */
		if (*len)
			in[below(*len)] = rnd() & 1 ? (unsigned char)rnd() : special();
		break;
	case 2: /* insert bytes */
		n = 1 + below(16);
		if (*len + n > MAX_INPUT)
			break;
		memmove(in + at + n, in + at, *len - at);
		for (size_t i = 0; i < n; i++)
			in[at + i] = rnd() & 1 ? (unsigned char)rnd() : special();
		*len += n;
		break;
	case 3: /* delete a range */
		n = below(*len - (at < *len ? at : *len) + 1);
		if (at < *len) {
			memmove(in + at, in + at + n, *len - at - n);
			*len -= n;
		}
		break;
	case 4: /* repeat a range */
		if (!*len)
			break;
		from = below(*len);
		n = 1 + below(*len - from < 256 ? *len - from : 256);
		if (*len + n > MAX_INPUT)
			break;
		memmove(in + at + n, in + at, *len - at);
		memcpy(in + at, in + from + (from >= at ? n : 0), n);
		*len += n;
		break;
	case 5: { /* splice: our head, another seed's tail */
		const struct buf *o = &seeds[below(n_seeds)];

		from = below(o->len + 1);
		if (at + (o->len - from) > MAX_INPUT)
			break;
		memcpy(in + at, o->p + from, o->len - from);
		*len = at + (o->len - from);
		break;
	}
	default: /* cut short */
		*len = at;
		break;
	}
}

int main(int argc, char **argv)
{
	struct buf *seeds;
	unsigned char *in;
	size_t n_seeds, len;
	long n;

	if (argc < 5) {
		fprintf(stderr, "usage: mutants SEED N OUTDIR SEEDFILE...\n");
		return 2;
	}
	state = strtoull(argv[1], NULL, 10) * 0x9e3779b97f4a7c15ull | 1;
	n = strtol(argv[2], NULL, 10);
	n_seeds = (size_t)(argc - 4);
	seeds = calloc(n_seeds, sizeof(*seeds));
	in = malloc(MAX_INPUT);
	if (!seeds || !in)
		return 1;
	for (size_t i = 0; i < n_seeds; i++) {
		if (read_file(argv[4 + i], &seeds[i])) {
			fprintf(stderr, "mutants: %s: %s\n", argv[4 + i], strerror(errno));
			return 1;
		}
	}
	for (long k = 0; k < n; k++) {
		const struct buf *s = &seeds[below(n_seeds)];
		char path[4096];
		FILE *f;

		memcpy(in, s->p, s->len);
		len = s->len;
		for (size_t m = 1 + below(8); m; m--)
			mutate(in, &len, seeds, n_seeds);
		snprintf(path, sizeof(path), "%s/mutant-%06ld", argv[3], k);
		f = fopen(path, "wb");
		if (!f || fwrite(in, 1, len, f) != len || fclose(f)) {
			fprintf(stderr, "mutants: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	return 0;
}
