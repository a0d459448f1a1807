//! Resolving names: a named document to a [`Module`], and the check that every name of a
//! document is legal in the text form.

use super::syntax::{is_func_name, is_ident, is_value_name};
use super::*;
use crate::entity::Arena;
use crate::ir::*;
use crate::span::{Location, LoopPart, Part};
use std::collections::HashMap;

/// Checks that every name of a document is legal in the text form (so that every module read
/// from JSON prints as text that parses back): identifiers for boxes, fields, labels and
/// methods, `f`/`Box.method` for functions, digits or identifiers for values. Names that must
/// resolve (types, classes, callees, externs, label references) are checked by resolution.
pub(crate) fn check_names(doc: &ModuleDoc) -> Vec<LowerError> {
    let mut errs = Vec::new();
    let mut check = |ok: bool, loc: Location, what: &str, name: &str| {
        if !ok {
            errs.push(LowerError {
                loc,
                message: format!("invalid {what} name {name:?}"),
                name: None,
            });
        }
    };
    for (i, b) in doc.boxes.iter().enumerate() {
        let loc = Location::Box(BoxId(i as u32));
        check(is_ident(&b.name), loc, "box", &b.name);
        for f in &b.fields {
            check(is_ident(f), loc, "field", f);
        }
    }
    for (i, d) in doc.imports.iter().enumerate() {
        let loc = Location::Import(ImportId(i as u32));
        let ok = d
            .name
            .split_once('.')
            .is_some_and(|(p, n)| is_ident(p) && is_ident(n));
        check(ok, loc, "import", &d.name);
    }
    for (fi, f) in doc.functions.iter().enumerate() {
        let fid = FuncId(fi as u32);
        check(
            is_func_name(&f.name),
            Location::Function(fid),
            "function",
            &f.name,
        );
        for (pi, p) in f.params.iter().enumerate() {
            check(
                is_value_name(&p.name),
                Location::Param(fid, pi),
                "value",
                &p.name,
            );
        }
        for (bi, b) in f.blocks.iter().enumerate() {
            let block = Block(bi as u32);
            check(
                is_ident(&b.label),
                Location::Block(fid, block),
                "block",
                &b.label,
            );
            for (ii, inst) in b.insts.iter().enumerate() {
                let loc = Location::Inst(fid, block, ii);
                let mut values: Vec<&String> = Vec::new();
                let mut idents: Vec<(&str, &String)> = Vec::new();
                match inst {
                    InstDoc::Const { dest, .. } => values.push(dest),
                    InstDoc::Unary { dest, arg, .. } | InstDoc::Typeop { dest, arg, .. } => {
                        values.extend([dest, arg])
                    }
                    InstDoc::Binop { dest, lhs, rhs, .. }
                    | InstDoc::Compare { dest, lhs, rhs, .. } => values.extend([dest, lhs, rhs]),
                    InstDoc::Load { dest, obj, field } => {
                        values.extend([dest, obj]);
                        idents.push(("field", field));
                    }
                    InstDoc::Store { obj, field, value } => {
                        values.extend([obj, value]);
                        idents.push(("field", field));
                    }
                    InstDoc::Branch { cond, .. } => values.push(cond),
                    InstDoc::Jump { .. } => {}
                    InstDoc::Ret { value } => values.extend(value),
                    InstDoc::Phi { dest, inputs } => {
                        values.push(dest);
                        values.extend(inputs.iter().map(|i| &i.value));
                    }
                    InstDoc::New { dest, args, .. } => {
                        values.push(dest);
                        values.extend(args);
                    }
                    InstDoc::Call {
                        dest, callee, args, ..
                    } => {
                        values.extend(dest);
                        values.extend(&callee.receiver);
                        values.extend(&callee.value);
                        if let Some(m) = &callee.method {
                            idents.push(("method", m));
                        }
                        values.extend(args);
                    }
                    InstDoc::Extern { dest, args, .. } => {
                        values.extend(dest);
                        values.extend(args);
                    }
                }
                for v in values {
                    check(is_value_name(v), loc, "value", v);
                }
                for (what, n) in idents {
                    check(is_ident(n), loc, what, n);
                }
            }
        }
    }
    errs
}

/// A name that did not resolve (or a malformed part of a document), at an entity.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LowerError {
    /// The entity whose text holds the bad name.
    pub loc: Location,
    /// The message, e.g. `unknown function @f`.
    pub message: String,
    /// The name that did not resolve, if that is the error: whether it is a function name, and
    /// the name (dotted for externs). The text parser uses it to point at the name itself.
    pub name: Option<(bool, String)>,
}

