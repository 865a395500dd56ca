//! Ticket classification: softmax regression over the sentence embedding of subject and
//! description plus a few tone features, trained on labelled examples shipped with the binary
//! (`data/classifier_examples.json`) and refined by each tenant's corrected tickets.

use serde::Deserialize;

/// Ticket categories.
pub const CATEGORIES: &[&str] = &["technical", "product", "billing", "feature", "complaint", "other"];
/// Sentiments.
pub const SENTIMENTS: &[&str] = &["positive", "neutral", "negative", "angry"];
/// Priorities (the ticket priority names).
pub const PRIORITIES: &[&str] = &["low", "medium", "high", "critical"];

/// The labelled examples shipped with the binary.
pub const TRAINING_DATA: &str = include_str!("../data/classifier_examples.json");

/// One labelled example as shipped.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledTicket {
    pub subject: String,
    pub description: String,
    pub category: String,
    pub sentiment: String,
    pub priority: String,
}

/// The shipped examples.
pub fn training_examples() -> Vec<LabelledTicket> {
    serde_json::from_str(TRAINING_DATA).unwrap_or_default()
}

/// The text a ticket is embedded and classified by.
pub fn ticket_text(subject: &str, description: &str) -> String {
    format!("{}\n{}", subject.trim(), description.trim())
}

/// A prediction with the probability of the chosen category.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub category: &'static str,
    pub sentiment: &'static str,
    pub priority: &'static str,
    pub confidence: f32,
}

/// One training row: features and label indexes (category, sentiment, priority; `None` for an
/// unknown label), with a weight.
#[derive(Debug, Clone)]
pub struct Example {
    pub features: Vec<f32>,
    pub labels: [Option<usize>; 3],
    pub weight: f32,
}

impl Example {
    /// A row from an embedding and label names; unknown names are left out of training.
    pub fn new(embedding: &[f32], text: &str, category: &str, sentiment: &str, priority: &str, weight: f32) -> Self {
        Self {
            features: features(embedding, text),
            labels: [index_of(CATEGORIES, category), index_of(SENTIMENTS, sentiment), index_of(PRIORITIES, priority)],
            weight,
        }
    }
}

fn index_of(names: &[&str], name: &str) -> Option<usize> {
    names.iter().position(|n| *n == name)
}

const ANGRY: &[&str] = &[
    "unacceptable",
    "ridiculous",
    "worst",
    "terrible",
    "lawyer",
    "sue ",
    "scam",
    "furious",
    "joke",
    "incompetent",
    "useless",
    "cancel",
    "fed up",
    "sick of",
    "wtf",
    "disgrace",
    "pathetic",
    "never again",
    "immediately",
    "outrageous",
    "garbage",
];
const NEGATIVE: &[&str] = &[
    "unfortunately",
    "frustrat",
    "disappoint",
    "annoy",
    "still",
    "again",
    "not working",
    "doesn't work",
    "broken",
    "problem",
    "issue",
    "unhappy",
    "confus",
    "slow",
    "concern",
];
const POSITIVE: &[&str] = &[
    "thank",
    "great",
    "love",
    "awesome",
    "appreciate",
    "amazing",
    "perfect",
    "happy",
    "excellent",
    "fantastic",
    "wonderful",
    "kudos",
    "well done",
    "helpful",
    "glad",
];

/// Embedding followed by tone features: exclamation marks, shouting, and three word lists.
pub fn features(embedding: &[f32], text: &str) -> Vec<f32> {
    let lower = text.to_lowercase();
    let count = |list: &[&str]| list.iter().filter(|w| lower.contains(*w)).count();
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    let shouted = text
        .split_whitespace()
        .filter(|w| w.chars().count() >= 3 && w.chars().all(|c| !c.is_lowercase()) && w.chars().any(char::is_alphabetic))
        .count();
    #[allow(clippy::cast_precision_loss)]
    let tone = [
        (text.matches('!').count() as f32 / 3.0).min(1.0),
        (shouted as f32 / 3.0).min(1.0),
        (count(ANGRY) as f32 / 2.0).min(1.0),
        (count(NEGATIVE) as f32 / 2.0).min(1.0),
        (count(POSITIVE) as f32 / 2.0).min(1.0),
        if letters.is_empty() { 0.0 } else { letters.iter().filter(|c| c.is_uppercase()).count() as f32 / letters.len() as f32 },
    ];
    let mut f = embedding.to_vec();
    f.extend(tone.iter().map(|t| t * 0.5));
    f
}

