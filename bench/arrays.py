arr = []
for i in range(1_000_000):
    arr.append(i)
s = 0
for j in range(1_000_000):
    s += arr[j]
print(s)