/// Module-level name tables: the first declaration of a name wins.
struct ModCx {
    funcs: HashMap<String, FuncId>,
    boxes: HashMap<String, BoxId>,
    imports: HashMap<String, ImportId>,
}

/// Resolves every name of a document. Returns every resolution error found.
pub(crate) fn lower(doc: &ModuleDoc) -> Result<Module, Vec<LowerError>> {
    let mut cx = ModCx {
        funcs: HashMap::new(),
        boxes: HashMap::new(),
        imports: HashMap::new(),
    };
    let mut module = Module::new();
    let mut errors = Vec::new();
    for (i, d) in doc.imports.iter().enumerate() {
        let loc = Location::Import(ImportId(i as u32));
        // An error about the word `at` of the declaration (the text parser points at it).
        let mut err = |message: String, at: &str| {
            errors.push(LowerError {
                loc,
                message,
                name: Some((false, at.to_string())),
            })
        };
        let (kind, name) = match d.name.split_once('.') {
            Some((p, n)) => match ImportKind::from_prefix(p) {
                Some(k) => (k, n.to_string()),
                None => {
                    err(
                        format!("unknown import namespace `{p}` (expected `c` or `host`)"),
                        p,
                    );
                    (ImportKind::C, n.to_string())
                }
            },
            None => {
                err(
                    format!(
                        "an import is named `c.NAME` or `host.NAME`, not {:?}",
                        d.name
                    ),
                    &d.name,
                );
                (ImportKind::C, d.name.clone())
            }
        };
        let mut ty = |t: &str| {
            FfiType::from_name(t).unwrap_or_else(|| {
                err(
                    format!(
                        "unknown import type `{t}` (expected Integer, Float, Bool, String or \
                         Void)"
                    ),
                    t,
                );
                FfiType::Void
            })
        };
        let params = d.params.iter().map(|t| ty(t)).collect();
        let ret = ty(&d.result);
        let id = module.imports.push(Import {
            kind,
            name,
            params,
            ret,
        });
        cx.imports.entry(d.name.clone()).or_insert(id);
    }
    for b in &doc.boxes {
        let id = module.boxes.push(BoxDecl {
            name: b.name.clone(),
            fields: b.fields.clone(),
        });
        cx.boxes.entry(b.name.clone()).or_insert(id);
    }
    for (i, f) in doc.functions.iter().enumerate() {
        cx.funcs.entry(f.name.clone()).or_insert(FuncId(i as u32));
    }
    for (i, f) in doc.functions.iter().enumerate() {
        let func = lower_fn(&cx, FuncId(i as u32), f, &mut errors);
        module.functions.push(func);
    }
    if errors.is_empty() {
        Ok(module)
    } else {
        Err(errors)
    }
}

/// Function-level state of lowering.
struct FnCx<'a> {
    m: &'a ModCx,
    values: Arena<Value, ValueData>,
    vmap: HashMap<String, Value>,
    bmap: HashMap<String, Block>,
    errors: &'a mut Vec<LowerError>,
}

