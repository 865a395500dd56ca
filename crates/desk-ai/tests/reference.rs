//! Our embeddings against reference vectors from an independent float64 forward pass
//! (`scripts/reference_embeddings.py`): same token ids, cosine ≥ 0.999.

use desk_ai::embed::Precision;
use desk_ai::{Embedder, cosine, model};

#[derive(serde::Deserialize)]
struct Reference {
    sentences: Vec<Sentence>,
}

#[derive(serde::Deserialize)]
struct Sentence {
    text: String,
    input_ids: Vec<u32>,
    embedding: Vec<f32>,
}

#[test]
fn embeddings_match_the_reference() {
    check(Precision::F32, 0.999);
}

/// The quantised model the server runs where the CPU allows stays within cosine 0.99.
#[test]
fn quantised_embeddings_stay_close() {
    check(Precision::Int8, 0.99);
}

fn check(precision: Precision, min_cosine: f32) {
    let dir = model::ensure(&model::default_cache_dir()).expect("the model is fetched");
    let embedder = Embedder::load_with(&dir, 0, precision).expect("the model loads");
    let reference: Reference =
        serde_json::from_str(include_str!("data/reference_embeddings.json")).expect("reference data parses");
    assert!(reference.sentences.len() >= 8);
    let texts: Vec<&str> = reference.sentences.iter().map(|s| s.text.as_str()).collect();
    let batched = embedder.embed(&texts).expect("embeds");
    for (s, ours) in reference.sentences.iter().zip(&batched) {
        assert_eq!(embedder.token_ids(&s.text).expect("tokenizes"), s.input_ids, "token ids of {:?}", s.text);
        assert_eq!(ours.len(), 384);
        let c = cosine(ours, &s.embedding);
        assert!(c >= min_cosine, "{precision:?}: cosine {c} for {:?}", s.text);
        // Alone or in a padded batch: the same vector.
        let alone = embedder.embed(&[s.text.as_str()]).expect("embeds");
        assert!(cosine(&alone[0], ours) >= 0.9999, "batching changed {:?}", s.text);
    }
}
