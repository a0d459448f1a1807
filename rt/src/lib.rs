//! The MIR14 runtime shared by every backend: values, box heap, builtin methods, externs, formatting, traps.
