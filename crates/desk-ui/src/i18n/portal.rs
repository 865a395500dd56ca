//! Portal texts.

super::texts!(
    /// Portal texts.
    Portal {
        title: "Portal" | "Portal",
        my_tickets: "My tickets" | "Meine Tickets",
        new_ticket: "New ticket" | "Neues Ticket",
    }
);
