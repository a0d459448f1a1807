//! Misuse of the builder API is reported, never a panic.

use super::*;

#[test]
fn misuse_is_reported() {
    let mut fb = FunctionBuilder::new("bad").unwrap();
    let mut other = FunctionBuilder::new("other").unwrap();
    let foreign_v = other.iconst(1).unwrap();
    let foreign_b = other.create_block();
    let foreign_var = other.declare_var();
    let v = fb.iconst(1).unwrap();
    assert_eq!(
        fb.binop(BinOp::Add, v, foreign_v),
        Err(BuildError::ForeignValue(foreign_v))
    );
    assert_eq!(fb.jump(foreign_b), Err(BuildError::ForeignBlock(foreign_b)));
    assert_eq!(fb.use_var(foreign_var), Err(BuildError::ForeignVariable));
    assert_eq!(fb.jump(fb.entry_block()), Err(BuildError::EntryBlockTarget));
    assert_eq!(
        fb.call(Callee::Extern(ExternFn::Args), &[]),
        Err(BuildError::ExternInCall)
    );
    assert!(matches!(
        fb.extern_call(ExternFn::ConsoleLog, &[]),
        Err(BuildError::WrongArgCount {
            expected: 1,
            got: 0,
            ..
        })
    ));
    assert!(matches!(
        fb.new_box(BoxClass::Map, &[v]),
        Err(BuildError::WrongArgCount {
            expected: 0,
            got: 1,
            ..
        })
    ));
    // A phi after a non-phi instruction.
    assert_eq!(fb.phi(&[]), Err(BuildError::PhiNotLeading("bb0".into())));

    // Appending to a terminated block after switching back to it.
    let b = fb.create_block();
    fb.jump(b).unwrap();
    fb.seal_block(b).unwrap();
    assert_eq!(fb.jump(b), Err(BuildError::SealedBlockTarget("bb1".into())));
    fb.switch_to_block(fb.entry_block()).unwrap();
    assert_eq!(fb.iconst(2), Err(BuildError::BlockTerminated("bb0".into())));
    assert_eq!(fb.ret(None), Err(BuildError::BlockTerminated("bb0".into())));
    assert!(fb.begin_loop().is_err());

    // Loops: condition outside the header, break before the condition, break to an outer
    // loop, ending the outer loop first.
    fb.switch_to_block(b).unwrap();
    let outer = fb.begin_loop().unwrap();
    assert_eq!(fb.break_loop(&outer), Err(BuildError::LoopConditionMissing));
    assert_eq!(
        fb.seal_block(outer.header()),
        Err(BuildError::LoopBlockSealed("bb2".into()))
    );
    assert_eq!(
        fb.jump(outer.body()),
        Err(BuildError::LoopBlockTarget("bb3".into()))
    );
    let t = fb.bconst(true).unwrap();
    fb.loop_condition(&outer, t).unwrap();
    assert_eq!(
        fb.loop_condition(&outer, t),
        Err(BuildError::LoopConditionNotInHeader)
    );
    let inner = fb.begin_loop().unwrap();
    let t2 = fb.bconst(true).unwrap();
    fb.loop_condition(&inner, t2).unwrap();
    assert_eq!(fb.jump(outer.exit()), Err(BuildError::NotInnermostLoop));
    assert_eq!(fb.jump(outer.latch()), Err(BuildError::NotInnermostLoop));
    assert_eq!(fb.end_loop(outer), Err(BuildError::NotInnermostLoop));
    let mut third = FunctionBuilder::new("third").unwrap();
    let foreign_loop = third.begin_loop().unwrap();
    assert_eq!(fb.end_loop(foreign_loop), Err(BuildError::ForeignLoop));
    fb.continue_loop(&inner).unwrap();
    fb.end_loop(inner).unwrap();
    // `outer` was consumed by the failed end_loop above: the loop stays open.
    let open = block_label_of_unclosed(fb);
    assert_eq!(open, Err(BuildError::UnclosedLoop("bb2".into())));

    // A reachable block without a terminator.
    let mut fb = FunctionBuilder::new("open").unwrap();
    let b = fb.create_block();
    fb.jump(b).unwrap();
    fb.switch_to_block(b).unwrap();
    fb.iconst(1).unwrap();
    assert_eq!(
        fb.finish(),
        Err(BuildError::MissingTerminator("bb1".into()))
    );
    assert!(FunctionBuilder::new("a.b.c").is_err());
}

fn block_label_of_unclosed(fb: FunctionBuilder) -> Result<Function, BuildError> {
    fb.finish()
}

#[test]
fn module_builder_misuse() {
    let mut mb = ModuleBuilder::new();
    assert_eq!(
        mb.declare_box("Integer", &[]),
        Err(BuildError::BuiltinBoxName("Integer".into()))
    );
    assert_eq!(
        mb.declare_box("ArrayBox", &[]),
        Err(BuildError::BuiltinBoxName("ArrayBox".into()))
    );
    assert!(matches!(
        mb.declare_box("P", &["x", "x"]),
        Err(BuildError::DuplicateField { .. })
    ));
    let p = mb.declare_box("P", &["x"]).unwrap();
    assert_eq!(
        mb.declare_box("P", &[]),
        Err(BuildError::DuplicateBox("P".into()))
    );
    let f = mb.declare_function("f").unwrap();
    assert_eq!(
        mb.declare_function("f"),
        Err(BuildError::DuplicateFunction("f".into()))
    );
    assert!(mb.declare_function("@f").is_err());
    assert!(mb.declare_method(BoxId(9), "m").is_err());
    let m = mb.declare_method(p, "m").unwrap();

    // A builder from another module, or a standalone one, is refused.
    let mut other = ModuleBuilder::new();
    let g = other.declare_function("f").unwrap();
    let ofb = other.function_builder(g).unwrap();
    assert_eq!(
        mb.define_function(ofb),
        Err(BuildError::ForeignFunctionBuilder("f".into()))
    );
    let lone = FunctionBuilder::new("f").unwrap();
    assert!(mb.define_function(lone).is_err());

    // Unknown entities referred to by a body.
    let mut fb = mb.function_builder(f).unwrap();
    fb.call_global(FuncId(42), &[]).unwrap();
    fb.ret(None).unwrap();
    assert_eq!(
        mb.define_function(fb),
        Err(BuildError::UnknownFunction(FuncId(42)))
    );
    let mut fb = mb.function_builder(f).unwrap();
    fb.ret(None).unwrap();
    mb.define_function(fb).unwrap();
    assert!(mb.is_defined(f));
    assert_eq!(
        mb.function_builder(f).err(),
        Some(BuildError::AlreadyDefined("f".into()))
    );
    // @P.m is declared but not defined.
    assert_eq!(
        ModuleBuilder::finish(mb),
        Err(BuildError::UndefinedFunction("P.m".into()))
    );
    let _ = m;
}
