//! The `mir14` command-line tool.

fn main() {}
