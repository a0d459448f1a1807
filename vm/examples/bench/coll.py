def main():
    arr = []
    m = {}
    i = 0
    while i < 1000000:
        arr.append(i)
        key = i % 1000
        old = m.get(key)
        isv = old is None
        m[key] = i
        i += 1
    s = 0
    j = 0
    while j < 1000000:
        s += arr[j]
        j += 1
    print(s)
    print(len(m))
main()
