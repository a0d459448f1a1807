//! [`ModuleBuilder`]: declares boxes and functions and assembles the finished [`Module`].

use super::error::check_name;
use super::*;
use crate::ir::{
    BoxClass, BoxDecl, BoxId, Callee, Constant, FfiType, FuncId, Function, Import, ImportId,
    ImportKind, Inst, Module, TypeName, TypeOpKind,
};
use crate::named::syntax::{is_func_name, is_ident};
use crate::span::{FunctionSpans, SourceMap};
use std::collections::HashSet;

/// Builds a [`Module`]: declares boxes and functions, then takes one [`FunctionBuilder`] per
/// declared function.
///
/// Functions are declared first ([`ModuleBuilder::declare_function`] returns the [`FuncId`] that
/// `call`s and `func_ref`s use), so bodies may call functions defined later. Each body is built
/// with the builder from [`ModuleBuilder::function_builder`] and handed back with
/// [`ModuleBuilder::define_function`]. [`ModuleBuilder::finish`] requires every declared function
/// to have a body. The result is structurally valid as far as the builder can check; run
/// [`crate::verify::verify`] on it for the full rules (arities, method receivers, LoopForms, ...).
#[derive(Debug)]
pub struct ModuleBuilder {
    pub(super) tag: u32,
    pub(super) module: Module,
    pub(super) defined: Vec<bool>,
    /// The spans frontends attached to each defined function's instructions.
    pub(super) spans: Vec<FunctionSpans>,
}

impl Default for ModuleBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ModuleBuilder {
    /// An empty module builder.
    pub fn new() -> Self {
        ModuleBuilder {
            tag: next_tag(),
            module: Module::new(),
            defined: Vec::new(),
            spans: Vec::new(),
        }
    }

