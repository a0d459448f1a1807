#include <stdio.h>
#include <stdlib.h>
static long long fib(long long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
int main(int argc, char **argv) {
    (void)argc;
    printf("%lld\n", fib(atoll(argv[1])));
    return 0;
}
