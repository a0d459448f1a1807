//! Fuzz target: arbitrary bytes → `parse` (if UTF-8) → `verify` → `print` → `parse` again.
//!
//! Nothing may panic; every module that parses must print as text that parses back to an equal
//! module (spec: `parse(print(m)) == m` for every module, verified or not), and printing that
//! module again must give the same text (`print(parse(t)) == t` for canonical text).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok((module, _spans)) = mir14_mir::parse(src) else {
        return;
    };
    // The verifier must not panic; its verdict does not matter for the round trip.
    let _ = mir14_mir::verify(&module);
    let text = mir14_mir::print(&module);
    let reparsed = match mir14_mir::parse(&text) {
        Ok((m, _)) => m,
        Err(errors) => panic!("printed text does not parse: {errors:?}\n{text}"),
    };
    assert_eq!(module, reparsed, "print/parse changed the module:\n{text}");
    assert_eq!(mir14_mir::print(&reparsed), text, "printing is not a fixed point");
});
