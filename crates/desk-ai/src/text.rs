//! Plain-text methods the AI features share: article chunking, sentence splitting, greeting and
//! signature removal, identifier extraction (the faithfulness check), and step extraction.

use std::collections::HashSet;

/// Words per article chunk (about 200 tokens).
pub const CHUNK_WORDS: usize = 150;

/// An article as chunks to embed: the title with the summary first, then the body split at
/// headings and paragraphs into pieces of about [`CHUNK_WORDS`] words, each prefixed with the
/// title and its heading so it stands on its own.
pub fn chunk_article(title: &str, summary: &str, body_markdown: &str) -> Vec<String> {
    let mut chunks = vec![format!("{title}. {summary}").trim().to_owned()];
    let mut heading = String::new();
    let mut current = String::new();
    let flush = |chunks: &mut Vec<String>, heading: &str, current: &mut String| {
        let text = current.trim();
        if !text.is_empty() {
            let prefix = if heading.is_empty() { title.to_owned() } else { format!("{title} — {heading}") };
            chunks.push(format!("{prefix}: {text}"));
        }
        current.clear();
    };
    for block in body_markdown.split("\n\n") {
        let block = block.trim();
        if block.is_empty() {
            continue;
        }
        if let Some(h) = block.lines().next().filter(|l| l.starts_with('#')) {
            flush(&mut chunks, &heading, &mut current);
            h.trim_start_matches('#').trim().clone_into(&mut heading);
            let rest: Vec<&str> = block.lines().skip(1).collect();
            if !rest.is_empty() {
                current.push_str(&plain(&rest.join("\n")));
                current.push(' ');
            }
            continue;
        }
        let words = current.split_whitespace().count() + block.split_whitespace().count();
        if words > CHUNK_WORDS && !current.trim().is_empty() {
            flush(&mut chunks, &heading, &mut current);
        }
        current.push_str(&plain(block));
        current.push(' ');
    }
    flush(&mut chunks, &heading, &mut current);
    chunks
}

/// Markdown to plain text: drops emphasis markers, link targets, list markers and code fences.
pub fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for line in markdown.lines() {
        let line = line.trim();
        if line.starts_with("```") {
            continue;
        }
        let line = line.trim_start_matches('#').trim_start_matches(['>', '-', '*', '+']).trim_start();
        let mut rest = line;
        // "1. step" keeps its number; links keep their text.
        let mut cleaned = String::new();
        while let Some(open) = rest.find('[') {
            cleaned.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            if let Some((close, end)) = after.find("](").and_then(|c| after[c + 2..].find(')').map(|e| (c, e))) {
                cleaned.push_str(&after[..close]);
                rest = &after[close + 2 + end + 1..];
                continue;
            }
            cleaned.push('[');
            rest = after;
        }
        cleaned.push_str(rest);
        let cleaned = cleaned.replace("**", "").replace("__", "").replace('`', "");
        if !cleaned.is_empty() {
            out.push_str(&cleaned);
            out.push('\n');
        }
    }
    out.trim_end().to_owned()
}

/// Sentences of a text, split at `.`, `!`, `?` followed by a space, and at line breaks. Dots inside
/// tokens ("v4.2.1", "$249.00", "e.g.") do not split.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut current = String::new();
        let chars: Vec<char> = line.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            current.push(*c);
            let next_is_space = chars.get(i + 1).is_none_or(|n| n.is_whitespace());
            if matches!(c, '.' | '!' | '?') && next_is_space {
                let word = current.split_whitespace().last().unwrap_or("");
                let abbreviation =
                    matches!(word.to_lowercase().as_str(), "e.g." | "i.e." | "etc." | "mr." | "ms." | "dr." | "vs.");
                if !abbreviation && current.trim().len() > 1 {
                    push_sentence(&mut out, &current);
                    current.clear();
                }
            }
        }
        push_sentence(&mut out, &current);
    }
    out
}

fn push_sentence(out: &mut Vec<String>, s: &str) {
    let s = s.trim();
    if s.chars().any(char::is_alphanumeric) {
        out.push(s.to_owned());
    }
}

const SIGN_OFFS: &[&str] = &[
    "best regards",
    "kind regards",
    "warm regards",
    "regards",
    "best,",
    "best wishes",
    "thanks,",
    "thanks!",
    "thank you,",
    "many thanks",
    "cheers",
    "sincerely",
    "yours",
    "sent from my",
    "--",
];

const GREETINGS: &[&str] = &["hi", "hello", "hey", "dear", "good morning", "good afternoon", "good evening", "greetings"];

/// A message without its greeting line and everything from its sign-off on (the signature).
pub fn strip_boilerplate(message: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for (i, line) in message.lines().enumerate() {
        let l = line.trim().to_lowercase();
        if i > 0 && SIGN_OFFS.iter().any(|s| l.starts_with(s)) && l.len() < 40 {
            break;
        }
        if lines.iter().all(|l| l.trim().is_empty()) && is_greeting(&l) {
            continue;
        }
        lines.push(line);
    }
    lines.join("\n").trim().to_owned()
}

/// "Hi team," or "Hello Maria!" on its own.
fn is_greeting(line: &str) -> bool {
    let words = line.split_whitespace().count();
    words <= 4 && GREETINGS.iter().any(|g| line.starts_with(g)) && (line.ends_with(',') || line.ends_with('!') || words <= 2)
}

