//! A small W3C WebDriver client: headless Chromium through a chromedriver child process of its
//! own, one session per [`Browser`]. Every wait polls with a deadline and panics saying what it
//! waited for, on which page.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The W3C key of an element reference (WebDriver spec, "web element identifier").
pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const POLL: Duration = Duration::from_millis(100);

/// An element of the page: its W3C reference, and the selector it was found by (for messages).
#[derive(Debug, Clone)]
pub struct Element {
    pub id: String,
    pub css: String,
}

/// A chromedriver process and one browser session in it; both end on drop.
pub struct Browser {
    http: reqwest::Client,
    /// `http://127.0.0.1:{port}`.
    base: String,
    /// The session id (empty until created).
    session: String,
    driver: Child,
    dir: super::TempDir,
}

impl Browser {
    /// A headless browser with a fresh profile.
    pub async fn start() -> Self {
        Self::start_with(json!({})).await
    }

    /// A headless browser whose `goog:chromeOptions` also have these keys (e.g. `mobileEmulation`).
    pub async fn start_with(extra_chrome_options: Value) -> Self {
        for bin in [CHROMEDRIVER, CHROMIUM] {
            assert!(
                Path::new(bin).exists(),
                "{bin} is missing: the browser tests need it (apt-get install chromium chromium-driver)"
            );
        }
        let dir = super::TempDir::new();
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let log = std::fs::File::create(dir.0.join("chromedriver.log")).expect("chromedriver log");
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {CHROMEDRIVER}: {e}"));
        let http = reqwest::Client::builder().timeout(Duration::from_mins(2)).build().expect("http client");
        let mut b = Self { http, base: format!("http://127.0.0.1:{port}"), session: String::new(), driver, dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(exit)) = b.driver.try_wait() {
                panic!("chromedriver exited ({exit}) before it was ready:\n{}", b.driver_log());
            }
            let ready = b.http.get(format!("{}/status", b.base)).send().await;
            if let Ok(r) = ready
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == true
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver on port {port} not ready after 30 s:\n{}", b.driver_log());
            tokio::time::sleep(POLL).await;
        }
        let profile = b.dir.0.join("profile");
        let mut options = json!({"binary": CHROMIUM, "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            format!("--user-data-dir={}", profile.display()),
        ]});
        if let (Some(o), Some(extra)) = (options.as_object_mut(), extra_chrome_options.as_object()) {
            o.extend(extra.clone());
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}});
        let created = b.request(reqwest::Method::POST, format!("{}/session", b.base), Some(caps)).await;
        b.session = match created {
            Ok(v) => v["sessionId"].as_str().unwrap_or_else(|| panic!("new session without an id: {v}")).to_owned(),
            Err(e) => panic!("creating a Chromium session: {e}\n{}", b.driver_log()),
        };
        b
    }

    fn driver_log(&self) -> String {
        let log = std::fs::read_to_string(self.dir.0.join("chromedriver.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// One command of this session; `path` is relative to `/session/{id}/`.
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        self.request(method, format!("{}/session/{}/{path}", self.base, self.session), body).await
    }

    /// One request; answers `value` of the reply, or the driver's error and message.
    async fn request(&self, method: reqwest::Method, url: String, body: Option<Value>) -> Result<Value, String> {
        let req = self.http.request(method.clone(), &url);
        let req = if method == reqwest::Method::POST { req.json(&body.unwrap_or_else(|| json!({}))) } else { req };
        let res = req.send().await.map_err(|e| format!("{method} {url}: {e}"))?;
        let status = res.status();
        let v: Value = res.json().await.map_err(|e| format!("{method} {url}: {status}, body not JSON: {e}"))?;
        if status.is_success() {
            Ok(v["value"].clone())
        } else {
            let message = v["value"]["message"].as_str().unwrap_or_default().lines().next().unwrap_or_default();
            Err(format!("{method} {url}: {} — {message}", v["value"]["error"]))
        }
    }

    async fn must(&self, method: reqwest::Method, path: &str, body: Option<Value>, what: &str) -> Value {
        match self.cmd(method, path, body).await {
            Ok(v) => v,
            Err(e) => panic!("{what} (on {}): {e}", self.current_url().await),
        }
    }

    async fn get(&self, path: &str, what: &str) -> Value {
        self.must(reqwest::Method::GET, path, None, what).await
    }

    async fn post(&self, path: &str, body: Value, what: &str) -> Value {
        self.must(reqwest::Method::POST, path, Some(body), what).await
    }

    pub async fn goto(&self, url: &str) {
        self.post("url", json!({"url": url}), &format!("opening {url}")).await;
    }

    pub async fn refresh(&self) {
        self.post("refresh", json!({}), "reloading").await;
    }

    /// The address shown, or why it could not be read (used in every failure message).
    pub async fn current_url(&self) -> String {
        match self.cmd(reqwest::Method::GET, "url", None).await {
            Ok(v) => v.as_str().unwrap_or_default().to_owned(),
            Err(e) => format!("<url unknown: {e}>"),
        }
    }

    /// The page's title and the start of its text, to show in failures.
    pub async fn page_excerpt(&self) -> String {
        let script = "return [document.title, (document.body ? document.body.innerText : document.documentElement.outerHTML).slice(0, 600)]";
        match self.cmd(reqwest::Method::POST, "execute/sync", Some(json!({"script": script, "args": []}))).await {
            Ok(v) => format!("page title: {}\npage text: {}", v[0], v[1].as_str().unwrap_or_default().replace('\n', " | ")),
            Err(e) => format!("<page unreadable: {e}>"),
        }
    }

    /// The first element matching a CSS selector, if any.
    pub async fn try_find(&self, css: &str) -> Option<Element> {
        let v = self.cmd(reqwest::Method::POST, "element", Some(json!({"using": "css selector", "value": css}))).await.ok()?;
        v[ELEMENT].as_str().map(|id| Element { id: id.to_owned(), css: css.to_owned() })
    }

    /// The first element matching a CSS selector; panics if there is none.
    pub async fn find(&self, css: &str) -> Element {
        let v = self.post("element", json!({"using": "css selector", "value": css}), &format!("finding `{css}`")).await;
        let id = v[ELEMENT].as_str().unwrap_or_else(|| panic!("element reference for `{css}`: {v}"));
        Element { id: id.to_owned(), css: css.to_owned() }
    }

    /// Every element matching a CSS selector.
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let v = self.post("elements", json!({"using": "css selector", "value": css}), &format!("finding all `{css}`")).await;
        let ids = v.as_array().into_iter().flatten().filter_map(|e| e[ELEMENT].as_str());
        ids.map(|id| Element { id: id.to_owned(), css: css.to_owned() }).collect()
    }

    /// Waits until an element matches a CSS selector.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        let css = css.to_owned();
        self.wait_until(&format!("an element `{css}`"), timeout, async || self.try_find(&css).await).await
    }

    /// Polls `probe` until it answers `Some`; panics after `timeout` naming `what`.
    pub async fn wait_until<T>(&self, what: &str, timeout: Duration, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(v) = probe().await {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {timeout:?} waiting for {what} (on {})\n{}",
                self.current_url().await,
                self.page_excerpt().await
            );
            tokio::time::sleep(POLL).await;
        }
    }

    pub async fn click(&self, el: &Element) {
        self.post(&format!("element/{}/click", el.id), json!({}), &format!("clicking `{}`", el.css)).await;
    }

    /// Types into an element (appended after its current text).
    pub async fn send_keys(&self, el: &Element, text: &str) {
        self.post(&format!("element/{}/value", el.id), json!({"text": text}), &format!("typing {text:?} into `{}`", el.css))
            .await;
    }

    pub async fn clear(&self, el: &Element) {
        self.post(&format!("element/{}/clear", el.id), json!({}), &format!("clearing `{}`", el.css)).await;
    }

    /// The rendered text (empty for hidden elements).
    pub async fn text(&self, el: &Element) -> String {
        let v = self.get(&format!("element/{}/text", el.id), &format!("reading the text of `{}`", el.css)).await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// The text of the first element matching `css`, if there is one now (no panic while the
    /// page changes under it).
    pub async fn try_text(&self, css: &str) -> Option<String> {
        let el = self.try_find(css).await?;
        self.cmd(reqwest::Method::GET, &format!("element/{}/text", el.id), None).await.ok()?.as_str().map(str::to_owned)
    }

    /// A property of the first element matching `css`, if there is one now.
    pub async fn try_property(&self, css: &str, name: &str) -> Option<Value> {
        let el = self.try_find(css).await?;
        self.cmd(reqwest::Method::GET, &format!("element/{}/property/{name}", el.id), None).await.ok()
    }

    pub async fn attribute(&self, el: &Element, name: &str) -> Option<String> {
        let v = self.get(&format!("element/{}/attribute/{name}", el.id), &format!("reading {name} of `{}`", el.css)).await;
        v.as_str().map(str::to_owned)
    }

    /// A DOM property, such as `value` of a form field.
    pub async fn property(&self, el: &Element, name: &str) -> Value {
        self.get(&format!("element/{}/property/{name}", el.id), &format!("reading {name} of `{}`", el.css)).await
    }

    pub async fn displayed(&self, el: &Element) -> bool {
        self.get(&format!("element/{}/displayed", el.id), &format!("checking whether `{}` is shown", el.css)).await == true
    }

    /// Runs a script in the page (`arguments[i]`; pass elements as [`element_arg`]); answers its return value.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.post("execute/sync", json!({"script": script, "args": args}), &format!("running `{script}`")).await
    }

    /// Presses and releases one key on the keyboard, wherever the focus is (W3C actions).
    pub async fn press_key(&self, key: &str) {
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}
        ]}]});
        self.post("actions", actions, &format!("pressing {key:?}")).await;
    }

    pub async fn set_window_size(&self, width: u32, height: u32) {
        self.post("window/rect", json!({"width": width, "height": height}), &format!("resizing to {width}x{height}")).await;
    }

    /// A Chrome DevTools command through chromedriver (no W3C equivalent).
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.post("goog/cdp/execute", json!({"cmd": cmd, "params": params}), &format!("DevTools {cmd}")).await
    }

    /// Saves a PNG of the viewport.
    pub async fn screenshot(&self, path: &Path) {
        let data = self.get("screenshot", "taking a screenshot").await;
        let png = base64_decode(data.as_str().expect("screenshot data")).expect("screenshot is base64");
        std::fs::write(path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }
}

/// An element as a script argument.
pub fn element_arg(el: &Element) -> Value {
    json!({ ELEMENT: el.id })
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let url = format!("{}/session/{}", self.base, self.session);
            // Drop runs inside the test's runtime, which cannot block on itself: use a thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async {
                    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
                    let _ = http.delete(&url).send().await;
                });
            })
            .join();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Standard base64 (padding and whitespace ignored).
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from(acc >> bits).ok()?);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}
