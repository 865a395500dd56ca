//! Admin texts: the sections (users, roles, groups, companies, categories, AI endpoint) and a
//! short description of every permission.

use desk_domain::permissions as perm;

super::texts!(
    /// Admin texts.
    Admin {
        sections: "Admin sections" | "Verwaltungsbereiche",
        page_title: "{section} · Admin" | "{section} · Verwaltung",
        pages: "Pages" | "Seiten",
        users: "Users" | "Benutzer",
        roles: "Roles" | "Rollen",
        groups: "Groups" | "Gruppen",
        companies: "Companies" | "Firmen",
        categories: "Categories" | "Kategorien",
        ai: "AI" | "KI",
        name: "Name" | "Name",
        role: "Role" | "Rolle",
        company: "Company" | "Firma",
        active: "Active" | "Aktiv",
        inactive: "Deactivated" | "Deaktiviert",
        choose: "Choose…" | "Bitte wählen…",
        all_users: "All users" | "Alle Benutzer",
        no_users: "No users yet." | "Noch keine Benutzer.",
        list_hidden: "Your role may add entries here but not list them." | "Ihre Rolle darf hier Einträge anlegen, aber nicht auflisten.",
        new_user: "New user" | "Neuer Benutzer",
        name_hint: "Optional: without a name, the part of the email before the @ is used." | "Optional: Ohne Namen wird der Teil der E-Mail vor dem @ verwendet.",
        staff_roles: "Staff roles" | "Rollen für Mitarbeitende",
        customer_roles: "Customer roles" | "Rollen für Kunden",
        role_hint: "The name of an existing role, such as agent or customer." | "Der Name einer bestehenden Rolle, z. B. agent oder customer.",
        company_hint: "Only for customer contacts; staff belong to no company." | "Nur für Kundenkontakte; Mitarbeitende gehören zu keiner Firma.",
        initial_password_hint: "At least 10 characters. Pass it on safely; the user can change it under Account." | "Mindestens 10 Zeichen. Geben Sie es sicher weiter; die Person kann es unter Konto ändern.",
        create_user: "Create user" | "Benutzer anlegen",
        staff_role: "Staff role" | "Rolle für Mitarbeitende",
        customer_role: "Customer role" | "Rolle für Kunden",
        permissions_of: "Permissions of {role}" | "Berechtigungen von {role}",
        own_role_hint: "This is your own role: it has to keep roles:manage." | "Das ist Ihre eigene Rolle: Sie muss roles:manage behalten.",
        save_permissions: "Save permissions" | "Berechtigungen speichern",
        no_roles: "No roles." | "Keine Rollen.",
        all_groups: "All groups" | "Alle Gruppen",
        no_groups: "No groups yet." | "Noch keine Gruppen.",
        group: "Group" | "Gruppe",
        members: "Members" | "Mitglieder",
        add_member: "Add a staff member" | "Teammitglied hinzufügen",
        add: "Add" | "Hinzufügen",
        no_candidates: "No staff member left to add." | "Keine weiteren Mitarbeitenden zum Hinzufügen.",
        new_group: "New group" | "Neue Gruppe",
        create_group: "Create group" | "Gruppe anlegen",
        all_companies: "All companies" | "Alle Firmen",
        no_companies: "No companies yet." | "Noch keine Firmen.",
        domain: "Domain" | "Domain",
        domain_hint: "Optional: the company's email domain, such as example.com." | "Optional: die E-Mail-Domain der Firma, z. B. example.com.",
        new_company: "New company" | "Neue Firma",
        create_company: "Create company" | "Firma anlegen",
        all_categories: "Knowledge-base categories" | "Kategorien der Wissensdatenbank",
        no_categories: "No categories yet." | "Noch keine Kategorien.",
        slug: "Short name" | "Kurzname",
        new_category: "New category" | "Neue Kategorie",
        category_hint: "The short name is made from the name." | "Der Kurzname wird aus dem Namen gebildet.",
        create_category: "Create category" | "Kategorie anlegen",
        ai_endpoint: "Generation endpoint" | "Endpunkt für Textgenerierung",
        ai_none: "No endpoint is set: the assistant answers with its built-in, source-grounded methods only." | "Kein Endpunkt eingerichtet: Der Assistent antwortet nur mit seinen eingebauten, quellengestützten Verfahren.",
        ai_intro: "Optional: an OpenAI-compatible API that writes drafts and answers. Its text is only used when it sticks to the sources; otherwise the built-in answer stands." | "Optional: eine OpenAI-kompatible API, die Entwürfe und Antworten schreibt. Ihr Text wird nur verwendet, wenn er sich an die Quellen hält; sonst gilt die eingebaute Antwort.",
        base_url: "API address" | "API-Adresse",
        base_url_hint: "The API root, such as https://api.example.com/v1" | "Die Basisadresse der API, z. B. https://api.example.com/v1",
        model: "Model" | "Modell",
        api_key: "API key" | "API-Schlüssel",
        key_stored: "Stored (encrypted, never shown)" | "Gespeichert (verschlüsselt, wird nie angezeigt)",
        key_hint: "Optional. Stored encrypted and never shown again." | "Optional. Wird verschlüsselt gespeichert und nie wieder angezeigt.",
        key_again_hint: "A key is stored. Leave this empty to keep it, or enter a new one." | "Ein Schlüssel ist gespeichert. Lassen Sie das Feld leer, um ihn zu behalten, oder geben Sie einen neuen ein.",
        remove_key: "Remove the stored key" | "Gespeicherten Schlüssel entfernen",
        set_endpoint: "Set up an endpoint" | "Endpunkt einrichten",
        change_endpoint: "Change the endpoint" | "Endpunkt ändern",
        save_endpoint: "Save endpoint" | "Endpunkt speichern",
        remove_endpoint: "Remove endpoint" | "Endpunkt entfernen",
        remove_hint: "The assistant then uses its built-in methods only." | "Der Assistent nutzt dann nur noch seine eingebauten Verfahren.",
        perm_ai_use: "Use the AI assistant on tickets" | "Den KI-Assistenten bei Tickets nutzen",
        perm_ai_configure: "Configure the AI endpoint" | "Den KI-Endpunkt einrichten",
        perm_kb_read: "Read knowledge-base articles" | "Artikel der Wissensdatenbank lesen",
        perm_kb_write: "Write article drafts and submit them for review" | "Artikelentwürfe schreiben und zur Prüfung einreichen",
        perm_kb_publish: "Approve, publish and archive articles" | "Artikel freigeben, veröffentlichen und archivieren",
        perm_kb_feedback: "Ask questions on articles and vote on them" | "Fragen zu Artikeln stellen und Artikel bewerten",
        perm_kb_answer: "Answer and hide questions on articles" | "Fragen zu Artikeln beantworten und ausblenden",
        perm_kb_manage: "Manage article categories" | "Artikelkategorien verwalten",
        perm_tickets_rate: "Rate one's own resolved tickets" | "Eigene gelöste Tickets bewerten",
        perm_attachments_write: "Upload and download attachments" | "Anhänge hoch- und herunterladen",
        perm_tickets_read: "Read tickets" | "Tickets lesen",
        perm_tickets_create: "Create tickets" | "Tickets erstellen",
        perm_tickets_update: "Change the status of tickets" | "Den Status von Tickets ändern",
        perm_tickets_manage: "Work on tickets as staff: priority, group, assignee" | "Tickets als Mitarbeitende bearbeiten: Priorität, Gruppe, Zuständigkeit",
        perm_tickets_comment: "Reply on tickets" | "Auf Tickets antworten",
        perm_tickets_scope_all: "See every ticket of the workspace" | "Alle Tickets des Arbeitsbereichs sehen",
        perm_tickets_scope_company: "See every ticket of one's own company" | "Alle Tickets der eigenen Firma sehen",
        perm_notes_internal: "Read and write internal notes" | "Interne Notizen lesen und schreiben",
        perm_users_read: "List users" | "Benutzer auflisten",
        perm_users_manage: "Create and change users" | "Benutzer anlegen und ändern",
        perm_roles_read: "List roles" | "Rollen auflisten",
        perm_roles_manage: "Change the permissions of roles" | "Berechtigungen von Rollen ändern",
        perm_companies_read: "List customer companies" | "Kundenfirmen auflisten",
        perm_companies_manage: "Create and change customer companies" | "Kundenfirmen anlegen und ändern",
        perm_groups_read: "List groups" | "Gruppen auflisten",
        perm_groups_manage: "Create groups and change their members" | "Gruppen anlegen und ihre Mitglieder ändern",
        perm_profile_read: "Open one's own account (every user needs it)" | "Das eigene Konto öffnen (braucht jede Person)",
    }
);