/// A sentence that carries no content: thanks, greetings, pleasantries.
pub fn is_pleasantry(sentence: &str) -> bool {
    const EMPTY: &[&str] = &[
        "thanks",
        "thank you",
        "thanks in advance",
        "thank you for your help",
        "thanks for your help",
        "thank you for reaching out",
        "thanks for reaching out",
        "thanks for contacting us",
        "thank you for contacting us",
        "hope you are well",
        "i hope you are well",
        "hope this helps",
        "let me know if you have any questions",
        "let us know if you have any questions",
        "have a great day",
        "have a nice day",
        "sorry for the inconvenience",
        "we apologize for the inconvenience",
    ];
    let s = sentence.to_lowercase();
    let s = s.trim_matches(|c: char| !c.is_alphanumeric());
    s.is_empty() || EMPTY.iter().any(|e| s == *e || (s.starts_with(e) && s.len() < e.len() + 12)) || is_greeting(s)
}

/// Identifiers in a text: every word holding a digit ("ORD-48213", "E-4012", "502", "$249.00",
/// "v4.2.1", "INV-2026-0311"), without surrounding punctuation. A summary may only contain
/// identifiers its source contains.
pub fn identifiers(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '"' | '\'' | '[' | ']' | '<' | '>'))
    {
        let w = word.trim_matches(|c: char| matches!(c, '.' | ':' | '!' | '?' | '*' | '`'));
        if w.chars().any(|c| c.is_ascii_digit()) && seen.insert(w.to_lowercase()) {
            out.push(w.to_owned());
        }
    }
    out
}

/// Identifiers in `output` that `source` does not contain (compared case-insensitively).
pub fn invented_identifiers(output: &str, source: &str) -> Vec<String> {
    let known: HashSet<String> = identifiers(source).iter().map(|s| s.to_lowercase()).collect();
    identifiers(output).into_iter().filter(|id| !known.contains(&id.to_lowercase())).collect()
}

/// Identifiers that look like references rather than plain numbers: letters with digits
/// ("ORD-48213", "E-4012", "v4.2.1"), amounts ("$249.00", "€80") and HTTP-style codes.
pub fn is_reference(id: &str) -> bool {
    let has_letter = id.chars().any(char::is_alphabetic);
    let currency = id.starts_with(['$', '€', '£']) || id.ends_with(['$', '€', '£']);
    let digits = id.chars().filter(char::is_ascii_digit).count();
    has_letter || currency || id.contains('-') || id.contains('.') || digits >= 3
}

/// Steps in an article or a reply: numbered or bulleted list items, in order.
pub fn steps(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in markdown.lines() {
        let l = line.trim();
        let item = if let Some(rest) = l.strip_prefix(['-', '*', '+']) {
            Some(rest)
        } else {
            let digits = l.chars().take_while(char::is_ascii_digit).count();
            if digits > 0 && l[digits..].starts_with(['.', ')']) { Some(&l[digits + 1..]) } else { None }
        };
        if let Some(item) = item.map(str::trim).filter(|s| !s.is_empty()) {
            out.push(plain(item));
        }
    }
    out
}

/// Lower-case words of at least three letters, for keyword overlap.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|w| !STOP.contains(&w.as_str()))
        .collect()
}

const STOP: &[&str] = &[
    "the", "and", "for", "are", "but", "not", "you", "your", "with", "this", "that", "have", "has", "was", "were", "can",
    "cannot", "our", "from", "they", "them", "their", "there", "what", "when", "where", "which", "who", "how", "why", "will",
    "would", "could", "should", "been", "being", "into", "about", "just", "any", "all", "its", "it's", "i'm", "don", "does",
    "did", "get", "got", "out", "please", "also", "than", "then", "some", "more", "very", "too", "here", "hi", "hello", "thanks",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_follow_headings() {
        let body = "Intro paragraph.\n\n## Reset\n\n1. Open **Settings**.\n2. Click [Reset](https://x.example).\n\n## Still stuck\n\nContact us.";
        let chunks = chunk_article("Reset your password", "How to reset it.", body);
        assert_eq!(chunks[0], "Reset your password. How to reset it.");
        assert_eq!(chunks.len(), 4);
        assert!(chunks[2].starts_with("Reset your password — Reset: 1. Open Settings."), "{}", chunks[2]);
        assert!(chunks[2].contains("Click Reset."));
        assert!(!chunks[2].contains("https"));
    }

    #[test]
    fn sentences_keep_versions_and_amounts() {
        let s = sentences("We upgraded to v4.2.1 yesterday. It charged $249.00 twice! Why?\nSee ORD-48213");
        assert_eq!(s, vec!["We upgraded to v4.2.1 yesterday.", "It charged $249.00 twice!", "Why?", "See ORD-48213"]);
    }

    #[test]
    fn boilerplate_goes() {
        let m = "Hi team,\n\nThe export fails with E-4012.\nIt worked last week.\n\nBest regards,\nMaria\nAcme | +1 555 0100";
        assert_eq!(strip_boilerplate(m), "The export fails with E-4012.\nIt worked last week.");
        assert!(is_pleasantry("Thanks in advance!"));
        assert!(!is_pleasantry("Thanks, but the export still fails with E-4012"));
    }

    #[test]
    fn identifiers_and_inventions() {
        let src = "Order ORD-48213 failed with HTTP 502; we were charged $249.00 (INV-2026-0311).";
        assert_eq!(identifiers(src), vec!["ORD-48213", "502", "$249.00", "INV-2026-0311"]);
        assert!(invented_identifiers("Refund $249.00 for ord-48213", src).is_empty());
        assert_eq!(invented_identifiers("Refund $294.00 for ORD-48213", src), vec!["$294.00"]);
    }

    #[test]
    fn steps_are_list_items() {
        assert_eq!(steps("Intro\n1. Open **Settings**\n2) Click Save\n- Done"), vec!["Open Settings", "Click Save", "Done"]);
    }
}
