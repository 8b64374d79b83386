/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_main.h - entry points of a script fuzz target.  Included
 * last by each target, which defines FZ_NAME, fz_run() (run one script;
 * aborts on a broken invariant) and fz_seeds() (its built-in seed scripts).
 *
 * With VRQ_LIBFUZZER: LLVMFuzzerTestOneInput() only (libFuzzer's main).
 * Without it, an ordinary test program:
 *
 *   fuzz_x [CORPUS_DIR...]      run the built-in seeds, every file of each
 *                               CORPUS_DIR, then a seeded pseudo-random set
 *                               of scripts (mutated seeds and random bytes;
 *                               100000 x env VRQ_TEST_SCALE, default 1)
 *   fuzz_x --write-seeds DIR    write the built-in seeds to DIR (this is
 *                               how tests/fuzz/corpus/<target>/ was made)
 */
#ifndef VRQ_FUZZ_MAIN_H
#define VRQ_FUZZ_MAIN_H

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_name = FZ_NAME;
	fz_run(data, size);
	return 0;
}

#ifdef VRQ_LIBFUZZER
/* the built-in seeds are for the replay program and the corpus */
static void (*const fz_seeds_unused)(void (*)(const char *, const struct fz_sb *))
	__attribute__((unused)) = fz_seeds;
#else
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>

#define FZ_POOL_MAX 512u

static uint8_t *fz_pool[FZ_POOL_MAX];
static size_t fz_pool_len[FZ_POOL_MAX];
static unsigned fz_pool_n;
static const char *fz_seed_dir; /* --write-seeds */
static unsigned long fz_seeds_run;

static void fz_pool_add(const uint8_t *p, size_t n)
{
	uint8_t *c;

	if (fz_pool_n >= FZ_POOL_MAX)
		return;
	c = (uint8_t *)malloc(n ? n : 1);
	if (!c)
		abort();
	memcpy(c, p, n);
	fz_pool[fz_pool_n] = c;
	fz_pool_len[fz_pool_n++] = n;
}

/* fz_seeds() callback: write the seed, or run it and keep it for mutation */
static void fz_emit(const char *name, const struct fz_sb *s)
{
	if (fz_seed_dir) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", fz_seed_dir, name);
		f = fopen(path, "wb");
		if (!f || fwrite(s->b, 1, s->n, f) != s->n || fclose(f)) {
			fprintf(stderr, "%s: cannot write %s: %s\n", fz_name, path, strerror(errno));
			exit(1);
		}
		return;
	}
	fz_run(s->b, s->n);
	fz_seeds_run++;
	fz_pool_add(s->b, s->n);
}

/* Run every regular file of @p dir; -1 if it cannot be read. */
static int fz_replay_dir(const char *dir, unsigned long *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		fprintf(stderr, "%s: cannot open corpus %s: %s\n", fz_name, dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		char path[4096];
		struct stat st;
		uint8_t *buf;
		FILE *f;
		size_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode) || e->d_name[0] == '.')
			continue;
		buf = (uint8_t *)malloc((size_t)st.st_size + 1);
		f = fopen(path, "rb");
		if (!buf || !f) {
			fprintf(stderr, "%s: cannot read %s\n", fz_name, path);
			closedir(d);
			return -1;
		}
		n = fread(buf, 1, (size_t)st.st_size, f);
		fclose(f);
		fz_run(buf, n);
		fz_pool_add(buf, n);
		free(buf);
		(*count)++;
	}
	closedir(d);
	return 0;
}

/* A fault is an access outside every area (guard pages): name it, then
 * die of the same signal. */
static void fz_on_fault(int sig, siginfo_t *si, void *uc)
{
	char msg[160];
	int n;

	(void)uc;
	n = snprintf(msg, sizeof(msg),
		     "%s: invariant violated: no crash (signal %d, fault address %p: outside "
		     "every shared area?)\n",
		     fz_name, sig, si->si_addr);
	if (n > 0 && write(2, msg, (size_t)n) < 0)
		_exit(134);
}

static uint64_t fz_xs = 0x9E3779B97F4A7C15ull;

static uint64_t fz_rnd(void)
{
	fz_xs ^= fz_xs >> 12;
	fz_xs ^= fz_xs << 25;
	fz_xs ^= fz_xs >> 27;
	return fz_xs * 0x2545F4914F6CDD1Dull;
}

int main(int argc, char **argv)
{
	static uint8_t buf[16384];
	const char *s = getenv("VRQ_TEST_SCALE");
	double scale = s ? strtod(s, NULL) : 1.0;
	unsigned long files = 0, rnd_runs, i;
	int a;

	struct sigaction sa;

	fz_name = FZ_NAME;
	fz_trace = getenv("VRQ_FUZZ_TRACE") != NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fz_on_fault;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	if (argc == 3 && !strcmp(argv[1], "--write-seeds")) {
		fz_seed_dir = argv[2];
		fz_seeds(fz_emit);
		return 0;
	}
	for (a = 1; a < argc; a++) {
		if (argv[a][0] == '-') {
			fprintf(stderr, "usage: %s [CORPUS_DIR...] | --write-seeds DIR\n", argv[0]);
			return 2;
		}
	}
	fz_seeds(fz_emit);
	for (a = 1; a < argc; a++)
		if (fz_replay_dir(argv[a], &files))
			return 1;
	if (!(scale > 0))
		scale = 1.0;
	rnd_runs = (unsigned long)(100000 * scale);
	if (rnd_runs < 50)
		rnd_runs = 50;
	for (i = 0; i < rnd_runs; i++) {
		size_t n;
		unsigned m;

		if (!fz_pool_n || fz_rnd() % 4 == 0) {
			/* random bytes: random header, random operations */
			n = 2 + fz_rnd() % 600;
			for (m = 0; m < n; m++)
				buf[m] = (uint8_t)fz_rnd();
		} else {
			/* a seed with a few byte-level mutations */
			unsigned k = (unsigned)(fz_rnd() % fz_pool_n), muts = 1 + (unsigned)(fz_rnd() % 8);

			n = fz_pool_len[k] < sizeof(buf) ? fz_pool_len[k] : sizeof(buf);
			memcpy(buf, fz_pool[k], n);
			for (m = 0; m < muts && n; m++) {
				size_t at = fz_rnd() % n;

				switch (fz_rnd() % 5) {
				case 0: /* flip a bit */
					buf[at] ^= (uint8_t)(1u << (fz_rnd() % 8));
					break;
				case 1: /* a random byte */
					buf[at] = (uint8_t)fz_rnd();
					break;
				case 2: /* an interesting byte */
					buf[at] = (uint8_t)((const uint8_t[]){0, 1, 0x7f, 0x80, 0xff}[fz_rnd() % 5]);
					break;
				case 3: /* truncate */
					n = at + 1;
					break;
				default: /* append random bytes */
					while (n < sizeof(buf) && fz_rnd() % 8)
						buf[n++] = (uint8_t)fz_rnd();
					break;
				}
			}
		}
		fz_run(buf, n);
	}
	printf("%s: %lu built-in seeds, %lu corpus files, %lu pseudo-random scripts: ok\n",
	       fz_name, fz_seeds_run, files, rnd_runs);
	for (i = 0; i < fz_pool_n; i++)
		free(fz_pool[i]);
	return 0;
}
#endif /* !VRQ_LIBFUZZER */
#endif /* VRQ_FUZZ_MAIN_H */
