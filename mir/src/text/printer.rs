//! The printer: a [`Module`] to canonical text (spec/MIR14.md §2.1).
//!
//! The module is first raised to its named document (the same one the JSON form serializes), so
//! the printer never indexes an arena: a module that does not verify still prints. Ids that point
//! nowhere print with the spellings of [`crate::display`]: `%?12` (values), `?3` (blocks), `@?5`
//! (functions) and `?2` (boxes); such text does not parse back.

use crate::ir::{Function, Inst, Module};
use crate::named::{
    raise, raise_fn, raise_inst, BlockDoc, CalleeDoc, ConstDoc, FuncDoc, InstDoc, ModuleDoc,
};
use std::fmt::Write;

/// Prints the canonical text form of a module. Never panics.
pub fn print(module: &Module) -> String {
    print_doc(&raise(module))
}

/// Prints one function of `module` (it need not be one of the module's functions; names of
/// functions and boxes it refers to are taken from `module`), as in [`print()`]. Never panics.
pub fn print_function(module: &Module, func: &Function) -> String {
    print_fn(&raise_fn(module, func))
}

/// Prints one instruction of `func` as it appears in the canonical text, without indentation
/// (e.g. `%x = binop add %a, %b`). Never panics.
pub fn print_inst(module: &Module, func: &Function, inst: &Inst) -> String {
    inst_text(&raise_inst(module, func, inst))
}

/// Prints a named document as canonical text.
pub(crate) fn print_doc(doc: &ModuleDoc) -> String {
    let mut items: Vec<String> = Vec::new();
    // The imports come first, one line each, as one item.
    if !doc.imports.is_empty() {
        let mut lines = String::new();
        for i in &doc.imports {
            let _ = writeln!(
                lines,
                "import {}({}) -> {}",
                i.name,
                i.params.join(", "),
                i.result
            );
        }
        items.push(lines);
    }
    for b in &doc.boxes {
        if b.fields.is_empty() {
            items.push(format!("box {} {{}}\n", b.name));
        } else {
            items.push(format!("box {} {{ {} }}\n", b.name, b.fields.join(", ")));
        }
    }
    for f in &doc.functions {
        items.push(print_fn(f));
    }
    items.join("\n")
}

pub use crate::display::quote;

fn print_fn(f: &FuncDoc) -> String {
    let mut out = String::new();
    let params: Vec<String> = f
        .params
        .iter()
        .map(|p| match &p.ty {
            Some(t) => format!("%{}: {}", p.name, t),
            None => format!("%{}", p.name),
        })
        .collect();
    let _ = write!(out, "fn @{}({})", f.name, params.join(", "));
    if let Some(t) = &f.ret_type {
        let _ = write!(out, " -> {t}");
    }
    out.push_str(" {\n");
    for l in &f.loops {
        let _ = writeln!(
            out,
            "  loop header={} body={} latch={} exit={}",
            l.header, l.body, l.latch, l.exit
        );
    }
    for b in &f.blocks {
        print_block(&mut out, b);
    }
    out.push_str("}\n");
    out
}

fn print_block(out: &mut String, b: &BlockDoc) {
    let _ = writeln!(out, "{}:", b.label);
    for i in &b.insts {
        let _ = writeln!(out, "  {}", inst_text(i));
    }
}

