//! The MIR14 Cranelift JIT backend.
