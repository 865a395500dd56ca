//! The AI engine: loads the embedding model in the background (fetching it once if needed),
//! rebuilds each tenant's vector index from the stored vectors, and runs the worker that embeds
//! what the durable queue names. Embedding runs on a bounded set of blocking threads: the worker
//! holds at most one permit, so a search's query embedding never waits behind more than one batch.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use desk_ai::classify::{self, Classifier, Example};
use desk_ai::index::{Kind, VectorIndex, from_bytes, to_bytes};
use desk_ai::{Embedder, model, text};
use desk_store::{KIND_ARTICLE, KIND_TICKET, KbAudience, QueueItem, Store, TenantCtx, TicketAiRecord, TicketScope, VectorRecord};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::{CoreError, CoreResult, now_ms};

/// How the AI engine runs.
#[derive(Debug, Clone)]
pub struct AiOptions {
    /// Load the model and run the worker at all.
    pub enabled: bool,
    /// May fetch the model with pip when it is not cached.
    pub fetch: bool,
    /// Where the model and derived files are cached.
    pub cache_dir: PathBuf,
    /// Threads the model runs on (0: one per core).
    pub threads: usize,
    /// How often the worker looks at the queue when idle.
    pub poll: Duration,
    /// The server's secret, which seals stored API keys (the binary reads it from
    /// `CUSTOMERDESK_SECRET_KEY` or the data directory).
    pub secret: Option<[u8; 32]>,
}

impl AiOptions {
    /// The default: enabled, fetching into the default cache, all cores.
    pub fn enabled() -> Self {
        Self {
            enabled: true,
            fetch: true,
            cache_dir: model::default_cache_dir(),
            threads: 0,
            poll: Duration::from_millis(500),
            secret: None,
        }
    }

    /// Keyword-only: no model, no worker.
    pub fn disabled() -> Self {
        Self { enabled: false, ..Self::enabled() }
    }
}

/// The model's state, as `/healthz` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelState {
    /// Turned off by configuration.
    Off,
    /// Being fetched or loaded.
    Loading,
    /// Running.
    Ready,
    /// Could not be fetched or loaded; the reason.
    Failed(String),
}

impl ModelState {
    /// The state's name.
    pub fn name(&self) -> &'static str {
        match self {
            ModelState::Off => "off",
            ModelState::Loading => "loading",
            ModelState::Ready => "ready",
            ModelState::Failed(_) => "unavailable",
        }
    }
}

type TenantModel = (i64, usize, Arc<Classifier>);
/// Chunks of one source: (chunk number, text, vector).
type Chunks = Vec<(u32, String, Vec<f32>)>;

/// The model's name as stored with each vector.
pub const MODEL_ID: &str = "all-MiniLM-L6-v2";

/// Items the worker takes from one tenant's queue at a time.
const QUEUE_BATCH: i64 = 64;
/// Weight of a tenant's own corrected ticket against one shipped example.
const CORRECTION_WEIGHT: f32 = 3.0;

/// The engine; shared by the services.
pub struct AiEngine {
    store: Arc<dyn Store>,
    options: AiOptions,
    state: RwLock<ModelState>,
    embedder: RwLock<Option<Arc<Embedder>>>,
    index: VectorIndex,
    base: RwLock<Option<Arc<Vec<Example>>>>,
    base_model: RwLock<Option<Arc<Classifier>>>,
    /// Per tenant: (latest correction time, number of corrections, the model trained with them).
    tenant_models: Mutex<HashMap<Uuid, TenantModel>>,
    permits: Semaphore,
    /// Angry customers fire the tenant's `sentiment_angry` escalation rules; counted here.
    sla_metrics: Arc<crate::SlaMetrics>,
}

fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
}

fn write<T>(lock: &RwLock<T>, value: T) {
    *lock.write().unwrap_or_else(std::sync::PoisonError::into_inner) = value;
}