impl FnCx<'_> {
    /// The value named `name`; a new one on first sight (definition or use).
    fn value(&mut self, name: &str) -> Value {
        if let Some(v) = self.vmap.get(name) {
            return *v;
        }
        let v = self.values.push(ValueData {
            name: name.to_string(),
        });
        self.vmap.insert(name.to_string(), v);
        v
    }

    fn err(&mut self, loc: Location, message: String) {
        self.errors.push(LowerError {
            loc,
            message,
            name: None,
        });
    }

    /// Reports a name that did not resolve: `unknown <what> <name>`.
    fn unknown(&mut self, loc: Location, what: &str, name: &str) {
        let is_func = what == "function";
        let sigil = if is_func { "@" } else { "" };
        self.errors.push(LowerError {
            loc,
            message: format!("unknown {what} `{sigil}{name}`"),
            name: Some((is_func, name.to_string())),
        });
    }

    fn block(&mut self, name: &str, loc: Location) -> Block {
        match self.bmap.get(name) {
            Some(b) => *b,
            None => {
                self.unknown(loc, "block", name);
                Block(0)
            }
        }
    }

    fn func(&mut self, name: &str, loc: Location) -> FuncId {
        match self.m.funcs.get(name) {
            Some(f) => *f,
            None => {
                self.unknown(loc, "function", name);
                FuncId(0)
            }
        }
    }

    fn user_box(&mut self, name: &str, loc: Location) -> BoxId {
        match self.m.boxes.get(name) {
            Some(b) => *b,
            None => {
                self.unknown(loc, "box", name);
                BoxId(0)
            }
        }
    }

    fn ty(&mut self, name: &str, loc: Location) -> TypeName {
        if let Some(t) = TypeName::builtin(name) {
            return t;
        }
        match self.m.boxes.get(name) {
            Some(b) => TypeName::User(*b),
            None => {
                self.unknown(loc, "type", name);
                TypeName::Any
            }
        }
    }

    fn class(&mut self, name: &str, loc: Location) -> BoxClass {
        match BoxClass::builtin(name) {
            Some(c) => c,
            None => BoxClass::User(self.user_box(name, loc)),
        }
    }

    fn values(&mut self, names: &[String]) -> Vec<Value> {
        names.iter().map(|n| self.value(n)).collect()
    }

    fn op<T>(&mut self, what: &str, name: &str, found: Option<T>, dflt: T, loc: Location) -> T {
        match found {
            Some(op) => op,
            None => {
                self.err(loc, format!("unknown {what} operator `{name}`"));
                dflt
            }
        }
    }

    fn inst(&mut self, d: &InstDoc, loc: Location) -> Inst {
        // The location of a part of this instruction (see `Part`).
        let part = |p: Part| match loc {
            Location::Inst(f, b, i) => Location::Operand(f, b, i, p),
            other => other,
        };
        let name = part(Part::Name);
        match d {
            InstDoc::Const { dest, value } => {
                let dest = self.value(dest);
                let value = match value {
                    ConstDoc::Int(n) => Constant::Int(*n),
                    ConstDoc::Float(x) => Constant::Float(Ieee64::new(x.0)),
                    ConstDoc::Bool(x) => Constant::Bool(*x),
                    ConstDoc::String(s) => Constant::Str(s.clone()),
                    ConstDoc::Void => Constant::Void,
                    ConstDoc::Function(f) => Constant::Func(self.func(f, name)),
                };
                Inst::Const { dest, value }
            }
            InstDoc::Unary {
                dest,
                operator,
                arg,
            } => {
                let dest = self.value(dest);
                let op = self.op(
                    "unary",
                    operator,
                    UnaryOp::from_name(operator),
                    UnaryOp::Neg,
                    loc,
                );
                let arg = self.value(arg);
                Inst::Unary { dest, op, arg }
            }
            InstDoc::Binop {
                dest,
                operator,
                lhs,
                rhs,
            } => {
                let dest = self.value(dest);
                let op = self.op(
                    "binop",
                    operator,
                    BinOp::from_name(operator),
                    BinOp::Add,
                    loc,
                );
                let (lhs, rhs) = (self.value(lhs), self.value(rhs));
                Inst::Binary { dest, op, lhs, rhs }
            }
            InstDoc::Compare {
                dest,
                operator,
                lhs,
                rhs,
            } => {
                let dest = self.value(dest);
                let op = self.op(
                    "compare",
                    operator,
                    CmpOp::from_name(operator),
                    CmpOp::Eq,
                    loc,
                );
                let (lhs, rhs) = (self.value(lhs), self.value(rhs));
                Inst::Compare { dest, op, lhs, rhs }
            }
            InstDoc::Typeop {
                dest,
                kind,
                arg,
                ty,
            } => {
                let dest = self.value(dest);
                let arg = self.value(arg);
                let op = match (kind.as_str(), ty) {
                    ("check", Some(t)) => TypeOpKind::Check(self.ty(t, name)),
                    ("cast", Some(t)) => TypeOpKind::Cast(self.ty(t, name)),
                    ("typeof", None) => TypeOpKind::TypeOf,
                    ("check" | "cast", None) => {
                        self.err(loc, format!("typeop `{kind}` needs a type"));
                        TypeOpKind::TypeOf
                    }
                    ("typeof", Some(_)) => {
                        self.err(loc, "typeop `typeof` takes no type".to_string());
                        TypeOpKind::TypeOf
                    }
                    _ => {
                        self.err(loc, format!("unknown typeop kind `{kind}`"));
                        TypeOpKind::TypeOf
                    }
                };
                Inst::TypeOp { dest, op, arg }
            }
            InstDoc::Load { dest, obj, field } => Inst::Load {
                dest: self.value(dest),
                obj: self.value(obj),
                field: field.clone(),
            },
            InstDoc::Store { obj, field, value } => Inst::Store {
                obj: self.value(obj),
                field: field.clone(),
                value: self.value(value),
            },
            InstDoc::Branch { cond, then, else_ } => Inst::Branch {
                cond: self.value(cond),
                then_block: self.block(then, part(Part::Label(0))),
                else_block: self.block(else_, part(Part::Label(1))),
            },
            InstDoc::Jump { target } => Inst::Jump {
                target: self.block(target, part(Part::Label(0))),
            },
            InstDoc::Ret { value } => Inst::Return {
                value: value.as_ref().map(|v| self.value(v)),
            },
            InstDoc::Phi { dest, inputs } => {
                let dest = self.value(dest);
                let inputs = inputs
                    .iter()
                    .enumerate()
                    .map(|(k, i)| {
                        let block = self.block(&i.block, part(Part::Label(k)));
                        (block, self.value(&i.value))
                    })
                    .collect();
                Inst::Phi { dest, inputs }
            }
            InstDoc::New { dest, class, args } => Inst::NewBox {
                dest: self.value(dest),
                class: self.class(class, name),
                args: self.values(args),
            },
            InstDoc::Call {
                dest,
                callee,
                args,
                tail,
            } => {
                let dest = dest.as_ref().map(|d| self.value(d));
                let callee = match callee {
                    CalleeDoc {
                        function: Some(f),
                        receiver: None,
                        box_name: None,
                        method: None,
                        value: None,
                    } => Callee::Global(self.func(f, name)),
                    CalleeDoc {
                        function: None,
                        receiver: Some(r),
                        box_name,
                        method: Some(m),
                        value: None,
                    } => Callee::Method {
                        receiver: self.value(r),
                        // The box is looked for by name inside the instruction.
                        box_name: box_name.as_ref().map(|b| self.user_box(b, loc)),
                        method: m.clone(),
                    },
                    CalleeDoc {
                        function: None,
                        receiver: None,
                        box_name: None,
                        method: None,
                        value: Some(v),
                    } => Callee::Value(self.value(v)),
                    _ => {
                        self.err(
                            loc,
                            "a callee is {\"function\"}, {\"receiver\", \"method\"[, \"box\"]} \
                             or {\"value\"}"
                                .to_string(),
                        );
                        Callee::Global(FuncId(0))
                    }
                };
                let args = self.values(args);
                Inst::Call {
                    dest,
                    callee,
                    args,
                    tail: *tail,
                }
            }
            InstDoc::Extern { dest, name, args } => {
                let dest = dest.as_ref().map(|d| self.value(d));
                let callee = match ExternFn::from_name(name) {
                    Some(e) => Callee::Extern(e),
                    None if self.m.imports.contains_key(name) => {
                        Callee::Import(self.m.imports[name])
                    }
                    None => {
                        self.unknown(part(Part::Name), "extern", name);
                        Callee::Extern(ExternFn::ConsoleLog)
                    }
                };
                let args = self.values(args);
                Inst::ExternCall { dest, callee, args }
            }
        }
    }
}

