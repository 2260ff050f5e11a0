//! capjure: persist JSON-like objects and serde structs in Apache HBase.
#![forbid(unsafe_code)]
