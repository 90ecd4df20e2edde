// An LD_PRELOAD library that counts heap allocations, to check that steady-state queries allocate nothing per
// posting:  gcc -O2 -shared -fPIC -o /tmp/malloc_count.so malloc_count.c -ldl
//           LD_PRELOAD=/tmp/malloc_count.so .build/release/saiga-bench query ...
// saiga-bench reads malloc_count_allocations() (found with dlsym) before and after its timed pass and prints
// allocations_per_query.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdatomic.h>

static atomic_ulong allocations;
static atomic_ulong bytes;

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);

// dlsym itself may call calloc before real_calloc is known: serve it from a static buffer.
static char bootstrap[4096];
static size_t bootstrap_used;

static void init(void) {
    if (!real_malloc) {
        real_malloc = dlsym(RTLD_NEXT, "malloc");
        real_calloc = dlsym(RTLD_NEXT, "calloc");
        real_realloc = dlsym(RTLD_NEXT, "realloc");
        real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    }
}

void *malloc(size_t n) {
    init();
    atomic_fetch_add(&allocations, 1);
    atomic_fetch_add(&bytes, n);
    return real_malloc(n);
}

void *calloc(size_t a, size_t b) {
    if (!real_calloc) {
        size_t n = (a * b + 15) & ~(size_t)15;
        if (bootstrap_used + n > sizeof bootstrap) return NULL;
        void *p = bootstrap + bootstrap_used;
        bootstrap_used += n;
        return p;
    }
    atomic_fetch_add(&allocations, 1);
    atomic_fetch_add(&bytes, a * b);
    return real_calloc(a, b);
}

void *realloc(void *p, size_t n) {
    init();
    atomic_fetch_add(&allocations, 1);
    atomic_fetch_add(&bytes, n);
    return real_realloc(p, n);
}

int posix_memalign(void **p, size_t align, size_t n) {
    init();
    atomic_fetch_add(&allocations, 1);
    atomic_fetch_add(&bytes, n);
    return real_posix_memalign(p, align, n);
}

// Allocations and bytes so far (for the benchmark to read before and after a pass).
unsigned long malloc_count_allocations(void) { return atomic_load(&allocations); }
unsigned long malloc_count_bytes(void) { return atomic_load(&bytes); }
