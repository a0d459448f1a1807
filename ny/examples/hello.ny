// The smallest ny program.
function main() {
  print("Hello, ny!")
}
