import sys

s = ""
for i in range(int(sys.argv[1])):
    s = s + "ab"
print(len(s))