#[derive(Debug, Clone)]
struct Head {
    classes: usize,
    dims: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl Head {
    fn probabilities(&self, f: &[f32]) -> Vec<f32> {
        let mut logits: Vec<f32> = (0..self.classes)
            .map(|c| self.bias[c] + crate::index::dot(&self.weights[c * self.dims..(c + 1) * self.dims], f))
            .collect();
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for l in &mut logits {
            *l = (*l - max).exp();
            sum += *l;
        }
        for l in &mut logits {
            *l /= sum;
        }
        logits
    }

    /// Full-batch gradient descent on the cross-entropy with L2 regularisation; classes are
    /// weighted inversely to their frequency so a rare class is not ignored.
    fn train(classes: usize, dims: usize, rows: &[(&[f32], usize, f32)]) -> Self {
        let mut head = Self { classes, dims, weights: vec![0.0; classes * dims], bias: vec![0.0; classes] };
        if rows.is_empty() {
            return head;
        }
        let mut per_class = vec![0f32; classes];
        for (_, y, w) in rows {
            per_class[*y] += w;
        }
        let total: f32 = per_class.iter().sum();
        #[allow(clippy::cast_precision_loss)]
        let balance: Vec<f32> = per_class.iter().map(|n| if *n > 0.0 { total / (classes as f32 * n) } else { 0.0 }).collect();
        let (rate, l2, epochs) = (2.0f32, 1e-4f32, 300);
        let mut grad_w = vec![0f32; classes * dims];
        let mut grad_b = vec![0f32; classes];
        for _ in 0..epochs {
            grad_w.fill(0.0);
            grad_b.fill(0.0);
            for (f, y, w) in rows {
                let p = head.probabilities(f);
                let weight = w * balance[*y] / total;
                for c in 0..classes {
                    let err = (p[c] - if c == *y { 1.0 } else { 0.0 }) * weight;
                    grad_b[c] += err;
                    for (g, x) in grad_w[c * dims..(c + 1) * dims].iter_mut().zip(f.iter()) {
                        *g += err * x;
                    }
                }
            }
            for (wt, g) in head.weights.iter_mut().zip(&grad_w) {
                *wt -= rate * (g + l2 * *wt);
            }
            for (b, g) in head.bias.iter_mut().zip(&grad_b) {
                *b -= rate * g;
            }
        }
        head
    }
}

/// Three heads over the same features.
#[derive(Debug, Clone)]
pub struct Classifier {
    heads: [Head; 3],
}

impl Classifier {
    /// Trains on `examples` (all with the same feature length).
    pub fn train(examples: &[Example]) -> Self {
        let dims = examples.first().map_or(0, |e| e.features.len());
        let head = |which: usize, classes: usize| {
            let rows: Vec<(&[f32], usize, f32)> =
                examples.iter().filter_map(|e| e.labels[which].map(|y| (e.features.as_slice(), y, e.weight))).collect();
            Head::train(classes, dims, &rows)
        };
        Self { heads: [head(0, CATEGORIES.len()), head(1, SENTIMENTS.len()), head(2, PRIORITIES.len())] }
    }

    /// The most likely labels for a feature row.
    pub fn predict(&self, features: &[f32]) -> Prediction {
        let best = |head: &Head| {
            let p = head.probabilities(features);
            p.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or((0, 0.0), |(i, v)| (i, *v))
        };
        let (c, confidence) = best(&self.heads[0]);
        let (s, _) = best(&self.heads[1]);
        let (p, _) = best(&self.heads[2]);
        Prediction { category: CATEGORIES[c], sentiment: SENTIMENTS[s], priority: PRIORITIES[p], confidence }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_separable_labels() {
        let mut examples = Vec::new();
        for i in 0..60u8 {
            let c = usize::from(i % 3);
            let mut e = vec![0.0f32; 8];
            e[c] = 1.0;
            e[7] = f32::from(i) / 100.0;
            examples.push(Example::new(&e, "calm text", CATEGORIES[c], "neutral", PRIORITIES[c], 1.0));
        }
        let model = Classifier::train(&examples);
        let mut probe = vec![0.0f32; 8];
        probe[1] = 1.0;
        let p = model.predict(&features(&probe, "calm text"));
        assert_eq!(p.category, "product");
        assert_eq!(p.priority, "medium");
        assert!(p.confidence > 0.5);
    }

    #[test]
    fn shipped_examples_parse_with_known_labels() {
        let all = training_examples();
        assert!(all.len() >= 400, "{} examples", all.len());
        for e in &all {
            assert!(CATEGORIES.contains(&e.category.as_str()), "{}", e.category);
            assert!(SENTIMENTS.contains(&e.sentiment.as_str()), "{}", e.sentiment);
            assert!(PRIORITIES.contains(&e.priority.as_str()), "{}", e.priority);
        }
    }
}
