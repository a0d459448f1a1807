class Acc:
    def __init__(self):
        self.total = 0
    def add(self, x):
        self.total = self.total + x
def main():
    a = Acc()
    i = 0
    while i < 3000000:
        a.add(i)
        i += 1
    print(a.total)
main()
