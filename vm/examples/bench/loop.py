def main():
    arr = []
    s = 0
    i = 0
    while i < 10000000:
        s += i % 3
        if i < 1000:
            arr.append(i)
        i += 1
    print(s)
    print(len(arr))
main()
