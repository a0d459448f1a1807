/* The C library of the spec §Imports conformance tests: built by the harness into clib.so
   (`--lib clib.so` in a test's .flags). Every boundary type in and out, NULL results and a
   side effect. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static int64_t counter = 0;

int64_t clib_add(int64_t a, int64_t b) { return a + b; }
int64_t clib_min(void) { return INT64_MIN; }
double clib_half(double x) { return x / 2.0; }
bool clib_not(bool b) { return !b; }
bool clib_is_positive(int64_t n) { return n > 0; }
int64_t clib_strlen(const char *s) { return (int64_t)strlen(s); }
/* A static string, or NULL for a negative index. */
const char *clib_word(int64_t i) {
    static const char *words[] = {"zero", "one", "two"};
    if (i < 0 || i > 2) return NULL;
    return words[i];
}
/* Echoes its argument: the result is copied before the argument is freed. */
const char *clib_echo(const char *s) { return s; }
/* Every parameter type at once, mixed: a + b*10 (+1000 if c) + strlen(d) * 100000. */
double clib_mix(int64_t a, double b, bool c, const char *d) {
    return (double)a + b * 10.0 + (c ? 1000.0 : 0.0) + (double)strlen(d) * 100000.0;
}
void clib_bump(void) { counter++; }
void clib_add_to(int64_t n) { counter += n; }
int64_t clib_count(void) { return counter; }
