//! The web UI in a real browser (headless Chromium through chromedriver): a customer opens a
//! ticket with a knowledge-base suggestion shown as they type, an agent answers it with an AI
//! draft they edit, the customer resolves and rates it; screenshots at phone and desktop widths
//! go to `target/ui-screenshots/`.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::webdriver::Browser;
use common::{Backend, PASSWORD, TestServer, seed};
use serde_json::json;
use uuid::Uuid;

/// How long a page, a navigation or a script's update may take (generous: CI shares 2 cores with other tests).
const PAGE: Duration = Duration::from_secs(30);

/// The path and query of the browser's address, relative to the server.
async fn here(b: &Browser, base: &str) -> String {
    let url = b.current_url().await;
    url.strip_prefix(base).map_or(url.clone(), str::to_owned)
}

/// Waits until the address's path (query ignored) satisfies `ok`.
async fn wait_path(b: &Browser, base: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
    b.wait_until(&format!("the address to be {what}"), PAGE, async || {
        let p = here(b, base).await;
        ok(p.split('?').next().unwrap_or_default()).then_some(p)
    })
    .await
}

/// Whitespace runs as single spaces, for comparing typed text with rendered text.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn sign_in(b: &Browser, base: &str, slug: &str, email: &str) {
    b.goto(&format!("{base}/login?tenant={slug}")).await;
    let tenant = b.wait_for("#tenant", PAGE).await;
    assert_eq!(b.property(&tenant, "value").await, slug, "the workspace field is prefilled from ?tenant=");
    let field = b.find("#email").await;
    b.send_keys(&field, email).await;
    let field = b.find("#password").await;
    b.send_keys(&field, PASSWORD).await;
    let submit = b.find(r#"form[action="/login"] button[type=submit]"#).await;
    b.click(&submit).await;
    wait_path(b, base, &format!("another page than /login after signing in as {email}"), |p| p != "/login").await;
}

