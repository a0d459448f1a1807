//! The `mir14` command-line tool.

mod fuzz;

fn main() {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if args.first().map(String::as_str) == Some("fuzz") {
        std::process::exit(fuzz::main(&args[1..]));
    }
}
