/* Pushes 0..n onto a growable array, then sums it. */
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    (void)argc;
    long long n = atoll(argv[1]);
    size_t len = 0, cap = 4;
    long long *a = malloc(cap * sizeof *a);
    if (!a) return 1;
    for (long long i = 0; i < n; i++) {
        if (len == cap) {
            cap *= 2;
            a = realloc(a, cap * sizeof *a);
            if (!a) return 1;
        }
        a[len++] = i;
    }
    long long s = 0;
    for (size_t j = 0; j < len; j++) s += a[j];
    printf("%lld\n", s);
    free(a);
    return 0;
}
