#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    (void)argc;
    long long n = atoll(argv[1]), s = 0;
    for (long long i = 0; i < n; i++) s += (long long)((unsigned long long)i * (unsigned long long)i) % 7;
    printf("%lld\n", s);
    return 0;
}
