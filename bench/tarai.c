#include <stdio.h>
#include <stdlib.h>
static long long tarai(long long x, long long y, long long z) {
    if (x <= y) return y;
    return tarai(tarai(x - 1, y, z), tarai(y - 1, z, x), tarai(z - 1, x, y));
}
int main(int argc, char **argv) {
    (void)argc;
    printf("%lld\n", tarai(atoll(argv[1]), atoll(argv[2]), atoll(argv[3])));
    return 0;
}
