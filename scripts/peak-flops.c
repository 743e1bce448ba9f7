// Measured single-precision peak of this CPU: every thread runs independent chains of fused
// multiply-adds on the widest vectors the compiler was told of (-march=native: AVX-512 where
// the CPU has it, else AVX2 + FMA), no memory traffic. The clock is whatever the CPU runs at
// under this load (boost included), which is what a benchmark's FLOP/s should be compared to;
// lscpu's "max MHz" is often the base clock, or missing in a VM.
//   cc -O2 -march=native -pthread scripts/peak-flops.c -o peak-flops && ./peak-flops THREADS
// Prints one number: GFLOP/s summed over the threads (best of 5 runs of about 0.2 s each).
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define LANES 16
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define ADD _mm512_add_ps
#define STORE _mm512_storeu_ps
#elif defined(__FMA__)
typedef __m256 vec;
#define LANES 8
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define ADD _mm256_add_ps
#define STORE _mm256_storeu_ps
#else
#error "needs FMA (x86-64 with AVX2 + FMA or AVX-512)"
#endif

// Enough independent accumulators to cover the FMA latency on two pipes.
#define CHAINS 12
#define ITERS 20000000L

#define FMA12(x) \
    x(0) x(1) x(2) x(3) x(4) x(5) x(6) x(7) x(8) x(9) x(10) x(11)
#define DECL(c) vec acc##c = SET1(1.0f + c * 1e-3f);
#define STEP(c) acc##c = FMA(acc##c, a, b);
#define SUM(c) sum = ADD(sum, acc##c);

static void *run(void *out) {
    // Twelve named accumulators (CHAINS), so that each stays in a register.
    FMA12(DECL)
    const vec a = SET1(0.999999f), b = SET1(1e-7f);
    for (long i = 0; i < ITERS; i++) {
        FMA12(STEP)
        __asm__ volatile("" : "+v"(acc0), "+v"(acc1), "+v"(acc2), "+v"(acc3), "+v"(acc4),
                         "+v"(acc5), "+v"(acc6), "+v"(acc7), "+v"(acc8), "+v"(acc9),
                         "+v"(acc10), "+v"(acc11));
    }
    vec sum = SET1(0.0f);
    FMA12(SUM)
    STORE((float *)out, sum);
    return NULL;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    if (threads < 1 || threads > 1024) {
        fprintf(stderr, "usage: peak-flops THREADS (1 to 1024), got %s\n", argc > 1 ? argv[1] : "");
        return 2;
    }
    pthread_t *ids = malloc(sizeof(pthread_t) * threads);
    float *sink = malloc(sizeof(float) * LANES * threads);
    double best = 0;
    for (int round = 0; round < 5; round++) {
        double start = now();
        for (int t = 0; t < threads; t++) pthread_create(&ids[t], NULL, run, sink + t * LANES);
        for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
        double flops = 2.0 * LANES * CHAINS * ITERS * threads;
        double rate = flops / (now() - start) / 1e9;
        if (rate > best) best = rate;
    }
    float check = 0;
    for (int i = 0; i < LANES * threads; i++) check += sink[i];
    if (check != check) return 1;  // keeps the results alive
    printf("%.1f\n", best);
    return 0;
}
