/* Appends "ab" n times to a growable buffer (amortized O(1) per append). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    (void)argc;
    long long n = atoll(argv[1]);
    size_t len = 0, cap = 16;
    char *s = malloc(cap);
    if (!s) return 1;
    for (long long i = 0; i < n; i++) {
        if (len + 2 > cap) {
            cap *= 2;
            s = realloc(s, cap);
            if (!s) return 1;
        }
        memcpy(s + len, "ab", 2);
        len += 2;
    }
    printf("%zu\n", len);
    free(s);
    return 0;
}
