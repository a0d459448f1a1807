//! The MIR14 Cranelift AOT backend.
