//! Fuzz target: fuzzer bytes → a generated module (`mir14_gen::generate_from_bytes`), which must
//! verify, print as text that parses back to an equal module, print again to the same text, and
//! go through the JSON form and back unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let module = mir14_gen::generate_from_bytes(data);
    let text = mir14_mir::print(&module);
    if let Err(errors) = mir14_mir::verify(&module) {
        panic!("generated module does not verify: {errors:?}\n{text}");
    }
    let reparsed = match mir14_mir::parse(&text) {
        Ok((m, _)) => m,
        Err(errors) => panic!("printed text does not parse: {errors:?}\n{text}"),
    };
    assert_eq!(module, reparsed, "print/parse changed the module:\n{text}");
    assert_eq!(mir14_mir::print(&reparsed), text, "printing is not a fixed point");
    let json = mir14_mir::json::to_json(&module);
    match mir14_mir::json::from_json(&json) {
        Ok(back) => assert_eq!(module, back, "JSON round trip changed the module:\n{json}"),
        Err(e) => panic!("JSON form does not read back: {e:?}\n{json}"),
    }
});
