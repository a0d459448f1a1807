//! The named form of a module, shared by the text and JSON forms.

pub mod syntax;
