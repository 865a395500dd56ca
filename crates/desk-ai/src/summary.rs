//! Grounded extractive summaries of a ticket thread: the thread's own sentences, ranked by how
//! central they are (cosine to the thread's mean embedding), with greetings and signatures
//! removed and identifiers kept. Nothing is written that the thread does not say, except the
//! fixed words describing the state, which hold no identifiers.

use std::fmt::Write as _;

use crate::AiError;
use crate::embed::cosine;
use crate::text::{identifiers, is_pleasantry, is_reference, sentences, strip_boilerplate, words};

/// Sentences ranked at most.
pub const MAX_SENTENCES: usize = 400;

/// One message of a thread, oldest first.
#[derive(Debug, Clone)]
pub struct ThreadMessage {
    /// Written by the customer (else by staff).
    pub from_customer: bool,
    pub body: String,
}

/// Embeds texts (unit vectors); `None` ranks by word overlap instead.
pub type EmbedFn<'a> = &'a dyn Fn(&[&str]) -> Result<Vec<Vec<f32>>, AiError>;

struct Candidate {
    message: usize,
    from_customer: bool,
    text: String,
    score: f32,
}

/// The summary: the issue, what was tried, the latest message, the state and who owes the next
/// step, and the key identifiers.
pub fn summarize(subject: &str, messages: &[ThreadMessage], status: &str, embed: Option<EmbedFn<'_>>) -> Result<String, AiError> {
    let mut candidates = Vec::new();
    // A thread's first few hundred sentences say what it is about; the cap bounds the work.
    'messages: for (i, m) in messages.iter().enumerate() {
        for s in sentences(&strip_boilerplate(&m.body)) {
            if !is_pleasantry(&s) && s.split_whitespace().count() >= 3 {
                candidates.push(Candidate { message: i, from_customer: m.from_customer, text: s, score: 0.0 });
                if candidates.len() == MAX_SENTENCES {
                    break 'messages;
                }
            }
        }
    }
    let centrality = rank(&candidates.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), embed)?;
    let first_customer = messages.iter().position(|m| m.from_customer);
    for (c, score) in candidates.iter_mut().zip(centrality) {
        let references = identifiers(&c.text).iter().filter(|id| is_reference(id)).count();
        c.score = score + if references > 0 { 0.15 } else { 0.0 } + if Some(c.message) == first_customer { 0.1 } else { 0.0 };
    }
    let pick = |filter: &dyn Fn(&Candidate) -> bool, n: usize, taken: &mut Vec<usize>| -> Vec<String> {
        let mut idx: Vec<usize> = (0..candidates.len()).filter(|i| filter(&candidates[*i]) && !taken.contains(i)).collect();
        idx.sort_by(|a, b| candidates[*b].score.total_cmp(&candidates[*a].score));
        idx.truncate(n);
        idx.sort_unstable();
        taken.extend(&idx);
        idx.iter().map(|i| candidates[*i].text.clone()).collect()
    };
    let mut taken = Vec::new();
    let issue = pick(&|c| c.from_customer, 2, &mut taken);
    let tried = pick(&|c| !c.from_customer, 2, &mut taken);
    let last = messages.len().checked_sub(1);
    let latest = pick(&|c| Some(c.message) == last, 1, &mut taken);

    let mut out = String::new();
    let issue_text = if issue.is_empty() { subject.trim().to_owned() } else { issue.join(" ") };
    let _ = writeln!(out, "Issue: {issue_text}");
    if !tried.is_empty() {
        let _ = writeln!(out, "Tried: {}", tried.join(" "));
    }
    if let (Some(l), Some(m)) = (latest.first(), last.map(|i| &messages[i])) {
        let who = if m.from_customer { "customer" } else { "agent" };
        let _ = writeln!(out, "Latest ({who}): {l}");
    }
    let _ = writeln!(out, "Current state: {}", state(status, last.map(|i| messages[i].from_customer)));
    let mut keys: Vec<String> = Vec::new();
    for m in messages {
        for id in identifiers(&strip_boilerplate(&m.body)) {
            if is_reference(&id) && !keys.iter().any(|k| k.eq_ignore_ascii_case(&id)) && keys.len() < 10 {
                keys.push(id);
            }
        }
    }
    if !keys.is_empty() {
        let _ = writeln!(out, "Key details: {}", keys.join(", "));
    }
    Ok(out.trim_end().to_owned())
}

/// The status in words and who owes the next step.
fn state(status: &str, last_from_customer: Option<bool>) -> String {
    let status_words = status.replace('_', " ");
    let next = match (status, last_from_customer) {
        ("resolved" | "closed" | "duplicate", _) => "nothing is pending unless the customer reopens it",
        ("waiting_on_customer", _) | (_, Some(false)) => "the customer owes the next reply",
        (_, Some(true)) => "the customer wrote last, so the next step is ours",
        (_, None) => "no one has replied yet; the next step is ours",
    };
    format!("{status_words}; {next}.")
}

/// Centrality of each sentence: cosine to the mean embedding, or word overlap with the thread.
fn rank(texts: &[&str], embed: Option<EmbedFn<'_>>) -> Result<Vec<f32>, AiError> {
    if texts.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(embed) = embed {
        let vectors = embed(texts)?;
        let dims = vectors.first().map_or(0, Vec::len);
        let mut mean = vec![0f32; dims];
        for v in &vectors {
            for (m, x) in mean.iter_mut().zip(v) {
                *m += x;
            }
        }
        let norm = mean.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
        for m in &mut mean {
            *m /= norm;
        }
        return Ok(vectors.iter().map(|v| cosine(v, &mean)).collect());
    }
    let bags: Vec<Vec<String>> = texts.iter().map(|t| words(t)).collect();
    let mut counts = std::collections::HashMap::new();
    for bag in &bags {
        for w in bag {
            *counts.entry(w.as_str()).or_insert(0u32) += 1;
        }
    }
    Ok(bags
        .iter()
        .map(|bag| {
            if bag.is_empty() {
                return 0.0;
            }
            #[allow(clippy::cast_precision_loss)]
            let total: f32 = bag.iter().map(|w| counts[w.as_str()] as f32).sum::<f32>() / (bag.len() as f32 * texts.len() as f32);
            total
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::invented_identifiers;

    #[test]
    fn summary_keeps_identifiers_and_invents_none() {
        let thread = vec![
            ThreadMessage {
                from_customer: true,
                body: "Hi team,\n\nOur order ORD-48213 was charged twice, $249.00 each time. Please refund one charge.\n\nBest regards,\nMaria\nAcme | +1 555 0100".into(),
            },
            ThreadMessage {
                from_customer: false,
                body: "Hello Maria,\n\nThanks for reaching out. I checked invoice INV-2026-0311 and see the duplicate charge. I have asked billing to refund it.\n\nKind regards,\nSam".into(),
            },
            ThreadMessage { from_customer: true, body: "Any news? The refund has still not arrived.".into() },
        ];
        let source: String = thread.iter().map(|m| m.body.as_str()).collect::<Vec<_>>().join("\n");
        let s = summarize("Double charge", &thread, "open", None).expect("summarises");
        assert!(s.contains("ORD-48213") && s.contains("$249.00") && s.contains("INV-2026-0311"), "{s}");
        assert!(invented_identifiers(&s, &source).is_empty(), "{s}");
        assert!(!s.contains("555"), "signature leaked: {s}");
        assert!(!s.contains("Thanks for reaching out"), "{s}");
        assert!(s.contains("the next step is ours"), "{s}");
    }
}
