// The smallest Nyash program.
static box Main {
  main() {
    print("Hello, ny!")
  }
}