async fn sign_out(b: &Browser, base: &str) {
    let button = b.wait_for(r#"form[action="/logout"] button"#, PAGE).await;
    b.click(&button).await;
    wait_path(b, base, "/login after signing out", |p| p == "/login").await;
}

/// Makes the viewport `width` CSS pixels wide (by the window, else by device emulation, as
/// headless windows do not shrink below about 500 px) and reloads the page.
async fn viewport(b: &Browser, width: u32) {
    b.cdp("Emulation.clearDeviceMetricsOverride", json!({})).await;
    b.set_window_size(width, 900).await;
    b.refresh().await;
    if b.execute("return window.innerWidth", vec![]).await != width {
        let metrics = json!({"width": width, "height": 812, "deviceScaleFactor": 1, "mobile": width < 600});
        b.cdp("Emulation.setDeviceMetricsOverride", metrics).await;
        b.refresh().await;
    }
    let inner = b.execute("return window.innerWidth", vec![]).await;
    assert_eq!(inner, width, "window.innerWidth after resizing to {width} px (on {})", b.current_url().await);
}

/// Screenshots of the current page at these widths; at phone width it must not scroll sideways.
async fn screenshots(b: &Browser, name: &str, widths: &[u32]) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/ui-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    for &w in widths {
        viewport(b, w).await;
        b.wait_for("main", PAGE).await;
        b.screenshot(&dir.join(format!("{name}-{w}.png"))).await;
        if w <= 480 {
            let sizes = b.execute("return [document.documentElement.scrollWidth, window.innerWidth]", vec![]).await;
            assert!(
                sizes[0].as_u64() <= sizes[1].as_u64(),
                "{name} at {w} px scrolls sideways: [scrollWidth, innerWidth] = {sizes} (on {})",
                b.current_url().await
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_asks_agent_answers_with_ai_draft_customer_rates() {
    let s = TestServer::start(Backend::Sqlite).await;
    let a = seed(&s, "acme").await;
    let base = s.base.clone();
    let title = "Export your invoices as PDF files";
    let (status, article) = s
        .post(
            "/api/v1/kb/articles",
            &a.admin_token,
            json!({"title": title, "summary": "Download invoices as PDF from the billing page.", "category": "faq", "visibility": "customers",
                   "body": "## Steps\n\n1. Open **Billing** and then **Invoices**.\n2. Select the invoices.\n3. Click **Export as PDF**."}),
        )
        .await;
    assert_eq!(status, 201, "{article}");
    let article_id = article["id"].as_str().expect("id");
    let (status, published) =
        s.patch(&format!("/api/v1/kb/articles/{article_id}"), &a.admin_token, json!({"status": "published"})).await;
    assert_eq!(status, 200, "{published}");
    s.indexed().await;
    let b = Browser::start().await;
    b.set_window_size(1280, 900).await;

    // a. The customer signs in and lands in the portal.
    sign_in(&b, &base, &a.slug, &a.emails["customer"]).await;
    assert_eq!(here(&b, &base).await, "/portal", "where a customer lands after signing in");

    // b. A new ticket: the article is suggested while the subject is typed.
    b.goto(&format!("{base}/portal/tickets/new")).await;
    let subject_field = b.wait_for("#subject", PAGE).await;
    let subject = format!("Export invoices as PDF {}", &Uuid::now_v7().simple().to_string()[24..]);
    b.send_keys(&subject_field, &subject).await;
    // Read at once: the script may replace the list between two WebDriver calls.
    let texts = "return Array.from(document.querySelectorAll('#suggestions a'), a => a.innerText)";
    b.wait_until(&format!("a suggestion `#suggestions a` naming {title:?} while typing the subject"), PAGE, async || {
        let seen = b.execute(texts, vec![]).await;
        seen.as_array()?.iter().any(|t| t.as_str().is_some_and(|t| t.contains(title))).then_some(())
    })
    .await;
    let description = b.find("#description").await;
    b.send_keys(&description, "Our accountant needs last month's invoices as PDF files. Where do I download them?").await;
    let create = b.find("#create-ticket").await;
    b.click(&create).await;
    let path = wait_path(&b, &base, "/portal/tickets/{id} after creating the ticket", |p| {
        p.strip_prefix("/portal/tickets/").is_some_and(|id| Uuid::try_parse(id).is_ok())
    })
    .await;
    let ticket_id = path.split('?').next().and_then(|p| p.strip_prefix("/portal/tickets/")).expect("id").to_owned();

    // c. The agent opens it from the list, drafts a reply with the assistant, edits and sends it.
    sign_out(&b, &base).await;
    sign_in(&b, &base, &a.slug, &a.emails["agent"]).await;
    b.goto(&format!("{base}/agent/tickets?view=all")).await;
    b.wait_for("td.subject a", PAGE).await;
    let mut link = None;
    for l in b.find_all("td.subject a").await {
        if b.text(&l).await.trim() == subject {
            link = Some(l);
            break;
        }
    }
    let link = link.unwrap_or_else(|| panic!("no `td.subject a` reading {subject:?} in the list of all tickets"));
    b.click(&link).await;
    wait_path(&b, &base, &format!("/agent/tickets/{ticket_id}"), |p| p == format!("/agent/tickets/{ticket_id}")).await;
    let ticket_url = b.current_url().await;
    let draft_button = b.wait_for("#draft-form button", PAGE).await;
    b.click(&draft_button).await;
    let draft = b
        .wait_until("the AI draft in `textarea#reply-body`", Duration::from_mins(1), async || {
            let v = b.try_property("textarea#reply-body", "value").await?;
            v.as_str().filter(|v| !v.trim().is_empty()).map(str::to_owned)
        })
        .await;
    assert_eq!(b.current_url().await, ticket_url, "the draft is fetched by the script, without leaving the page");
    let marker = format!("BROWSER-EDIT-{}", Uuid::now_v7().simple());
    let editor = b.find("textarea#reply-body").await;
    b.send_keys(&editor, &format!(" Edited by the agent {marker}")).await;
    let reply = b.property(&editor, "value").await.as_str().expect("value").to_owned();
    assert!(
        reply.starts_with(draft.trim_end()) && reply.ends_with(&marker),
        "the editor holds the draft and the edit: {reply:?}"
    );
    let send = b.find("#send").await;
    b.click(&send).await;
    let thread = b
        .wait_until(&format!("the reply with {marker} in `.thread`"), PAGE, async || {
            b.try_text(".thread").await.filter(|text| text.contains(&marker))
        })
        .await;
    assert!(squash(&thread).contains(&squash(&reply)), "the whole reply is in the thread:\n{reply}\n---\n{thread}");

    // Keyboard: `a` assigns the ticket to the agent, `n` opens an internal note in the editor.
    b.execute("document.activeElement.blur()", vec![]).await;
    b.press_key("a").await;
    b.wait_until("`a` to assign the ticket to the agent", PAGE, async || {
        let v = b.try_property("#p-assignee", "selectedOptions").await?;
        let text = b.execute("return document.querySelector('#p-assignee').selectedOptions[0].text", vec![]).await;
        (v.is_array() && text.as_str().is_some_and(|t| t == "agent")).then_some(())
    })
    .await;
    b.execute("document.activeElement.blur()", vec![]).await;
    b.press_key("n").await;
    let noted = b.execute("return [document.activeElement.id, document.getElementById('internal').checked]", vec![]).await;
    assert_eq!(noted, json!(["reply-body", true]), "`n` puts the focus in the editor as an internal note");

    // d. The agent's ticket page at phone and desktop widths.
    screenshots(&b, "agent-ticket", &[375, 1280]).await;

    // e. The customer reads the reply, resolves the ticket and rates it.
    sign_out(&b, &base).await;
    sign_in(&b, &base, &a.slug, &a.emails["customer"]).await;
    b.goto(&format!("{base}/portal/tickets/{ticket_id}")).await;
    let thread = b.wait_for(".thread", PAGE).await;
    let text = b.text(&thread).await;
    assert!(text.contains(&marker), "the customer sees the agent's edited reply: {text}");
    let resolve = b.wait_for("#resolve-button", PAGE).await;
    b.click(&resolve).await;
    let five = b.wait_for("#score-5", PAGE).await;
    b.click(&five).await;
    let comment = b.find("#rate-comment").await;
    b.send_keys(&comment, "Quick and clear, thank you.").await;
    let submit = b.find("#rate-submit").await;
    b.click(&submit).await;
    let rated = b
        .wait_until("`#rated` shown with the score 5", PAGE, async || {
            b.try_text("#rated").await.filter(|text| text.contains('5'))
        })
        .await;
    screenshots(&b, "portal-ticket", &[375, 1280]).await;
    b.goto(&format!("{base}/portal/tickets/new")).await;
    b.wait_for("#subject", PAGE).await;
    screenshots(&b, "portal-new", &[375]).await;

    // f. The API agrees.
    let agent = a.token(&s, "agent").await;
    let (status, t) = s.get(&format!("/api/v1/tickets/{ticket_id}"), &agent).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["status"], "resolved", "{t}");
    assert_eq!(t["satisfaction"]["score"], 5, "{t} (the page said {rated:?})");
    assert_eq!(t["satisfaction"]["comment"], "Quick and clear, thank you.", "{t}");
}

/// axe-core (from npm, installed by `scripts/test` into `tests/a11y/node_modules`).
fn axe_source() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/a11y/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{}: {e}; run `npm ci --prefix crates/customerdesk/tests/a11y` (scripts/test does)", path.display())
    })
}

