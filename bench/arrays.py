import sys

n = int(sys.argv[1])
arr = []
for i in range(n):
    arr.append(i)
s = 0
for j in range(n):
    s += arr[j]
print(s)
