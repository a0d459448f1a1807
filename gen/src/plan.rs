//! The module plan: the generator's type lattice ([`Ty`]), function roles and signatures, user
//! box plans, and the module-level state ([`Gen`]) that every function body draws on.

use crate::{Config, Source};
use mir14_mir::{BoxDecl, BoxId, FuncId, Function, Module, Operator, TypeName};

/// The generator's idea of a value's type: what it will be when the program runs, unless an
/// operation of a wrong type was injected upstream.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Int,
    Float,
    Bool,
    Str,
    Void,
    Array,
    Map,
    /// A FunctionBox of a known function.
    Func(FuncId),
    /// An operator box.
    Op(Operator),
    /// An instance of a user box.
    User(BoxId),
    /// Unknown (array elements, map values, `apply` results).
    Any,
}

impl Ty {
    /// The type name of annotations and `typeop`.
    pub(crate) fn type_name(self) -> TypeName {
        match self {
            Ty::Int => TypeName::Integer,
            Ty::Float => TypeName::Float,
            Ty::Bool => TypeName::Bool,
            Ty::Str => TypeName::String,
            Ty::Void => TypeName::Void,
            Ty::Array => TypeName::Array,
            Ty::Map => TypeName::Map,
            Ty::Func(_) => TypeName::Function,
            Ty::Op(o) => TypeName::Operator(o),
            Ty::User(b) => TypeName::User(b),
            Ty::Any => TypeName::Any,
        }
    }
}

/// What role a function plays; decides the shape of its body.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Main,
    Helper,
    Method,
    Birth,
    ToString,
    Apply,
    /// A user override of a universal method (`equals`, `typeName`): a short generic body.
    Universal,
}

/// A planned function signature.
#[derive(Clone, Debug)]
pub(crate) struct Sig {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    /// The box of a method (its first parameter is the receiver).
    pub(crate) receiver: Option<BoxId>,
    /// Whether the parameter after the receiver is the recursion depth `%d`.
    pub(crate) depth: bool,
    /// The other parameters' types.
    pub(crate) params: Vec<Ty>,
    pub(crate) ret: Ty,
    pub(crate) annotate_params: bool,
    pub(crate) annotate_ret: bool,
}

/// A planned user box.
#[derive(Clone, Debug)]
pub(crate) struct BoxPlan {
    pub(crate) fields: Vec<String>,
    pub(crate) birth: Option<FuncId>,
    pub(crate) to_string: Option<FuncId>,
    pub(crate) apply: Option<FuncId>,
    pub(crate) methods: Vec<FuncId>,
}

/// Module-level generator state.
pub(crate) struct Gen<'s> {
    pub(crate) src: &'s mut dyn Source,
    pub(crate) cfg: Config,
    pub(crate) module: Module,
    pub(crate) sigs: Vec<Sig>,
    pub(crate) boxes: Vec<BoxPlan>,
    /// Every declared field name (for `load`/`store` of a field the receiver may lack).
    pub(crate) fields: Vec<String>,
    /// `env.process.exit` is emitted at most once per module.
    pub(crate) exit_used: bool,
    /// This module's rate (per 1000) of operands of a likely wrong type.
    pub(crate) err: u64,
}

