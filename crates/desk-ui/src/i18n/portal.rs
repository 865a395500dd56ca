//! The customer portal.

super::texts!(
    /// Customer portal texts.
    Portal {
        my_tickets: "My tickets" | "Meine Tickets",
        company_tickets: "My company's tickets" | "Tickets meiner Firma",
        whose_tickets: "Whose tickets" | "Wessen Tickets",
        new_ticket: "New ticket" | "Neues Ticket",
        new_ticket_intro: "Tell us what happened. Matching help articles appear as you type the subject." | "Beschreiben Sie, was passiert ist. Passende Hilfeartikel erscheinen, während Sie den Betreff tippen.",
        no_tickets: "You have no tickets yet." | "Sie haben noch keine Tickets.",
        browse_kb: "Browse the help center" | "Hilfe-Center durchsuchen",
        ask_kb: "Ask a question" | "Eine Frage stellen",
        subject: "Subject" | "Betreff",
        description: "Description" | "Beschreibung",
        suggestions_title: "These articles may already answer it:" | "Diese Artikel beantworten es vielleicht schon:",
        submit_ticket: "Submit ticket" | "Ticket absenden",
        support_team: "Support" | "Support",
        attachments: "Attachments" | "Anhänge",
        add_reply: "Add a reply" | "Antwort hinzufügen",
        attach_files: "Attach files (optional, up to 10 MiB in all)" | "Dateien anhängen (optional, insgesamt bis 10 MiB)",
        send_reply: "Send reply" | "Antwort senden",
        mark_resolved: "Mark as resolved" | "Als gelöst markieren",
        reopen: "Reopen" | "Wieder öffnen",
        rate_question: "How did we do?" | "Wie zufrieden sind Sie?",
        rate_comment: "Anything to add? (optional)" | "Möchten Sie etwas ergänzen? (optional)",
        rate_submit: "Send rating" | "Bewertung senden",
        rated: "You rated this {score} of 5. Thank you!" | "Sie haben mit {score} von 5 bewertet. Danke!",
    }
);
