//! The knowledge base and public help center.

super::texts!(
    /// Knowledge-base texts.
    Kb {
        search_label: "Search the help center" | "Hilfe-Center durchsuchen",
        results: "Results" | "Ergebnisse",
        no_results: "No articles match. Try other words, or ask a question." | "Keine passenden Artikel. Versuchen Sie andere Wörter oder stellen Sie eine Frage.",
        categories: "Categories" | "Kategorien",
        all_articles: "All articles" | "Alle Artikel",
        no_articles: "No articles here yet." | "Hier gibt es noch keine Artikel.",
        was_helpful: "Was this article helpful?" | "War dieser Artikel hilfreich?",
        helpful_count: "{n} found this helpful" | "{n} fanden das hilfreich",
        thanks_vote: "Thanks for your feedback." | "Danke für Ihre Rückmeldung.",
        questions: "Questions about this article" | "Fragen zu diesem Artikel",
        no_questions: "No questions yet." | "Noch keine Fragen.",
        ask_on_article: "Ask a question about this article" | "Eine Frage zu diesem Artikel stellen",
        send_question: "Send question" | "Frage senden",
        ask_label: "Your question" | "Ihre Frage",
        ask_button: "Ask" | "Fragen",
        dont_know: "I don't know — no article answers that well enough. Open a ticket and our team will help." | "Das weiß ich nicht – kein Artikel beantwortet das gut genug. Eröffnen Sie ein Ticket, unser Team hilft Ihnen.",
        sources: "From these articles:" | "Aus diesen Artikeln:",
        sign_in_for_more: "Customers can sign in to open a ticket." | "Kunden können sich anmelden, um ein Ticket zu eröffnen.",
        updated_on: "updated {date}" | "aktualisiert am {date}",
    }
);
