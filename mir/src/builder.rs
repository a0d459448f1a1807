//! The builder API for frontends: functions, blocks, every instruction, `Variable`s with
//! automatic SSA construction (Braun et al. 2013) and a loop helper emitting LoopForms.