impl Gen<'_> {
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.src.below(n as u64) as usize
    }

    pub(crate) fn chance(&mut self, num: u64, den: u64) -> bool {
        self.src.chance(num, den)
    }

    /// A type for parameters and results of helpers.
    pub(crate) fn data_ty(&mut self) -> Ty {
        let nb = self.boxes.len();
        match self.below(9 + nb) {
            0..=2 => Ty::Int,
            3 => Ty::Float,
            4 => Ty::Str,
            5 => Ty::Bool,
            6 => Ty::Array,
            7 => Ty::Map,
            8 => Ty::Void,
            k => Ty::User(BoxId((k - 9) as u32)),
        }
    }

    /// Decides boxes, functions and signatures; pushes placeholder functions.
    pub(crate) fn plan(&mut self) {
        let nboxes = self.below(self.cfg.max_boxes + 1);
        for b in 0..nboxes {
            let nf = self.below(4);
            let fields: Vec<String> = (0..nf).map(|i| format!("f{}", i + b)).collect();
            for f in &fields {
                if !self.fields.contains(f) {
                    self.fields.push(f.clone());
                }
            }
            self.module.boxes.push(BoxDecl {
                name: format!("B{b}"),
                fields: fields.clone(),
            });
            self.boxes.push(BoxPlan {
                fields,
                birth: None,
                to_string: None,
                apply: None,
                methods: Vec::new(),
            });
        }
        let add = |g: &mut Gen, sig: Sig| -> FuncId {
            let id = FuncId(g.sigs.len() as u32);
            g.module.functions.push(Function::new(sig.name.clone()));
            g.sigs.push(sig);
            id
        };
        add(
            self,
            Sig {
                name: "main".into(),
                kind: Kind::Main,
                receiver: None,
                depth: false,
                params: Vec::new(),
                ret: Ty::Int,
                annotate_params: false,
                annotate_ret: false,
            },
        );
        for b in 0..nboxes {
            let bid = BoxId(b as u32);
            let bname = format!("B{b}");
            if self.chance(4, 5) {
                let n = self.below(3);
                let params = (0..n)
                    .map(|_| [Ty::Int, Ty::Str, Ty::Float, Ty::Any][self.below(4)])
                    .collect();
                let ap = self.chance(1, 3);
                let id = add(
                    self,
                    Sig {
                        name: format!("{bname}.birth"),
                        kind: Kind::Birth,
                        receiver: Some(bid),
                        depth: false,
                        params,
                        ret: Ty::Void,
                        annotate_params: ap,
                        annotate_ret: false,
                    },
                );
                self.boxes[b].birth = Some(id);
            }
            if self.chance(3, 5) {
                let ar = self.chance(1, 4);
                let id = add(
                    self,
                    Sig {
                        name: format!("{bname}.toString"),
                        kind: Kind::ToString,
                        receiver: Some(bid),
                        depth: false,
                        params: Vec::new(),
                        ret: Ty::Str,
                        annotate_params: false,
                        annotate_ret: ar,
                    },
                );
                self.boxes[b].to_string = Some(id);
            }
            if self.chance(1, 2) {
                let id = add(
                    self,
                    Sig {
                        name: format!("{bname}.apply"),
                        kind: Kind::Apply,
                        receiver: Some(bid),
                        depth: false,
                        params: vec![Ty::Int],
                        ret: Ty::Int,
                        annotate_params: false,
                        annotate_ret: false,
                    },
                );
                self.boxes[b].apply = Some(id);
            }
            // Overrides of the universal methods, reached by dynamic calls only.
            for (m, params, ret) in [
                ("equals", vec![Ty::Any], Ty::Bool),
                ("typeName", vec![], Ty::Str),
            ] {
                if self.chance(1, 4) {
                    add(
                        self,
                        Sig {
                            name: format!("{bname}.{m}"),
                            kind: Kind::Universal,
                            receiver: Some(bid),
                            depth: false,
                            params,
                            ret,
                            annotate_params: false,
                            annotate_ret: false,
                        },
                    );
                }
            }
            let nm = self.below(3);
            for m in 0..nm {
                let np = self.below(3);
                let params = (0..np).map(|_| self.data_ty()).collect();
                let ret = self.data_ty();
                let ap = self.chance(1, 3);
                let ar = self.chance(1, 3);
                let id = add(
                    self,
                    Sig {
                        name: format!("{bname}.m{m}"),
                        kind: Kind::Method,
                        receiver: Some(bid),
                        depth: true,
                        params,
                        ret,
                        annotate_params: ap,
                        annotate_ret: ar,
                    },
                );
                self.boxes[b].methods.push(id);
            }
        }
        let nh = 1 + self.below(self.cfg.max_helpers);
        for h in 0..nh {
            let np = self.below(3);
            let params = (0..np).map(|_| self.data_ty()).collect();
            let ret = self.data_ty();
            let ap = self.chance(1, 3);
            let ar = self.chance(1, 3);
            add(
                self,
                Sig {
                    name: format!("f{}", h + 1),
                    kind: Kind::Helper,
                    receiver: None,
                    depth: true,
                    params,
                    ret,
                    annotate_params: ap,
                    annotate_ret: ar,
                },
            );
        }
    }

    /// Functions callers can call with a depth argument (helpers and methods `mN`).
    pub(crate) fn depth_functions(&self) -> Vec<FuncId> {
        (0..self.sigs.len())
            .filter(|&i| self.sigs[i].depth)
            .map(|i| FuncId(i as u32))
            .collect()
    }
}