/// Runs axe-core's WCAG 2.1 A and AA rules on the current page; answers the violations found.
async fn axe_violations(b: &Browser, source: &str) -> Vec<String> {
    b.execute(&format!("if (typeof axe === 'undefined') {{ {source} }} return true;"), vec![]).await;
    let script = "return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })\
                  .then(r => r.violations.map(v => v.impact + ' ' + v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))";
    let found = b.execute(script, vec![]).await;
    found.as_array().map(|v| v.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_page_passes_the_wcag_aa_checks_and_fits_a_phone() {
    let s = TestServer::start(Backend::Sqlite).await;
    let a = seed(&s, "axe").await;
    let base = s.base.clone();
    let source = axe_source();
    let b = Browser::start().await;
    let (slug, ticket, article) = (a.slug.clone(), a.customer_ticket.clone(), a.ids["article"].clone());
    let pages: [(Option<&str>, Vec<String>); 4] = [
        (
            None,
            vec![
                format!("/login?tenant={slug}"),
                format!("/kb/{slug}"),
                format!("/kb/{slug}/{}", a.article_slug),
                format!("/kb/{slug}/ask?q=reset+password"),
            ],
        ),
        (
            Some("customer"),
            vec![
                "/portal".into(),
                "/portal/tickets/new".into(),
                format!("/portal/tickets/{ticket}"),
                "/portal/kb".into(),
                format!("/portal/kb/{article}"),
                "/portal/ask?q=reset+password".into(),
                "/account".into(),
            ],
        ),
        (
            Some("agent"),
            vec![
                "/agent/tickets?view=all".into(),
                format!("/agent/tickets/{ticket}"),
                "/portal/kb?q=password".into(),
                "/agent/tickets/new".into(),
                "/agent/kb".into(),
                "/agent/kb/new".into(),
                format!("/agent/kb/{article}"),
            ],
        ),
        (Some("admin"), {
            let mut v: Vec<String> = [
                "users",
                "roles",
                "groups",
                "companies",
                "categories",
                "ai",
                "calendars",
                "sla-policies",
                "routing-rules",
                "escalation-rules",
                "skills",
                "settings",
            ]
            .iter()
            .map(|p| format!("/admin/{p}"))
            .collect();
            let id = |kind: &str| a.ids[kind].clone();
            v.extend([
                format!("/admin/calendars/{}?start=2026-12-18T15%3A30&minutes=120", id("calendar")),
                format!("/admin/sla-policies/{}", id("sla_policy")),
                format!("/admin/routing-rules/{}", id("routing_rule")),
                format!("/admin/escalation-rules/{}", id("escalation_rule")),
            ]);
            v
        }),
    ];
    let mut failures = Vec::new();
    let mut checked = 0;
    for (role, paths) in &pages {
        if let Some(role) = role {
            sign_in(&b, &base, &slug, &a.emails[role]).await;
        }
        for path in paths {
            b.goto(&format!("{base}{path}")).await;
            b.wait_for("main", PAGE).await;
            for width in [375, 1280] {
                viewport(&b, width).await;
                for v in axe_violations(&b, &source).await {
                    failures.push(format!("{path} at {width} px: {v}"));
                }
                let sizes = b.execute("return [document.documentElement.scrollWidth, window.innerWidth]", vec![]).await;
                if sizes[0].as_u64() > sizes[1].as_u64() {
                    failures.push(format!("{path} at {width} px scrolls sideways: [scrollWidth, innerWidth] = {sizes}"));
                }
                checked += 1;
            }
        }
        if role.is_some() {
            sign_out(&b, &base).await;
        }
    }
    assert!(checked >= 40, "every page was checked at both widths ({checked})");
    assert!(failures.is_empty(), "WCAG 2.1 AA violations found by axe-core:\n{}", failures.join("\n"));
}

#[test]
fn base64_decodes_screenshots() {
    use common::webdriver::base64_decode;
    assert_eq!(base64_decode("iVBORw0KGgo=").as_deref(), Some(&b"\x89PNG\r\n\x1a\n"[..]));
    assert_eq!(base64_decode("TWFu\nTWE=").as_deref(), Some(&b"ManMa"[..]));
    assert_eq!(base64_decode("TQ==").as_deref(), Some(&b"M"[..]));
    assert_eq!(base64_decode("a*b"), None);
}