impl Admin {
    /// The description of a permission; empty for one the code does not know.
    pub fn permission(&self, p: &str) -> &'static str {
        match p {
            perm::AI_USE => self.perm_ai_use,
            perm::AI_CONFIGURE => self.perm_ai_configure,
            perm::KB_READ => self.perm_kb_read,
            perm::KB_WRITE => self.perm_kb_write,
            perm::KB_PUBLISH => self.perm_kb_publish,
            perm::KB_FEEDBACK => self.perm_kb_feedback,
            perm::KB_ANSWER => self.perm_kb_answer,
            perm::KB_MANAGE => self.perm_kb_manage,
            perm::TICKETS_RATE => self.perm_tickets_rate,
            perm::ATTACHMENTS_WRITE => self.perm_attachments_write,
            perm::TICKETS_READ => self.perm_tickets_read,
            perm::TICKETS_CREATE => self.perm_tickets_create,
            perm::TICKETS_UPDATE => self.perm_tickets_update,
            perm::TICKETS_MANAGE => self.perm_tickets_manage,
            perm::TICKETS_COMMENT => self.perm_tickets_comment,
            perm::TICKETS_SCOPE_ALL => self.perm_tickets_scope_all,
            perm::TICKETS_SCOPE_COMPANY => self.perm_tickets_scope_company,
            perm::NOTES_INTERNAL => self.perm_notes_internal,
            perm::USERS_READ => self.perm_users_read,
            perm::USERS_MANAGE => self.perm_users_manage,
            perm::ROLES_READ => self.perm_roles_read,
            perm::ROLES_MANAGE => self.perm_roles_manage,
            perm::COMPANIES_READ => self.perm_companies_read,
            perm::COMPANIES_MANAGE => self.perm_companies_manage,
            perm::GROUPS_READ => self.perm_groups_read,
            perm::GROUPS_MANAGE => self.perm_groups_manage,
            perm::PROFILE_READ => self.perm_profile_read,
            _ => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_has_a_description_in_every_language() {
        for p in perm::ALL {
            assert!(!Admin::EN.permission(p).is_empty(), "{p}");
            assert!(!Admin::DE.permission(p).is_empty(), "{p}");
        }
    }
}
