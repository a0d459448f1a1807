/* 10^6 appends of "ab" to a growing heap string (doubling realloc), then print the length:
   the C baseline for strbuild_1m.mir. Build: cc -O2 -o /tmp/strbuild_c strbuild.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    size_t len = 0, cap = 16;
    char *s = malloc(cap);
    if (!s) return 1;
    for (int i = 0; i < 1000000; i++) {
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
