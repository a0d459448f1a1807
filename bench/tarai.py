import sys


def tarai(x, y, z):
    if x <= y:
        return y
    return tarai(tarai(x - 1, y, z), tarai(y - 1, z, x), tarai(z - 1, x, y))


print(tarai(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
