//! Kb texts.

super::texts!(
    /// Kb texts.
    Kb {
        title: "Kb" | "Kb",
    }
);
