//! What the unit tests of several files share: an object module for the host and generated
//! programs of the shapes that stress compile settings.

use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_object::{ObjectBuilder, ObjectModule};

/// An object module for the host with the backends' flags: PIC, `opt_level=speed` and frame
/// pointers (Cranelift's x86-64 `return_call` needs them).
pub(crate) fn object_module() -> ObjectModule {
    let mut fb = settings::builder();
    fb.set("is_pic", "true").expect("setting");
    fb.set("opt_level", "speed").expect("setting");
    fb.set("preserve_frame_pointers", "true").expect("setting");
    let isa = cranelift_native::builder()
        .expect("host")
        .finish(settings::Flags::new(fb))
        .expect("isa");
    let ob =
        ObjectBuilder::new(isa, "t", cranelift_module::default_libcall_names()).expect("builder");
    ObjectModule::new(ob)
}

/// A JIT module for the host that links the runtime's functions, with frame pointers and
/// Cranelift's verifier on, to run translated code in a unit test.
pub(crate) fn jit_module() -> JITModule {
    let mut fb = settings::builder();
    fb.set("preserve_frame_pointers", "true").expect("setting");
    fb.set("use_colocated_libcalls", "false").expect("setting");
    fb.set("enable_verifier", "true").expect("setting");
    let isa = cranelift_native::builder()
        .expect("host")
        .finish(settings::Flags::new(fb))
        .expect("isa");
    let mut jb = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
    for f in mir14_rt::abi::imports() {
        jb.symbol(f.name, f.addr());
    }
    JITModule::new(jb)
}

/// `@main` of `n` nested loops, each running once, loop k's exit jumping to loop k-1's latch
/// (`bench/scaling.py`'s `nested` shape, undeclared); it returns 1.
pub(crate) fn nested_loops(n: usize) -> String {
    let mut src =
        String::from("fn @main() {\nentry:\n  %zero = const 0\n  %one = const 1\n  jump h0\n");
    for k in 0..n {
        let pre = if k == 0 {
            "entry".to_string()
        } else {
            format!("b{}", k - 1)
        };
        let next = if k + 1 < n {
            format!("h{}", k + 1)
        } else {
            format!("l{k}")
        };
        src += &format!(
            "h{k}:\n  %i{k} = phi [{pre}: %zero], [l{k}: %j{k}]\n  %c{k} = compare lt %i{k}, %one\n  \
             branch %c{k}, b{k}, x{k}\nb{k}:\n  jump {next}\nl{k}:\n  %j{k} = binop add %i{k}, %one\n  \
             jump h{k}\n"
        );
    }
    for k in (1..n).rev() {
        src += &format!("x{k}:\n  jump l{}\n", k - 1);
    }
    src + "x0:\n  ret %one\n}\n"
}
