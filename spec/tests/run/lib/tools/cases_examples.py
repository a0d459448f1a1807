"""examples/*.mir copied as run tests (examples_NAME.mir); outputs checked by hand and numbers.py."""
import os

from gen import case
import mirnum

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "..")


def example(name, out):
    with open(os.path.join(ROOT, "examples", name + ".mir")) as f:
        case("examples_" + name, "", f.read(), out, raw=True)


fibs = [mirnum.fib(i) for i in range(11)]
example("fib", "[" + ", ".join(map(str, fibs)) + "]\n" + f"fib(25) = {mirnum.fib(25)}\n")
example("tarai", "".join(f"tarai{a} = {mirnum.tarai(*a)}\n" for a in [(3, 5, 1), (8, 4, 0), (10, 5, 0)]))
example("boxes", "(11, 22)\n(12, 24)\n[(1, 2), (10, 20), (12, 24)]\np = (1, 2)\nPoint\n10\n"
        "Counter { count: 10 }\ntrue\nfalse\n")
example("collections", "{\"the\": 3, \"cat\": 1, \"and\": 2, \"hat\": 1, \"bat\": 1}\n"
        "and=2, bat=1, cat=1, hat=1, the=3\n[1, 3, 5, 9]\n[9, 5, 3, 1]\n[5, 3]\nfalse\nvoid\n"
        "true\n[\"cat\", \"and\", \"hat\", \"bat\"]\n")
