//! Fuzz target: fuzzer bytes → a generated module, then mutated by the rest of the bytes
//! (`mir14_gen::mutate`: retargeted branches, dropped or duplicated instructions, swapped
//! operands, out-of-range ids, duplicate names) → the verifier. It must never panic, whatever
//! it reports; a module it accepts must still print and parse back to an equal module.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mir14_gen::{generate_with, mutate, BytesSource, Config};

fuzz_target!(|data: &[u8]| {
    let split = data.len() / 2;
    let mut module = generate_with(&mut BytesSource::new(&data[..split]), &Config::default());
    mutate(&mut module, &mut BytesSource::new(&data[split..]));
    if mir14_mir::verify(&module).is_ok() {
        let text = mir14_mir::print(&module);
        let reparsed = match mir14_mir::parse(&text) {
            Ok((m, _)) => m,
            Err(errors) => panic!("a verified module prints as text that does not parse: {errors:?}\n{text}"),
        };
        assert_eq!(mir14_mir::print(&reparsed), text, "printing is not a fixed point");
    }
});
