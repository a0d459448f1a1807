//! The one table of runtime functions: the `rt_functions!` macro defines each `extern "C"` function
//! and, from the same tokens, its [`RtFunction`] entry (name, parameter and result types,
//! address). The JIT's symbol table, the translator's import signatures and the AOT start-up
//! call are all made from these entries, so a definition and its description cannot disagree.
//!
//! The description is Cranelift-free: [`AbiType`] names the machine-level class of each
//! parameter and result, and `mir14-codegen` turns it into a Cranelift signature.

use super::Ctx;
use crate::Val;

/// The machine-level type of a parameter or result of a runtime function.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AbiType {
    /// The context pointer `*mut Ctx` (the first parameter of every function compiled code
    /// imports).
    Ctx,
    /// Any other pointer, or a `usize`: one pointer-sized integer.
    Ptr,
    /// A `u64` (one 64-bit integer register).
    I64,
    /// A C `int` (32 bits).
    I32,
}

/// A Rust type that may appear as a parameter of a runtime function, with its [`AbiType`].
pub trait AbiValue {
    /// The machine-level type.
    const TYPE: AbiType;
}

impl AbiValue for *mut Ctx {
    const TYPE: AbiType = AbiType::Ctx;
}

impl<T> AbiValue for *const T {
    const TYPE: AbiType = AbiType::Ptr;
}

impl AbiValue for *mut Val {
    const TYPE: AbiType = AbiType::Ptr;
}

impl AbiValue for usize {
    const TYPE: AbiType = AbiType::Ptr;
}

impl AbiValue for u64 {
    const TYPE: AbiType = AbiType::I64;
}

impl AbiValue for std::ffi::c_int {
    const TYPE: AbiType = AbiType::I32;
}

/// A Rust type that may be the result of a runtime function, as the list of registers it is
/// returned in.
pub trait AbiReturn {
    /// The machine-level result types, in order.
    const TYPES: &'static [AbiType];
}

impl AbiReturn for () {
    const TYPES: &'static [AbiType] = &[];
}

impl AbiReturn for u64 {
    const TYPES: &'static [AbiType] = &[AbiType::I64];
}

/// A [`Val`] is returned in two registers: (tag, bits).
impl AbiReturn for Val {
    const TYPES: &'static [AbiType] = &[AbiType::I64, AbiType::I64];
}

impl AbiReturn for std::ffi::c_int {
    const TYPES: &'static [AbiType] = &[AbiType::I32];
}

/// One runtime function: its symbol name, its signature and its address.
#[derive(Copy, Clone, Debug)]
pub struct RtFunction {
    /// The `#[no_mangle]` symbol name (`mir14_rt_*`).
    pub name: &'static str,
    /// The parameter types, in order.
    pub params: &'static [AbiType],
    /// The result types, in order.
    pub returns: &'static [AbiType],
    /// The function itself, with its type erased.
    pub entry: unsafe extern "C" fn(),
}

impl RtFunction {
    /// The address of the function (what a JIT binds [`RtFunction::name`] to).
    pub fn addr(&self) -> *const u8 {
        self.entry as *const u8
    }
}

/// Defines runtime functions and their table entries.
///
/// Each item `ID = fn name(params) -> ret { body }` becomes a `#[no_mangle] unsafe extern "C"
/// fn name` (doc comments and attributes before `ID` go to the function, and so does a
/// visibility: `pub ID = fn ...` makes the function public) and a `pub const ID: RtFunction`
/// describing it, its types given by [`AbiValue`] and [`AbiReturn`] (a parameter or result
/// type without an impl there is a compile error). The invocation also defines
/// `pub const FUNCTIONS: &[RtFunction]`: every entry of the invocation, in order.
///
/// ```text
/// rt_functions! {
///     /// A taken back edge: one unit of fuel. Returns 0, or 1 with a trap pending.
///     FUEL = fn mir14_rt_fuel(ctx: *mut Ctx) -> u64 { ... }
/// }
/// ```
macro_rules! rt_functions {
    (@ret) => { () };
    (@ret $t:ty) => { $t };
    ($(
        $(#[$attr:meta])*
        $vis:vis $id:ident = fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
    )*) => {
        $(
            $(#[$attr])*
            #[no_mangle]
            $vis unsafe extern "C" fn $name($($arg: $ty),*) $(-> $ret)? $body

            #[doc = concat!("The table entry of `", stringify!($name), "`.")]
            pub const $id: $crate::abi::RtFunction = $crate::abi::RtFunction {
                name: stringify!($name),
                params: &[$(<$ty as $crate::abi::AbiValue>::TYPE),*],
                returns: <rt_functions!(@ret $($ret)?) as $crate::abi::AbiReturn>::TYPES,
                // SAFETY: only the type is erased; `RtFunction::params`/`returns` describe it.
                entry: unsafe {
                    std::mem::transmute::<
                        unsafe extern "C" fn($($ty),*) $(-> $ret)?,
                        unsafe extern "C" fn(),
                    >($name)
                },
            };
        )*

        /// Every runtime function this module defines, in definition order.
        pub const FUNCTIONS: &[$crate::abi::RtFunction] = &[$($id),*];
    };
}
