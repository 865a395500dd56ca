//! A cookie-keeping HTTP client for the web UI's pages (no browser): sign-in through the form,
//! the CSRF token read from a page, redirects not followed so tests see them.

use std::collections::HashMap;

use super::{PASSWORD, TestServer};

/// One browser's cookies against one server.
pub struct Page {
    pub base: String,
    http: reqwest::Client,
    pub cookies: HashMap<String, String>,
}

/// A response: status, `Location`, body.
pub struct Got {
    pub status: u16,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn new(s: &TestServer) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { base: s.base.clone(), http, cookies: HashMap::new() }
    }

    /// The `Cookie` header this browser sends.
    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn finish(&mut self, res: reqwest::Response) -> Got {
        for c in res.headers().get_all(reqwest::header::SET_COOKIE) {
            let c = c.to_str().expect("cookie");
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = pair.split_once('=').expect("name=value");
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = res.status().as_u16();
        let location = res.headers().get(reqwest::header::LOCATION).map(|v| v.to_str().expect("location").to_owned());
        let headers = res.headers().clone();
        Got { status, location, headers, body: res.text().await.expect("body") }
    }

    pub async fn get(&mut self, path: &str) -> Got {
        let res = self.http.get(format!("{}{path}", self.base)).header("cookie", self.cookie_header()).send().await.expect("get");
        self.finish(res).await
    }

    /// Posts a form as is (no token added).
    pub async fn post_raw(&mut self, path: &str, form: &[(&str, &str)]) -> Got {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .expect("post");
        self.finish(res).await
    }

    /// Posts a form with the CSRF token of the page `from`.
    pub async fn post(&mut self, from: &str, path: &str, form: &[(&str, &str)]) -> Got {
        let token = self.csrf(from).await;
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("_csrf", &token));
        self.post_raw(path, &fields).await
    }

    /// The CSRF token the forms of a page carry.
    pub async fn csrf(&mut self, from: &str) -> String {
        let page = self.get(from).await;
        let marker = "name=\"_csrf\" value=\"";
        let start = page.body.find(marker).unwrap_or_else(|| panic!("no CSRF field on {from}: {}", page.status)) + marker.len();
        page.body[start..].split('"').next().expect("token").to_owned()
    }

    /// Signs in through the form; panics unless it redirects.
    pub async fn sign_in(s: &TestServer, tenant: &str, email: &str) -> Self {
        let mut p = Self::new(s);
        let got = p.post("/login", "/login", &[("tenant", tenant), ("email", email), ("password", PASSWORD), ("next", "")]).await;
        assert_eq!(got.status, 303, "sign-in of {email}: {}", got.body);
        assert!(p.cookies.contains_key("cd_session"), "session cookie set");
        p
    }
}