    /// Declares `box name { fields }`. Errors on a bad or duplicate name, a builtin type name, or
    /// a repeated field.
    pub fn declare_box(&mut self, name: &str, fields: &[&str]) -> Result<BoxId, BuildError> {
        check_name("box", name, is_ident)?;
        if TypeName::builtin(name).is_some() || BoxClass::builtin(name).is_some() {
            return Err(BuildError::BuiltinBoxName(name.to_string()));
        }
        if self.module.box_by_name(name).is_some() {
            return Err(BuildError::DuplicateBox(name.to_string()));
        }
        let mut seen = HashSet::new();
        for field in fields {
            check_name("field", field, is_ident)?;
            if !seen.insert(*field) {
                return Err(BuildError::DuplicateField {
                    box_name: name.to_string(),
                    field: field.to_string(),
                });
            }
        }
        Ok(self.module.boxes.push(BoxDecl {
            name: name.to_string(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
        }))
    }

    /// Declares function `@name` (without the `@`; a method of box `B` is named `B.m`, see also
    /// [`ModuleBuilder::declare_method`]). Its body is defined later.
    pub fn declare_function(&mut self, name: &str) -> Result<FuncId, BuildError> {
        check_name("function", name, is_func_name)?;
        if self.module.function_by_name(name).is_some() {
            return Err(BuildError::DuplicateFunction(name.to_string()));
        }
        self.defined.push(false);
        Ok(self.module.functions.push(Function::new(name)))
    }

    /// Declares the method `method` of box `b`: the function `@B.method`, whose first parameter
    /// is the receiver.
    pub fn declare_method(&mut self, b: BoxId, method: &str) -> Result<FuncId, BuildError> {
        let decl = self.module.boxes.get(b).ok_or(BuildError::UnknownBox(b))?;
        check_name("method", method, is_ident)?;
        let name = format!("{}.{}", decl.name, method);
        self.declare_function(&name)
    }

    /// Declares `import c.NAME(params) -> ret` (or `host.NAME` for [`ImportKind::Host`]): a
    /// function outside the module that [`FunctionBuilder::import_call`] calls (spec §Imports).
    /// Errors on a bad or duplicate name, or a `Void` parameter.
    ///
    /// ```
    /// use mir14_mir::builder::ModuleBuilder;
    /// use mir14_mir::{FfiType, ImportKind};
    /// let mut mb = ModuleBuilder::new();
    /// let strlen = mb
    ///     .declare_import(ImportKind::C, "strlen", &[FfiType::String], FfiType::Integer)
    ///     .unwrap();
    /// let main = mb.declare_function("main").unwrap();
    /// let mut fb = mb.function_builder(main).unwrap();
    /// let s = fb.sconst("four").unwrap();
    /// let n = fb.import_call(strlen, &[s]).unwrap();
    /// fb.ret(Some(n)).unwrap();
    /// mb.define_function(fb).unwrap();
    /// let m = mb.finish().unwrap();
    /// assert!(mir14_mir::print(&m).starts_with("import c.strlen(String) -> Integer\n"));
    /// assert!(mir14_mir::verify(&m).is_ok());
    /// ```
    pub fn declare_import(
        &mut self,
        kind: ImportKind,
        name: &str,
        params: &[FfiType],
        ret: FfiType,
    ) -> Result<ImportId, BuildError> {
        check_name("import", name, is_ident)?;
        let full = format!("{}.{}", kind.prefix(), name);
        if self.module.import_by_name(&full).is_some() {
            return Err(BuildError::DuplicateImport(full));
        }
        if params.contains(&FfiType::Void) {
            return Err(BuildError::VoidImportParameter(full));
        }
        Ok(self.module.imports.push(Import {
            kind,
            name: name.to_string(),
            params: params.to_vec(),
            ret,
        }))
    }

    /// The import declared as `name` (dotted: `c.strlen`).
    pub fn import_by_name(&self, name: &str) -> Option<ImportId> {
        self.module.import_by_name(name)
    }

    /// The box declared as `name`.
    pub fn box_by_name(&self, name: &str) -> Option<BoxId> {
        self.module.box_by_name(name)
    }

    /// The function declared as `name` (without `@`).
    pub fn function_by_name(&self, name: &str) -> Option<FuncId> {
        self.module.function_by_name(name)
    }

    /// The declaration of box `b`.
    pub fn box_decl(&self, b: BoxId) -> Option<&BoxDecl> {
        self.module.boxes.get(b)
    }

    /// The name of function `f` (without `@`).
    pub fn function_name(&self, f: FuncId) -> Option<&str> {
        self.module.functions.get(f).map(|f| f.name.as_str())
    }

    /// True once `f`'s body has been defined.
    pub fn is_defined(&self, f: FuncId) -> bool {
        self.defined.get(f.index()).copied().unwrap_or(false)
    }

    /// A builder for the body of declared function `f`.
    pub fn function_builder(&self, f: FuncId) -> Result<FunctionBuilder, BuildError> {
        let func = self
            .module
            .functions
            .get(f)
            .ok_or(BuildError::UnknownFunction(f))?;
        if self.is_defined(f) {
            return Err(BuildError::AlreadyDefined(func.name.clone()));
        }
        let mut fb = FunctionBuilder::new(&func.name)?;
        fb.owner = Some((self.tag, f));
        Ok(fb)
    }

    /// Finishes `fb` (see [`FunctionBuilder::finish`]) and installs it as the body of the
    /// function it was created for. Also checks that every function and box it refers to was
    /// declared here. Returns that function's id.
    pub fn define_function(&mut self, fb: FunctionBuilder) -> Result<FuncId, BuildError> {
        let f = match fb.owner {
            Some((tag, f)) if tag == self.tag => f,
            _ => return Err(BuildError::ForeignFunctionBuilder(fb.name.clone())),
        };
        if self.is_defined(f) {
            return Err(BuildError::AlreadyDefined(fb.name.clone()));
        }
        let (func, spans) = fb.finish_spanned()?;
        self.check_refs(&func)?;
        self.module.functions[f] = func;
        if self.spans.len() <= f.index() {
            self.spans.resize(f.index() + 1, FunctionSpans::default());
        }
        self.spans[f.index()] = spans;
        self.defined[f.index()] = true;
        Ok(f)
    }

    /// Checks that the module-level entities `func` refers to exist.
    pub(super) fn check_refs(&self, func: &Function) -> Result<(), BuildError> {
        let fun = |id: FuncId| {
            if self.module.functions.contains(id) {
                Ok(())
            } else {
                Err(BuildError::UnknownFunction(id))
            }
        };
        let bx = |id: BoxId| {
            if self.module.boxes.contains(id) {
                Ok(())
            } else {
                Err(BuildError::UnknownBox(id))
            }
        };
        let ty = |t: &TypeName| match t {
            TypeName::User(b) => bx(*b),
            _ => Ok(()),
        };
        for p in &func.params {
            if let Some(t) = &p.ty {
                ty(t)?;
            }
        }
        if let Some(t) = &func.ret_type {
            ty(t)?;
        }
        for block in func.blocks.values() {
            for inst in &block.insts {
                match inst {
                    Inst::Const {
                        value: Constant::Func(id),
                        ..
                    } => fun(*id)?,
                    Inst::TypeOp {
                        op: TypeOpKind::Check(t) | TypeOpKind::Cast(t),
                        ..
                    } => ty(t)?,
                    Inst::NewBox {
                        class: BoxClass::User(b),
                        ..
                    } => bx(*b)?,
                    Inst::ExternCall {
                        callee: Callee::Import(i),
                        args,
                        ..
                    } => {
                        let d = self
                            .module
                            .imports
                            .get(*i)
                            .ok_or(BuildError::UnknownImport(*i))?;
                        if d.params.len() != args.len() {
                            return Err(BuildError::WrongArgCount {
                                what: d.full_name(),
                                expected: d.params.len(),
                                got: args.len(),
                            });
                        }
                    }
                    Inst::Call { callee, .. } => match callee {
                        Callee::Global(id) => fun(*id)?,
                        Callee::Method {
                            box_name: Some(b), ..
                        } => bx(*b)?,
                        _ => {}
                    },
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// The finished module. Every declared function must have been defined.
    pub fn finish(self) -> Result<Module, BuildError> {
        self.finish_with_source_map().map(|(m, _)| m)
    }

    /// [`ModuleBuilder::finish`], with the source map of the spans the frontend attached to
    /// instructions ([`FunctionBuilder::set_span`]; spans of the frontend's source text): what
    /// tools turn into the frontend positions of backtraces.
    pub fn finish_with_source_map(self) -> Result<(Module, SourceMap), BuildError> {
        if let Some(i) = self.defined.iter().position(|d| !d) {
            let name = self.module.functions.as_slice()[i].name.clone();
            return Err(BuildError::UndefinedFunction(name));
        }
        let mut map = SourceMap {
            functions: self.spans,
            ..SourceMap::default()
        };
        map.functions
            .resize(self.module.functions.len(), FunctionSpans::default());
        Ok((self.module, map))
    }
}
