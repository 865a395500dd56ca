//! The one translation layer: every word the UI shows comes from a [`T`] of the reader's
//! language. Each area's texts are a struct with one field per message, written once per
//! language side by side, so a missing translation does not compile.

mod admin;
mod agent;
mod common;
mod kb;
mod portal;
mod sla;

pub use admin::Admin;
pub use agent::Agent;
pub use common::Common;
pub use kb::Kb;
pub use portal::Portal;
pub use sla::Sla;

/// Declares an area's texts: `key: "English" | "Deutsch",` per message.
macro_rules! texts {
    ($(#[$meta:meta])* $name:ident { $($key:ident: $en:literal | $de:literal,)* }) => {
        $(#[$meta])*
        #[allow(missing_docs)]
        pub struct $name {
            $(pub $key: &'static str,)*
        }

        impl $name {
            /// English.
            pub const EN: Self = Self { $($key: $en,)* };
            /// German.
            pub const DE: Self = Self { $($key: $de,)* };
        }
    };
}
pub(crate) use texts;

/// A language of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
}

impl Lang {
    /// Every language, in the order the switcher lists them.
    pub const ALL: &'static [Lang] = &[Lang::En, Lang::De];

    /// The BCP 47 code, for `lang=` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// The language's own name for itself.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
        }
    }

    /// A language by code (`de`, `de-AT`…).
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        Lang::ALL.iter().copied().find(|l| l.code() == primary)
    }

    /// The first language of an `Accept-Language` header that we speak; English otherwise.
    pub fn from_accept(header: &str) -> Lang {
        header.split(',').find_map(|part| Lang::parse(part.split(';').next().unwrap_or_default())).unwrap_or(Lang::En)
    }

    /// The texts of this language.
    pub fn texts(self) -> &'static T {
        match self {
            Lang::En => &EN,
            Lang::De => &DE,
        }
    }
}

/// All texts of one language, by area.
pub struct T {
    pub c: &'static Common,
    pub agent: &'static Agent,
    pub portal: &'static Portal,
    pub kb: &'static Kb,
    pub admin: &'static Admin,
    pub sla: &'static Sla,
}

static EN: T = T { c: &Common::EN, agent: &Agent::EN, portal: &Portal::EN, kb: &Kb::EN, admin: &Admin::EN, sla: &Sla::EN };
static DE: T = T { c: &Common::DE, agent: &Agent::DE, portal: &Portal::DE, kb: &Kb::DE, admin: &Admin::DE, sla: &Sla::DE };

/// Replaces `{name}` placeholders of a message.
pub fn fill(template: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    out
}

impl Common {
    /// The label of a ticket status.
    pub fn status(&self, s: &str) -> &'static str {
        match s {
            "new" => self.status_new,
            "open" => self.status_open,
            "in_progress" => self.status_in_progress,
            "waiting_on_customer" => self.status_waiting_on_customer,
            "escalated" => self.status_escalated,
            "resolved" => self.status_resolved,
            "closed" => self.status_closed,
            "duplicate" => self.status_duplicate,
            _ => self.unknown,
        }
    }

    /// The short name of a weekday.
    pub fn weekday(&self, day: jiff::civil::Weekday) -> &'static str {
        use jiff::civil::Weekday as W;
        match day {
            W::Monday => self.mon,
            W::Tuesday => self.tue,
            W::Wednesday => self.wed,
            W::Thursday => self.thu,
            W::Friday => self.fri,
            W::Saturday => self.sat,
            W::Sunday => self.sun,
        }
    }

    /// The label of a priority.
    pub fn priority(&self, p: &str) -> &'static str {
        match p {
            "low" => self.priority_low,
            "medium" => self.priority_medium,
            "high" => self.priority_high,
            "critical" => self.priority_critical,
            _ => self.unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_first_spoken_language() {
        assert_eq!(Lang::from_accept("fr-FR,de-DE;q=0.8,en;q=0.5"), Lang::De);
        assert_eq!(Lang::from_accept("fr"), Lang::En);
        assert_eq!(Lang::from_accept(""), Lang::En);
    }

    #[test]
    fn the_second_locale_differs_from_english() {
        assert_ne!(Lang::De.texts().c.sign_in, Lang::En.texts().c.sign_in);
        assert_eq!(fill("Ticket #{n}", &[("n", &7)]), "Ticket #7");
    }
}