fn lower_fn(m: &ModCx, fid: FuncId, d: &FuncDoc, errors: &mut Vec<LowerError>) -> Function {
    let mut cx = FnCx {
        m,
        values: Arena::new(),
        vmap: HashMap::new(),
        bmap: HashMap::new(),
        errors,
    };
    let mut func = Function::new(d.name.clone());
    // Every label is known before any instruction refers to one (forward jumps).
    for (i, b) in d.blocks.iter().enumerate() {
        cx.bmap.entry(b.label.clone()).or_insert(Block(i as u32));
    }
    for (i, p) in d.params.iter().enumerate() {
        let value = cx.value(&p.name);
        let ty = p.ty.as_ref().map(|t| cx.ty(t, Location::Param(fid, i)));
        func.params.push(Param { value, ty });
    }
    func.ret_type = d
        .ret_type
        .as_ref()
        .map(|t| cx.ty(t, Location::Function(fid)));
    for (i, l) in d.loops.iter().enumerate() {
        let loc = |p: LoopPart| Location::LoopLabel(fid, i, p);
        func.loops.push(LoopForm {
            header: cx.block(&l.header, loc(LoopPart::Header)),
            body: cx.block(&l.body, loc(LoopPart::Body)),
            latch: cx.block(&l.latch, loc(LoopPart::Latch)),
            exit: cx.block(&l.exit, loc(LoopPart::Exit)),
        });
    }
    for (bi, b) in d.blocks.iter().enumerate() {
        let insts = b
            .insts
            .iter()
            .enumerate()
            .map(|(ii, inst)| cx.inst(inst, Location::Inst(fid, Block(bi as u32), ii)))
            .collect();
        func.blocks.push(BlockData {
            label: b.label.clone(),
            insts,
        });
    }
    func.values = cx.values;
    func.canonicalize();
    func
}