fn args(a: &[String]) -> String {
    a.iter()
        .map(|v| format!("%{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn dest_prefix(d: &Option<String>) -> String {
    d.as_ref().map_or_else(String::new, |d| format!("%{d} = "))
}

/// The text of one instruction, without indentation.
pub(crate) fn inst_text(i: &InstDoc) -> String {
    match i {
        InstDoc::Const { dest, value } => {
            let lit = match value {
                ConstDoc::Int(n) => n.to_string(),
                ConstDoc::Float(x) => format!("{:?}", x.0),
                ConstDoc::Bool(b) => b.to_string(),
                ConstDoc::String(s) => quote(s),
                ConstDoc::Void => "void".to_string(),
                ConstDoc::Function(f) => format!("@{f}"),
            };
            format!("%{dest} = const {lit}")
        }
        InstDoc::Unary {
            dest,
            operator,
            arg,
        } => format!("%{dest} = unary {operator} %{arg}"),
        InstDoc::Binop {
            dest,
            operator,
            lhs,
            rhs,
        } => format!("%{dest} = binop {operator} %{lhs}, %{rhs}"),
        InstDoc::Compare {
            dest,
            operator,
            lhs,
            rhs,
        } => format!("%{dest} = compare {operator} %{lhs}, %{rhs}"),
        InstDoc::Typeop {
            dest,
            kind,
            arg,
            ty,
        } => match ty {
            Some(t) => format!("%{dest} = typeop {kind} %{arg} {t}"),
            None => format!("%{dest} = typeop {kind} %{arg}"),
        },
        InstDoc::Load { dest, obj, field } => format!("%{dest} = load %{obj}.{field}"),
        InstDoc::Store { obj, field, value } => format!("store %{obj}.{field} = %{value}"),
        InstDoc::Branch { cond, then, else_ } => format!("branch %{cond}, {then}, {else_}"),
        InstDoc::Jump { target } => format!("jump {target}"),
        InstDoc::Ret { value: Some(v) } => format!("ret %{v}"),
        InstDoc::Ret { value: None } => "ret".to_string(),
        InstDoc::Phi { dest, inputs } => {
            let ins: Vec<String> = inputs
                .iter()
                .map(|i| format!("[{}: %{}]", i.block, i.value))
                .collect();
            if ins.is_empty() {
                format!("%{dest} = phi")
            } else {
                format!("%{dest} = phi {}", ins.join(", "))
            }
        }
        InstDoc::New {
            dest,
            class,
            args: a,
        } => format!("%{dest} = new {class}({})", args(a)),
        InstDoc::Call {
            dest,
            tail,
            callee,
            args: a,
        } => {
            let target = match callee {
                CalleeDoc {
                    function: Some(f), ..
                } => format!("@{f}"),
                CalleeDoc {
                    receiver: Some(r),
                    box_name: Some(b),
                    method,
                    ..
                } => format!("%{r}.{b}::{}", method.as_deref().unwrap_or("?")),
                CalleeDoc {
                    receiver: Some(r),
                    method,
                    ..
                } => format!("%{r}.{}", method.as_deref().unwrap_or("?")),
                CalleeDoc { value: Some(v), .. } => format!("%{v}"),
                _ => "?".to_string(),
            };
            let tail = if *tail { "tail " } else { "" };
            format!("{}{tail}call {target}({})", dest_prefix(dest), args(a))
        }
        InstDoc::Extern {
            dest,
            name,
            args: a,
        } => format!("{}extern {name}({})", dest_prefix(dest), args(a)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::Arena;
    use crate::ir::*;

    #[test]
    fn tail_calls_print_and_parse_back() {
        let src = "fn @f(%n) {\nbb0:\n  %r = tail call @f(%n)\n  ret %r\n}\n\n\
                   fn @g(%n) {\nbb0:\n  tail call %n.m(%n)\n  ret\n}\n";
        let (m, _) = crate::parse(src).unwrap();
        assert!(m
            .functions
            .values()
            .all(|f| f.blocks[Block(0)].insts[0].is_tail_call()));
        assert_eq!(print(&m), src);
        let json = crate::json::to_json(&m);
        assert!(json.contains("\"tail\": true"));
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("a\"b\\c\n\t\r"), r#""a\"b\\c\n\t\r""#);
        assert_eq!(quote("\u{0}\u{1b}\u{7f}é😀"), "\"\\u{0}\\u{1b}\\u{7f}é😀\"");
    }

    #[test]
    fn empty_module_and_empty_box() {
        assert_eq!(print(&Module::new()), "");
        let mut m = Module::new();
        m.boxes.push(BoxDecl {
            name: "Empty".into(),
            fields: vec![],
        });
        m.boxes.push(BoxDecl {
            name: "Point".into(),
            fields: vec!["x".into(), "y".into()],
        });
        m.functions.push(Function::new("f"));
        assert_eq!(
            print(&m),
            "box Empty {}\n\nbox Point { x, y }\n\nfn @f() {\n}\n"
        );
    }

    #[test]
    fn dangling_ids_do_not_panic() {
        let mut m = Module::new();
        let mut f = Function::new("main");
        f.params.push(Param {
            value: Value(7),
            ty: Some(TypeName::User(BoxId(3))),
        });
        f.ret_type = Some(TypeName::User(BoxId(1)));
        f.loops.push(LoopForm {
            header: Block(4),
            body: Block(0),
            latch: Block(0),
            exit: Block(9),
        });
        let insts = vec![
            Inst::Const {
                dest: Value(12),
                value: Constant::Func(FuncId(5)),
            },
            Inst::NewBox {
                dest: Value(1),
                class: BoxClass::User(BoxId(2)),
                args: vec![Value(40)],
            },
            Inst::Call {
                dest: None,
                callee: Callee::Extern(ExternFn::Args),
                args: vec![],
                tail: false,
            },
            Inst::ExternCall {
                dest: None,
                callee: Callee::Global(FuncId(0)),
                args: vec![],
            },
            Inst::Jump { target: Block(3) },
        ];
        f.blocks = Arena::from_iter([BlockData {
            label: "bb0".into(),
            insts,
        }]);
        m.functions.push(f);
        let text = print(&m);
        assert_eq!(
            text,
            "fn @main(%?7: ?3) -> ?1 {\n  loop header=?4 body=bb0 latch=bb0 exit=?9\n\
             bb0:\n  %?12 = const @?5\n  %?1 = new ?2(%?40)\n  call @?env.args()\n  \
             extern ?()\n  jump ?3\n}\n"
        );
        let f = &m.functions[FuncId(0)];
        assert_eq!(
            print_inst(&m, f, &f.blocks[Block(0)].insts[1]),
            "%?1 = new ?2(%?40)"
        );
        assert!(print_function(&m, f).starts_with("fn @main(%?7: ?3)"));
        // The JSON form does not panic either.
        assert!(crate::json::to_json(&m).contains("\"target\": \"?3\""));
    }
}
