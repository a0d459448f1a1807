//! The MIR14 reference interpreter.
