//! Fuzz target: arbitrary bytes read as the JSON form must never panic, and a module that reads
//! must convert to JSON and back unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(module) = mir14_mir::json::from_json(src) else {
        return;
    };
    let _ = mir14_mir::verify(&module);
    let json = mir14_mir::json::to_json(&module);
    match mir14_mir::json::from_json(&json) {
        Ok(again) => assert_eq!(module, again, "JSON round trip changed the module:\n{json}"),
        Err(e) => panic!(
            "written JSON does not read back: {}:{}: {}\n{json}",
            e.line, e.column, e.message
        ),
    }
});
