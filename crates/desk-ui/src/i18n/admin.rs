//! Admin texts.

super::texts!(
    /// Admin texts.
    Admin {
        title: "Admin" | "Admin",
    }
);
