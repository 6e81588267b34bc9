/*
 * Times the policy loader on every hostile input of tests/fuzz/hostile_inputs.h
 * and on a large valid policy (10 000 resources, about 1 MB): each input is
 * generated once, then loaded N times (default 20, or the first argument);
 * prints the input, its size, the median time and the throughput.
 *
 *   ninja -C build bench/bench_loader && build/bench/bench_loader 50
 *
 * Figures are recorded in docs/benchmarks.md, section "Policy loader".
 */
#include "fuzz/hostile_inputs.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Loads the input `reps` times; returns the median in ms, or -1 on a wrong result. */
static double time_input(const hostile_input *in, const enf_buf *b, int reps, double *times)
{
	for (int r = 0; r < reps; r++) {
		enf_diag_list diags;
		if (enf_diag_list_init(&diags, in->name))
			return -1;
		enf_policy *p = NULL;
		double t0 = now_ms();
		int rc = enf_policy_load_buffer(&p, &diags, in->name, b->ptr, b->len);
		times[r] = now_ms() - t0;
		enf_policy_free(p);
		enf_diag_list_clear(&diags);
		if ((rc == 0) != (in->first_error == NULL))
			return -1;
	}
	qsort(times, (size_t)reps, sizeof(double), cmp_double);
	return reps % 2 ? times[reps / 2] : (times[reps / 2 - 1] + times[reps / 2]) / 2;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 20;
	if (reps < 1 || reps > 100000) {
		fprintf(stderr, "usage: bench_loader [REPETITIONS]\n");
		return 2;
	}
	double *times = malloc((size_t)reps * sizeof(double));
	if (!times)
		return 1;
	int failed = 0;
	printf("%-22s %10s %12s %10s   (%d repetitions)\n", "input", "bytes", "median ms", "MB/s",
	       reps);
	for (size_t i = 0; i < ENF_ARRAY_SIZE(hostile_inputs); i++) {
		const hostile_input *in = &hostile_inputs[i];
		enf_buf b = ENF_BUF_INIT;
		in->make(&b);
		if (b.failed) {
			fprintf(stderr, "%s: out of memory\n", in->name);
			return 1;
		}
		double ms = time_input(in, &b, reps, times);
		if (ms < 0) {
			printf("%-22s %10zu  unexpected result\n", in->name, b.len);
			failed = 1;
		} else {
			printf("%-22s %10zu %12.3f %10.1f\n", in->name, b.len, ms,
			       ms > 0 ? (double)b.len / 1e6 / (ms / 1e3) : 0.0);
		}
		enf_buf_clear(&b);
	}
	free(times);
	return failed;
}