impl AiEngine {
    /// Starts the engine: with AI enabled, a background task loads the model and then runs the
    /// worker. Call on a tokio runtime.
    pub fn start(store: Arc<dyn Store>, options: AiOptions, sla_metrics: Arc<crate::SlaMetrics>) -> Arc<Self> {
        let enabled = options.enabled;
        let engine = Arc::new(Self {
            store,
            options,
            state: RwLock::new(if enabled { ModelState::Loading } else { ModelState::Off }),
            embedder: RwLock::new(None),
            index: VectorIndex::new(),
            base: RwLock::new(None),
            base_model: RwLock::new(None),
            tenant_models: Mutex::new(HashMap::new()),
            permits: Semaphore::new(2),
            sla_metrics,
        });
        if enabled {
            let weak = Arc::downgrade(&engine);
            tokio::spawn(async move { Self::run(weak).await });
        }
        engine
    }

    /// The secret that seals stored API keys.
    pub(crate) fn secret(&self) -> CoreResult<[u8; 32]> {
        self.options.secret.ok_or_else(|| CoreError::Unavailable("this server has no secret key to seal API keys with".into()))
    }

    /// The model's state.
    pub fn state(&self) -> ModelState {
        read(&self.state)
    }

    /// The vector index.
    pub fn index(&self) -> &VectorIndex {
        &self.index
    }

    /// The loaded model, if ready.
    pub fn embedder(&self) -> Option<Arc<Embedder>> {
        read(&self.embedder)
    }

    /// The model or a 503 saying why there is none.
    pub fn require_model(&self) -> CoreResult<Arc<Embedder>> {
        self.embedder().ok_or_else(|| {
            CoreError::Unavailable(match self.state() {
                ModelState::Off => "the AI model is turned off on this server (CUSTOMERDESK_AI=off)".into(),
                ModelState::Loading => "the AI model is still loading; try again in a few seconds".into(),
                ModelState::Failed(why) => format!("the AI model is unavailable: {why}"),
                ModelState::Ready => "the AI model is not loaded".into(),
            })
        })
    }

