//! Server-rendered pages. For now: the public knowledge base, readable without JavaScript.

pub mod public_kb;
