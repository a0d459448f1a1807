import sys

s = 0
for i in range(int(sys.argv[1])):
    s += (i * i) % 7
print(s)
