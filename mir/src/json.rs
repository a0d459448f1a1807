//! The JSON form: one versioned serde schema, lossless both ways.