    /// A permit to run the model on the blocking pool.
    pub async fn permit(&self) -> CoreResult<tokio::sync::SemaphorePermit<'_>> {
        self.permits.acquire().await.map_err(|e| CoreError::Internal(e.to_string()))
    }

    /// Unit vectors for `texts`, computed on the blocking pool.
    pub async fn embed(&self, texts: Vec<String>) -> CoreResult<Vec<Vec<f32>>> {
        let model = self.require_model()?;
        let _permit = self.permits.acquire().await.map_err(|e| CoreError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            model.embed(&refs)
        })
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))?
        .map_err(|e| CoreError::Internal(e.to_string()))
    }

    /// One text's vector.
    pub async fn embed_one(&self, text: &str) -> CoreResult<Vec<f32>> {
        Ok(self.embed(vec![text.to_owned()]).await?.pop().unwrap_or_default())
    }

    /// Waits until the model is loaded and trained and every tenant's queue is empty; false
    /// when the model is off or failed, or on timeout.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.state() {
                ModelState::Off | ModelState::Failed(_) => return false,
                ModelState::Ready if read(&self.base_model).is_some() => {
                    let mut queued = 0;
                    if let Ok(tenants) = self.tenant_contexts().await {
                        for ctx in tenants {
                            queued += self.store.ai_queue_len(&ctx).await.unwrap_or(1);
                            queued += self.store.ai_unclassified_tickets(&ctx, 1).await.map_or(1, |v| i64::from(!v.is_empty()));
                        }
                    }
                    if queued == 0 {
                        return true;
                    }
                }
                _ => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Loads the model, rebuilds the index, trains the classifier, then works the queue until
    /// the last handle on the engine is dropped.
    async fn run(weak: std::sync::Weak<Self>) {
        let Some(engine) = weak.upgrade() else { return };
        if !engine.load().await {
            return;
        }
        // The classifier trains beside the worker, so indexing starts at once; tickets embedded
        // before it is ready are classified when it is (see `classify_backlog`).
        let trainer = weak.clone();
        tokio::spawn(async move {
            if let Some(engine) = trainer.upgrade()
                && let Err(e) = engine.load_base_classifier().await
            {
                tracing::error!(error = %e, "training the ticket classifier failed");
            }
        });
        let poll = engine.options.poll;
        drop(engine);
        loop {
            let Some(engine) = weak.upgrade() else { return };
            let result = engine.work_once().await;
            drop(engine);
            match result {
                Ok(0) => tokio::time::sleep(poll).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "embedding worker");
                    tokio::time::sleep(poll).await;
                }
            }
        }
    }

    async fn load(&self) -> bool {
        let options = self.options.clone();
        let loaded = tokio::task::spawn_blocking(move || -> Result<Embedder, String> {
            let dir = if options.fetch {
                model::ensure(&options.cache_dir)
            } else {
                model::locate(&options.cache_dir)
                    .and_then(|d| d.ok_or_else(|| desk_ai::AiError::Model("not cached and fetching is off".into())))
            }
            .map_err(|e| e.to_string())?;
            Embedder::load(&dir, options.threads).map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        match loaded {
            Ok(embedder) => {
                tracing::info!(model = MODEL_ID, threads = embedder.threads(), "embedding model loaded");
                write(&self.embedder, Some(Arc::new(embedder)));
            }
            Err(why) => {
                tracing::error!(%why, "AI MODEL UNAVAILABLE: search runs keyword-only and AI features answer 503");
                write(&self.state, ModelState::Failed(why));
                return false;
            }
        }
        if let Err(e) = self.rebuild_index().await {
            tracing::error!(error = %e, "AI UNAVAILABLE: rebuilding the vector index failed");
            write(&self.state, ModelState::Failed(format!("rebuilding the vector index failed: {e}")));
            write(&self.embedder, None);
            return false;
        }
        write(&self.state, ModelState::Ready);
        true
    }

    async fn tenant_contexts(&self) -> CoreResult<Vec<TenantCtx>> {
        let mut out = Vec::new();
        for t in self.store.list_tenants().await? {
            if let Some(ctx) = self.store.operator_ctx(&t.slug).await? {
                out.push(ctx);
            }
        }
        Ok(out)
    }

    /// Loads every tenant's stored vectors into the index; nothing is re-embedded.
    pub async fn rebuild_index(&self) -> CoreResult<usize> {
        let mut total = 0;
        for ctx in self.tenant_contexts().await? {
            total += self.rebuild_tenant(&ctx).await?;
        }
        tracing::info!(vectors = total, "vector index rebuilt from stored vectors");
        Ok(total)
    }

    async fn rebuild_tenant(&self, ctx: &TenantCtx) -> CoreResult<usize> {
        let rows = self.store.ai_load_vectors(ctx).await?;
        let tenant = ctx.tenant_id();
        self.index.clear_tenant(tenant);
        let n = rows.len();
        let mut grouped: HashMap<(Kind, Uuid), Chunks> = HashMap::new();
        for r in rows {
            if let Some(kind) = Kind::parse(&r.kind) {
                let chunk = u32::try_from(r.chunk).unwrap_or(0);
                grouped.entry((kind, r.source_id)).or_default().push((chunk, r.content, from_bytes(&r.vector)));
            }
        }
        for ((kind, id), chunks) in grouped {
            self.index.replace(tenant, kind, id, chunks);
        }
        Ok(n)
    }

    /// Embeds up to one batch of queued items for each tenant; returns how many were done.
    pub async fn work_once(&self) -> CoreResult<usize> {
        let mut done = 0;
        for ctx in self.tenant_contexts().await? {
            // One tenant's failure must not stop the others' indexing.
            let result = match self.store.ai_queue_take(&ctx, QUEUE_BATCH).await {
                Ok(items) if items.is_empty() => self.classify_backlog(&ctx).await,
                Ok(items) => self.process(&ctx, &items).await,
                Err(e) => Err(e.into()),
            };
            match result {
                Ok(n) => done += n,
                Err(e) => tracing::warn!(tenant.id = %ctx.tenant_id(), error = %e, "embedding a tenant's queue failed"),
            }
        }
        Ok(done)
    }

    /// Processes queued items until every queue is empty (the CLI's `reindex` and the demo).
    pub async fn drain(&self, mut progress: impl FnMut(usize)) -> CoreResult<usize> {
        self.require_model()?;
        let mut total = 0;
        loop {
            let n = self.work_once().await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
            progress(total);
        }
    }

    /// The chunks one queue item stands for now (empty when its source is gone).
    async fn chunks_of(&self, ctx: &TenantCtx, item: &QueueItem) -> CoreResult<Vec<String>> {
        let found = match item.kind.as_str() {
            KIND_TICKET => match self.store.get_ticket(ctx, &TicketScope::All, item.source_id).await {
                Ok(t) => {
                    let mut chunks = vec![classify::ticket_text(&t.subject, &t.description)];
                    let resolution = [t.root_cause.as_deref(), t.resolution.as_deref()]
                        .into_iter()
                        .flatten()
                        .filter(|s| !s.trim().is_empty())
                        .collect::<Vec<_>>()
                        .join("\n");
                    if !resolution.is_empty() {
                        chunks.push(format!("{}\n{resolution}", t.subject.trim()));
                    }
                    Some(chunks)
                }
                Err(desk_store::StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            },
            KIND_ARTICLE => match self.store.get_article(ctx, KbAudience::Staff, item.source_id).await {
                Ok(a) => Some(text::chunk_article(&a.title, &a.summary, &a.body)),
                Err(desk_store::StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            },
            _ => None,
        };
        Ok(found.unwrap_or_default())
    }

    async fn process(&self, ctx: &TenantCtx, items: &[QueueItem]) -> CoreResult<usize> {
        let mut texts = Vec::new();
        let mut spans = Vec::new();
        for item in items {
            let chunks = self.chunks_of(ctx, item).await?;
            spans.push((texts.len(), chunks.len()));
            texts.extend(chunks);
        }
        // `embed` holds one of the two permits: queries can always take the other.
        let vectors = match self.embed(texts.clone()).await {
            Ok(v) => v,
            Err(e) => {
                for item in items {
                    self.store.ai_queue_failed(ctx, item).await?;
                }
                return Err(e);
            }
        };
        let now = now_ms();
        for (item, (start, len)) in items.iter().zip(spans) {
            let rows: Vec<VectorRecord> = (start..start + len)
                .map(|i| VectorRecord {
                    kind: item.kind.clone(),
                    source_id: item.source_id,
                    chunk: i32::try_from(i - start).unwrap_or(i32::MAX),
                    content: texts[i].clone(),
                    vector: to_bytes(&vectors[i]),
                })
                .collect();
            // The index and the classification first; storing removes the queue item, so once
            // the queue is empty everything it named is searchable.
            if let Some(kind) = Kind::parse(&item.kind) {
                let chunks = rows
                    .iter()
                    .zip(&vectors[start..start + len])
                    .map(|(r, v)| (u32::try_from(r.chunk).unwrap_or(0), r.content.clone(), v.clone()))
                    .collect();
                self.index.replace(ctx.tenant_id(), kind, item.source_id, chunks);
                if kind == Kind::Ticket && len > 0 {
                    self.classify_stored(ctx, item.source_id, &texts[start], &vectors[start], now).await?;
                }
            }
            self.store.ai_store_vectors(ctx, item, &rows, MODEL_ID, now).await?;
        }
        Ok(items.len())
    }

    /// Classifies embedded tickets that have no classification, once the classifier is ready;
    /// returns how many it classified.
    async fn classify_backlog(&self, ctx: &TenantCtx) -> CoreResult<usize> {
        if read(&self.base_model).is_none() {
            return Ok(0);
        }
        let mut done = 0;
        let now = now_ms();
        for id in self.store.ai_unclassified_tickets(ctx, QUEUE_BATCH).await? {
            let key = desk_ai::index::Key { kind: Kind::Ticket, id, chunk: 0 };
            let vector = self.index.vectors_of(ctx.tenant_id(), Kind::Ticket, id).into_iter().find(|(c, _)| *c == 0);
            if let (Some((_, v)), Some(text)) = (vector, self.index.content(ctx.tenant_id(), key)) {
                self.classify_stored(ctx, id, &text, &v, now).await?;
                done += 1;
            }
        }
        Ok(done)
    }

    /// Classifies a ticket from its stored text and vector and keeps the result on it.
    async fn classify_stored(&self, ctx: &TenantCtx, ticket_id: Uuid, text: &str, vector: &[f32], now: i64) -> CoreResult<()> {
        let Some(model) = self.classifier_for(ctx).await? else { return Ok(()) };
        let p = model.predict(&classify::features(vector, text));
        let record = TicketAiRecord {
            ticket_id,
            category: p.category.into(),
            sentiment: p.sentiment.into(),
            priority: p.priority.into(),
            confidence: f64::from(p.confidence),
            escalate: p.sentiment == "angry",
            corrected_category: None,
            corrected_sentiment: None,
            corrected_priority: None,
            updated_at: now,
        };
        self.store.ai_set_classification(ctx, &record).await?;
        if record.escalate {
            tracing::info!(ticket = %ticket_id, "angry customer: the tenant's escalation rules decide");
            let trigger = desk_domain::routing::Trigger::SentimentAngry;
            crate::escalation::on_trigger(&*self.store, &self.sla_metrics, ctx, ticket_id, trigger, now).await?;
        }
        Ok(())
    }

    /// Embeds the shipped examples (cached on disk by content hash) and trains the base model.
    async fn load_base_classifier(&self) -> CoreResult<()> {
        let examples = classify::training_examples();
        let texts: Vec<String> = examples.iter().map(|e| classify::ticket_text(&e.subject, &e.description)).collect();
        let hash = {
            let mut h = Sha256::new();
            h.update(MODEL_ID.as_bytes());
            h.update(classify::TRAINING_DATA.as_bytes());
            h.finalize().iter().take(8).fold(String::new(), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            })
        };
        let cache = self.options.cache_dir.join(format!("classifier-examples-{hash}.f32"));
        let dims = self.require_model()?.dims();
        let vectors = match std::fs::read(&cache) {
            Ok(bytes) if bytes.len() == texts.len() * dims * 4 => {
                from_bytes(&bytes).chunks_exact(dims).map(<[f32]>::to_vec).collect()
            }
            _ => {
                let vectors = self.embed(texts.clone()).await?;
                let bytes: Vec<u8> = vectors.iter().flat_map(|v| to_bytes(v)).collect();
                let tmp = cache.with_extension("tmp");
                if std::fs::write(&tmp, bytes).is_ok() {
                    let _ = std::fs::rename(&tmp, &cache);
                }
                vectors
            }
        };
        let rows: Vec<Example> = examples
            .iter()
            .zip(&texts)
            .zip(&vectors)
            .map(|((e, text), v)| Example::new(v, text, &e.category, &e.sentiment, &e.priority, 1.0))
            .collect();
        let rows = Arc::new(rows);
        let training = rows.clone();
        let model = tokio::task::spawn_blocking(move || Classifier::train(&training))
            .await
            .map_err(|e| CoreError::Internal(e.to_string()))?;
        write(&self.base, Some(rows));
        write(&self.base_model, Some(Arc::new(model)));
        tracing::info!(examples = examples.len(), "ticket classifier trained");
        Ok(())
    }

    /// The tenant's classifier: the base model, retrained with the tenant's corrections when it
    /// has any (cached until they change).
    pub async fn classifier_for(&self, ctx: &TenantCtx) -> CoreResult<Option<Arc<Classifier>>> {
        let Some(base_model) = read(&self.base_model) else { return Ok(None) };
        let corrections = self.store.ai_corrections(ctx).await?;
        if corrections.is_empty() {
            return Ok(Some(base_model));
        }
        let stamp = corrections.iter().map(|c| c.updated_at).max().unwrap_or(0);
        if let Some((s, n, model)) =
            self.tenant_models.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&ctx.tenant_id())
            && *s == stamp
            && *n == corrections.len()
        {
            return Ok(Some(model.clone()));
        }
        let mut rows: Vec<Example> = read(&self.base).map(|b| b.as_ref().clone()).unwrap_or_default();
        for c in &corrections {
            let vectors = self.index.vectors_of(ctx.tenant_id(), Kind::Ticket, c.ticket_id);
            let Some((_, v)) = vectors.iter().find(|(chunk, _)| *chunk == 0) else { continue };
            let content = self
                .index
                .content(ctx.tenant_id(), desk_ai::index::Key { kind: Kind::Ticket, id: c.ticket_id, chunk: 0 })
                .unwrap_or_default();
            rows.push(Example::new(
                v,
                &content,
                c.corrected_category.as_deref().unwrap_or(&c.category),
                c.corrected_sentiment.as_deref().unwrap_or(&c.sentiment),
                c.corrected_priority.as_deref().unwrap_or(&c.priority),
                CORRECTION_WEIGHT,
            ));
        }
        let model = Arc::new(
            tokio::task::spawn_blocking(move || Classifier::train(&rows))
                .await
                .map_err(|e| CoreError::Internal(e.to_string()))?,
        );
        self.tenant_models
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(ctx.tenant_id(), (stamp, corrections.len(), model.clone()));
        Ok(Some(model))
    }
}
