#!/usr/bin/env python3
"""Independent computation of the numeric results used by the examples_* tests."""
import sys

sys.setrecursionlimit(10000)
calls = 0


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def tarai(x, y, z):
    global calls
    calls += 1
    if x <= y:
        return y
    return tarai(tarai(x - 1, y, z), tarai(y - 1, z, x), tarai(z - 1, x, y))


if __name__ == "__main__":
    print("fib(25) =", fib(25))
    for args in [(8, 4, 0), (10, 5, 0), (12, 6, 0)]:
        calls = 0
        print(f"tarai{args} =", tarai(*args), "calls:", calls)
