//! Property tests of the text and JSON forms over random modules (see `common`):
//! `parse(print(m)) == m`, `print(parse(print(m))) == print(m)`, `from_json(to_json(m)) == m`,
//! and neither reader panics on arbitrary input.

mod common;

use mir14_mir::json::{from_json, from_json_with_map, to_json};
use mir14_mir::{parse, print};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn print_then_parse_is_identity(m in common::module()) {
        let text = print(&m);
        let parsed = match parse(&text) {
            Ok((p, _)) => p,
            Err(e) => return Err(TestCaseError::fail(format!("{e:?}\n{text}"))),
        };
        prop_assert_eq!(&parsed, &m, "{}", text);
        prop_assert_eq!(print(&parsed), text);
    }

    #[test]
    fn json_round_trip(m in common::module()) {
        let j = to_json(&m);
        let back = match from_json(&j) {
            Ok(b) => b,
            Err(e) => return Err(TestCaseError::fail(format!("{e}\n{j}"))),
        };
        prop_assert_eq!(&back, &m, "{}", j);
        prop_assert_eq!(to_json(&back), j);
    }

    #[test]
    fn source_map_covers_every_entity(m in common::module()) {
        let text = print(&m);
        let (_, map) = parse(&text).expect("parses");
        let json = to_json(&m);
        let (_, jmap) = from_json_with_map(&json).expect("reads");
        // The JSON map has the same shape, and each instruction spans one JSON object.
        prop_assert_eq!(jmap.boxes.len(), map.boxes.len());
        prop_assert_eq!(jmap.functions.len(), map.functions.len());
        for (a, b) in jmap.functions.iter().zip(&map.functions) {
            prop_assert_eq!(a.params.len(), b.params.len());
            prop_assert_eq!(a.loops.len(), b.loops.len());
            prop_assert_eq!(a.blocks.len(), b.blocks.len());
            prop_assert_eq!(
                a.insts.iter().map(Vec::len).collect::<Vec<_>>(),
                b.insts.iter().map(Vec::len).collect::<Vec<_>>()
            );
            for sp in a.insts.iter().flatten() {
                let obj = &json[sp.start as usize..sp.end as usize];
                prop_assert!(obj.starts_with('{') && obj.ends_with('}'), "{}", obj);
            }
        }
        prop_assert_eq!(map.boxes.len(), m.boxes.len());
        prop_assert_eq!(map.functions.len(), m.functions.len());
        for (fs, f) in map.functions.iter().zip(m.functions.values()) {
            prop_assert_eq!(fs.params.len(), f.params.len());
            prop_assert_eq!(fs.loops.len(), f.loops.len());
            prop_assert_eq!(fs.blocks.len(), f.blocks.len());
            for (spans, b) in fs.insts.iter().zip(f.blocks.values()) {
                prop_assert_eq!(spans.len(), b.insts.len());
                // Each instruction's span is exactly its printed line, without indentation.
                for s in spans {
                    let line = &text[s.start as usize..s.end as usize];
                    prop_assert!(!line.contains('\n') && !line.starts_with(' '), "{:?}", line);
                }
            }
        }
    }

    #[test]
    fn parse_never_panics(s in any::<String>()) {
        let _ = parse(&s);
    }

    #[test]
    fn parse_never_panics_on_token_soup(
        toks in prop::collection::vec(prop::sample::select(vec![
            "fn", "@f", "@A.b", "(", ")", "{", "}", "bb0", ":", "%x", "%0", "=", "const", "call",
            "phi", "[", "]", ",", ".", "::", "->", "1", "-1", "1.5e3", "\"s\"", "loop", "header",
            "body", "latch", "exit", "ret", "box", "store", "extern", "env", "new", "ArrayBox",
            "typeop", "cast", "Integer", "binop", "add", "\n", "jump", "branch", "load",
        ]), 0..60)
    ) {
        let _ = parse(&toks.join(" "));
    }

    #[test]
    fn from_json_never_panics(s in any::<String>()) {
        let _ = from_json(&s);
    }

    #[test]
    fn mutated_json_never_panics(m in common::module(), cut in any::<usize>(), byte in any::<u8>()) {
        let mut j = to_json(&m).into_bytes();
        if !j.is_empty() {
            let i = cut % j.len();
            j[i] = byte;
        }
        let s = String::from_utf8_lossy(&j);
        let _ = from_json(&s);
        let _ = parse(&print(&m).replace("bb", "x"));
    }
}

/// The example of the brief (§7), written loosely, formats to canonical text by hand.
#[test]
fn brief_example_formats_canonically() {
    let loose = r#"; a comment
fn @main() {
bb0:
  %a = const 3
  %b = const 4
  %p = new Point(%a,%b)   ; forward reference to the box
  %x = load %p.x
  %r = extern env.console.log(%x)
  %z = const null
  %t = typeop check %z   IntegerBox
  ret %z
}
box Point { x , y }
fn @Point.birth(%me, %x: IntegerBox, %y) -> VoidBox {
bb0:
  store %me.x = %x
  store %me.y = %y
  ret
}
"#;
    let canonical = "box Point { x, y }

fn @main() {
bb0:
  %a = const 3
  %b = const 4
  %p = new Point(%a, %b)
  %x = load %p.x
  %r = extern env.console.log(%x)
  %z = const void
  %t = typeop check %z Integer
  ret %z
}

fn @Point.birth(%me, %x: Integer, %y) -> Void {
bb0:
  store %me.x = %x
  store %me.y = %y
  ret
}
";
    let (m, _) = parse(loose).expect("parses");
    assert_eq!(print(&m), canonical);
    let (m2, _) = parse(canonical).expect("parses");
    assert_eq!(m2, m);
    assert_eq!(from_json(&to_json(&m)).expect("json"), m);
}
